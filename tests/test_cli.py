"""The `derivations` command: check (text and JSON), exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import ROOT, copy_project, run_cli, run_python


def test_check_json_reports_every_equation_with_its_position_and_verdict() -> None:
    result = run_cli("check", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    equations = report["equations"]
    assert equations, "content/ has equations"
    text = (ROOT / "content" / "sigmoid-logistic.yaml").read_text(encoding="utf-8").splitlines()
    for eq in equations:
        assert {
            "file",
            "line",
            "column",
            "kind",
            "claim",
            "verdict",
            "method",
            "seconds",
        } <= eq.keys()
        assert eq["verdict"] in {"proven", "numeric", "refuted", "notation", "definition"}
        if eq["file"] == "content/sigmoid-logistic.yaml":
            # the reported position is where the TeX starts in the file
            assert text[eq["line"] - 1][eq["column"] - 1 :].startswith(
                eq["claim"][:20].split("\n")[0][:10]
            )
    sigmoid = next(d for d in report["derivations"] if d["file"] == "content/sigmoid-logistic.yaml")
    assert "Symbol('z'" in sigmoid["definitions"]["a"]
    assert sigmoid["result"]["left"].startswith("Derivative(")


def test_check_fails_with_a_compiler_style_message(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    source = project / "content" / "sigmoid-logistic.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace(
            "\\frac{\\partial a}{\\partial z} = a (1 - a)",
            "\\frac{\\partial a}{\\partial z} = a (1 + a)",
        ),
        encoding="utf-8",
    )
    result = run_cli("check", "--root", str(project))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    head = next(line for line in lines if ": error: " in line)
    file, line, column, *_ = head.split(":")
    assert file == "content/sigmoid-logistic.yaml"
    assert "a (1 + a)" in source.read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert int(column) > 1
    assert "1 error in 1 file" in result.stderr


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("build", "serve", "check", "render"):
        assert command in result.stdout


def test_the_plugin_options_are_read_before_mkdocs_even_with_its_own_tags(tmp_path: Path) -> None:
    from generator.cli import project_options

    (tmp_path / "mkdocs.yml").write_text(
        "site_name: !ENV [SITE_NAME, 'x']\n"
        "markdown_extensions:\n"
        "  - pymdownx.superfences:\n"
        "      custom_fences:\n"
        "        - name: math\n"
        "          format: !!python/name:pymdownx.arithmatex.fence_mathjax_format\n"
        "plugins:\n"
        "  - search\n"
        "  - derivations:\n"
        "      cache_dir: my-cache\n"
        "      content_dir: pages\n",
        encoding="utf-8",
    )
    options = project_options(tmp_path)
    assert options.cache_dir == tmp_path / "my-cache"
    assert options.content_dir == tmp_path / "pages"


def test_the_command_ends_at_once_yet_loses_no_output_and_keeps_its_exit_status() -> None:
    """``derivations`` skips Python's teardown (os._exit): whatever stdout, stderr and the
    log still buffer must come out first, and a message given to sys.exit means status 1."""
    probe = (
        "import logging, sys\n"
        "from generator.cli import _end_now\n"
        "logging.basicConfig(stream=sys.stderr)\n"
        "logging.getLogger('probe').warning('logged before the end')\n"
        "sys.stdout.write('x' * 200_000)\n"
        "_end_now('stopped with a message')\n"
    )
    result = run_python(probe)
    assert result.returncode == 1
    assert result.stdout == "x" * 200_000
    assert "logged before the end" in result.stderr
    assert result.stderr.rstrip().endswith("stopped with a message")


def test_a_project_folder_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    """A mistyped --root once checked nothing and passed."""
    result = run_cli("check", "--root", str(tmp_path / "missing"))
    assert result.returncode != 0
    assert result.stderr.strip()
    assert "does not exist" in result.stderr


def test_check_refuses_a_file_that_is_not_a_source_in_content() -> None:
    """A mistyped FILES argument once checked nothing and passed (0 checks, exit 0)."""
    missing = run_cli("check", "content/no-such-derivation.yaml")
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    outside = run_cli("check", "mkdocs.yml")
    assert outside.returncode == 2
    assert "not a source in" in outside.stderr
    one = run_cli("check", "content/linear-mse.yaml")
    assert one.returncode == 0, one.stderr
    assert "content/linear-mse.yaml" in one.stdout
