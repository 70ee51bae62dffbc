"""Build guarantees: reproducible output, untouched sources, and a live-reloading preview."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .helpers import ROOT, copy_project, run_cli

pytestmark = pytest.mark.slow


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_builds_of_one_commit_are_byte_identical(tmp_path: Path) -> None:
    trees = []
    for name in ("one", "two"):
        project = copy_project(tmp_path / name)
        result = run_cli("build", "--root", str(project))
        assert result.returncode == 0, result.stderr
        trees.append(_digest(project / "site"))
    assert trees[0].keys() == trees[1].keys()
    different = [path for path in trees[0] if trees[0][path] != trees[1][path]]
    assert not different


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        env=dict(
            os.environ,
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@t",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@t",
        ),
    ).stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, needle: str, seconds: float) -> float:
    """Seconds until the page at ``url`` contains ``needle``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if needle in response.read().decode("utf-8"):
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} did not appear at {url} within {seconds} s")


def test_serve_reloads_on_source_and_template_edits_and_leaves_sources_untouched(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    (project / ".gitignore").write_text(
        (ROOT / ".gitignore").read_text(encoding="utf-8"), encoding="utf-8"
    )
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "snapshot")

    assert run_cli("check", "--root", str(project)).returncode == 0
    assert run_cli("build", "--root", str(project)).returncode == 0
    port = _free_port()
    url = f"http://127.0.0.1:{port}/sigmoid-logistic/"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator.cli",
            "serve",
            "--root",
            str(project),
            "-a",
            f"127.0.0.1:{port}",
        ],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    try:
        _wait_for(url, "For those who are curious", 120)
        source = project / "content" / "sigmoid-logistic.yaml"
        original = source.read_text(encoding="utf-8")
        source.write_text(
            original.replace("For those who are curious", "For those who are very curious"),
            encoding="utf-8",
        )
        _wait_for(url, "very curious", 60)
        template = project / "templates" / "derivation.md.j2"
        original_template = template.read_text(encoding="utf-8")
        template.write_text(
            original_template.replace("How checking works", "How the checking works"),
            encoding="utf-8",
        )
        _wait_for(url, "How the checking works", 60)
        source.write_text(original, encoding="utf-8")
        template.write_text(original_template, encoding="utf-8")
        _wait_for(url, "For those who are curious", 60)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert _git(project, "status", "--porcelain") == ""


def _log_contains(log: Path, needle: str, seconds: float) -> None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if needle in log.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} not in the server's log within {seconds} s")


def test_serve_stops_a_rebuild_with_a_false_claim_and_recovers_when_it_is_fixed(
    tmp_path: Path,
) -> None:
    """Pages are rendered while their checks run: a false claim saved under ``serve`` must
    stop that rebuild with its counterexample in the log, and fixing the claim must bring
    the rest of the edit in, from the same server."""
    project = copy_project(tmp_path / "project")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/sigmoid-logistic/"
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as stderr:
        command = ["serve", "--root", str(project), "-a", f"127.0.0.1:{port}"]
        server = subprocess.Popen(
            [sys.executable, "-m", "generator.cli", *command],
            cwd=project,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        )
        try:
            _wait_for(url, "For those who are curious", 180)
            source = project / "content" / "sigmoid-logistic.yaml"
            original = source.read_text(encoding="utf-8")
            edited = original.replace("For those who are curious", "For those who are very curious")
            claim = "result: \\frac{\\partial L}{\\partial z} = a - y"
            source.write_text(edited.replace(claim, claim.replace("a - y", "a + y")), "utf-8")
            _log_contains(log, "counterexample", 120)
            # (MkDocs' server holds requests until a rebuild succeeds: it never serves the
            # half-built site of a build that stopped.)
            source.write_text(edited, encoding="utf-8")
            _wait_for(url, "very curious", 120)
            assert server.poll() is None
        finally:
            server.terminate()
            server.wait(timeout=20)
