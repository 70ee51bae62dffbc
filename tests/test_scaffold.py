"""`derivations new` writes a starter that checks as written and appears in the site unregistered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from generator.scaffold import ScaffoldError, new_derivation
from generator.source.load import load_content

from .helpers import ROOT, copy_project, verdicts


def test_new_file_checks_as_written_and_goes_last(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    path = new_derivation("my-derivation", project / "content", project / "templates", project)
    content = load_content(project / "content", project)
    assert not content.diagnostics, [d.format() for d in content.diagnostics]
    assert content.sources[-1].path == "content/my-derivation.yaml"
    source = content.sources[-1]
    statuses = {v.status for d in source.displays for v in verdicts(source, d)}
    assert statuses <= {"proven", "refuted"}
    assert "refuted" in statuses  # the starter shows a mistake and its counterexample
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")


def test_new_refuses_bad_names_and_existing_files(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    for bad in ("My Derivation", "UPPER", "../escape", "a_b"):
        try:
            new_derivation(bad, project / "content", project / "templates", project)
        except ScaffoldError:
            continue
        raise AssertionError(f"accepted {bad!r}")
    try:
        new_derivation("linear-mse", project / "content", project / "templates", project)
    except ScaffoldError as exc:
        assert "already exists" in str(exc)
    else:
        raise AssertionError("overwrote an existing file")


def test_guide_commands_work_literally_on_a_copy(tmp_path: Path) -> None:
    """Follow CONTRIBUTING.md's command block, word for word, in a copy of the repository."""
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    block = guide.split("<!-- guide-commands")[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = block.strip().splitlines()
    assert [c.split()[:2] for c in commands] == [
        [".venv/bin/derivations", "new"],
        [".venv/bin/derivations", "check"],
        [".venv/bin/derivations", "build"],
    ]
    project = copy_project(tmp_path / "project")
    (project / ".venv").symlink_to(Path(sys.prefix))  # the clone's `make` would have made it
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    for command in commands:
        result = subprocess.run(
            command,
            shell=True,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    page = project / "site" / "my-derivation" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "My Derivation" in html
    assert 'class="dv-verdict dv-verdict--proven"' in html
    landing = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="my-derivation/"' in landing  # listed without registering it anywhere
