"""Files that serve contributors and CI: the pre-commit hook and the Pages workflow."""

from __future__ import annotations

from ruamel.yaml import YAML

from .helpers import ROOT


def test_pre_commit_hook_checks_changed_sources() -> None:
    config = YAML(typ="safe").load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for repo in config["repos"] for h in repo["hooks"]]
    assert hook["entry"] == ".venv/bin/derivations check"
    assert hook["pass_filenames"] is True
    assert hook["files"] == r"^content/.*\.yaml$"


def test_pages_workflow_builds_with_make_and_deploys() -> None:
    workflow = YAML(typ="safe").load(
        (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    )
    build = workflow["jobs"]["build"]["steps"]
    runs = [str(step.get("run", "")).strip() for step in build]
    assert "make" in runs and "make test" in runs
    upload = next(
        step
        for step in build
        if str(step.get("uses", "")).startswith("actions/upload-pages-artifact")
    )
    assert upload["with"]["path"] == "site"
    # the tests run, after the build and before the upload: a failing test publishes nothing
    assert runs.index("make") < runs.index("make test") < build.index(upload)
    # with Debian's chromium installed first, as .ci/run does (CI=true fails without it)
    assert workflow["jobs"]["build"]["container"].startswith("debian:")
    install = next(i for i, run in enumerate(runs) if "apt-get install" in run)
    assert "chromium" in runs[install].split() and install < runs.index("make test")
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(
        str(step.get("uses", "")).startswith("actions/deploy-pages") for step in deploy["steps"]
    )


def test_ci_script_runs_the_readme_commands() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in script
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\nmake\nmake test\n" in readme


def test_pages_workflow_keeps_the_verdict_cache_and_only_main_saves_it() -> None:
    workflow = YAML(typ="safe").load(
        (ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    )
    steps = workflow["jobs"]["build"]["steps"]
    uses = [str(step.get("uses", "")) for step in steps]
    restore = steps[next(i for i, u in enumerate(uses) if u.startswith("actions/cache/restore"))]
    save = steps[next(i for i, u in enumerate(uses) if u.startswith("actions/cache/save"))]
    build = next(step for step in steps if str(step.get("run", "")).strip() == "make")
    # the build reads and writes the folder that is restored and saved
    folder = build["env"]["XDG_CACHE_HOME"]
    assert restore["with"]["path"] == save["with"]["path"] == folder
    # keyed by the checker's code, so a code change starts from an empty cache
    assert "hashFiles('generator/**/*.py'" in restore["with"]["key"]
    assert restore["with"]["key"] == save["with"]["key"]
    # restored before the build, saved after the tests, and only by pushes to main: a pull
    # request never writes a cache that a build of main could read
    assert steps.index(restore) < steps.index(build) < steps.index(save)
    assert save["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert "if" not in restore
