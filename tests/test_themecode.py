"""Theme templates compiled ahead of need: served to MkDocs' environment without compiling
again, and never when the template or the environment's code generation differs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jinja2
import pytest
from mkdocs.config import load_config

from generator.pages import themecode

ROOT = Path(__file__).parent.parent


def _no_compiling(env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(env, "compile", refuse)


def test_the_theme_s_page_templates_and_their_partials_are_compiled_once(monkeypatch, tmp_path):
    monkeypatch.setattr(themecode, "CODE", themecode.CompiledTemplates(tmp_path))
    theme = load_config(str(ROOT / "mkdocs.yml")).theme
    assert themecode.precompile(theme) > 40  # the page template and its partials
    assert themecode.precompile(theme) == 0  # all there already
    env = theme.get_env()  # a new environment, as MkDocs makes for each build
    env.bytecode_cache = themecode.CODE
    _no_compiling(env, monkeypatch)
    for name in ("main.html", "base.html", "404.html", "sitemap.xml", "partials/header.html"):
        env.get_template(name)


def _env(templates: dict[str, str], **settings: object) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates), **settings)
    env.bytecode_cache = themecode.CompiledTemplates()
    return env


def test_a_changed_template_is_compiled_afresh():
    templates = {"page.html": "first {{ x }}"}
    env = _env(templates)
    assert env.get_template("page.html").render(x=1) == "first 1"
    templates["page.html"] = "second {{ x }}"
    again = jinja2.Environment(loader=jinja2.DictLoader(templates))
    again.bytecode_cache = env.bytecode_cache
    assert again.get_template("page.html").render(x=1) == "second 1"


def test_an_environment_that_generates_other_code_compiles_its_own():
    templates = {"page.html": "{% if x %}\nyes\n{% endif %}"}
    plain = _env(templates)
    trimmed = jinja2.Environment(loader=jinja2.DictLoader(templates), trim_blocks=True)
    trimmed.bytecode_cache = plain.bytecode_cache
    assert plain.get_template("page.html").render(x=1) == "\nyes\n"
    assert trimmed.get_template("page.html").render(x=1) == "yes\n"
    assert len(plain.bytecode_cache) == 2  # type: ignore[arg-type]


def test_an_environment_with_other_filters_compiles_its_own():
    """How a filter is called is compiled in, and a filter on a constant runs at compile
    time: code made with one environment's filters is not another's."""
    templates = {"page.html": "{{ 'a' | up }}"}
    first = _env(templates)
    first.filters["up"] = lambda text: text.upper()
    second = jinja2.Environment(loader=jinja2.DictLoader(templates))
    second.filters["up"] = lambda text: text + "!"
    second.bytecode_cache = first.bytecode_cache
    assert first.get_template("page.html").render() == "A"
    assert second.get_template("page.html").render() == "a!"


def test_templates_compiled_by_one_process_are_read_by_the_next_without_compiling(
    monkeypatch, tmp_path
):
    templates = {"page.html": "{% include 'part.html' %} {{ x }}", "part.html": "part"}
    first = jinja2.Environment(loader=jinja2.DictLoader(templates))
    first.bytecode_cache = themecode.CompiledTemplates(tmp_path)
    assert first.get_template("page.html").render(x=1) == "part 1"
    # The next process: a new environment, and a cache that holds nothing in memory.
    later = jinja2.Environment(loader=jinja2.DictLoader(templates))
    later.bytecode_cache = themecode.CompiledTemplates(tmp_path)
    _no_compiling(later, monkeypatch)
    assert later.get_template("page.html").render(x=2) == "part 2"


def test_an_environment_s_settings_are_hashed_once_for_all_its_templates(monkeypatch, tmp_path):
    # MkDocs asks for each template as it writes the pages, after the last check: hashing
    # every filter's code for each of them was a tenth of a second of that tail.
    templates = {"page.html": "{% include 'part.html' %}", "part.html": "part", "other.html": "o"}
    env = jinja2.Environment(loader=jinja2.DictLoader(templates))
    env.bytecode_cache = themecode.CompiledTemplates(tmp_path)
    hashed: list[object] = []
    stable = themecode._stable

    def counted(value: object, depth: int = 0) -> object:
        if depth == 0:
            hashed.append(value)
        return stable(value, depth)

    monkeypatch.setattr(themecode, "_stable", counted)
    env.get_template("page.html").render()
    env.get_template("other.html").render()
    assert len(hashed) == 1
    env.filters["new"] = lambda text: text  # other settings: worked out again
    env.cache = None  # (Jinja's own cache of loaded templates, so the code cache is asked)
    env.get_template("other.html")
    assert len(hashed) == 2


def test_on_disk_a_filter_with_other_code_makes_its_own_template_code(tmp_path):
    # A filter applied to a constant is run when the template is compiled: its result is in
    # the code, so code compiled with another filter must not be reused.
    templates = {"page.html": "{{ 'word' | shout }}"}
    loud = jinja2.Environment(loader=jinja2.DictLoader(templates))
    loud.filters["shout"] = lambda text: text.upper()
    loud.bytecode_cache = themecode.CompiledTemplates(tmp_path)
    assert loud.get_template("page.html").render() == "WORD"
    quiet = jinja2.Environment(loader=jinja2.DictLoader(templates))
    quiet.filters["shout"] = lambda text: text + "!"
    quiet.bytecode_cache = themecode.CompiledTemplates(tmp_path)
    assert quiet.get_template("page.html").render() == "word!"
    # Code that differs only in a constant is another filter too.
    asking = jinja2.Environment(loader=jinja2.DictLoader(templates))
    asking.filters["shout"] = lambda text: text + "?"
    asking.bytecode_cache = themecode.CompiledTemplates(tmp_path)
    assert asking.get_template("page.html").render() == "word?"


def test_a_folder_that_cannot_be_written_only_means_compiling(tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": "{{ x }}"}))
    env.bytecode_cache = themecode.CompiledTemplates(blocked / "templates")
    assert env.get_template("page.html").render(x=3) == "3"


def test_a_filter_that_is_not_a_plain_function_is_never_read_back_from_disk(tmp_path):
    import functools

    def suffix(text: str, end: str) -> str:
        return text + end

    templates = {"page.html": "{{ 'word' | sfx }}"}
    for end in ("!", "?"):  # the same partial's code, holding another value
        env = jinja2.Environment(loader=jinja2.DictLoader(templates))
        env.filters["sfx"] = functools.partial(suffix, end=end)
        env.bytecode_cache = themecode.CompiledTemplates(tmp_path)
        assert env.get_template("page.html").render() == "word" + end


KEY_PROBE = """
from mkdocs.config import load_config
from generator.pages import themecode
env = load_config("mkdocs.yml").theme.get_env()
print(repr(themecode._stable(themecode._generated_alike(env))))
"""


def test_the_theme_s_key_on_disk_is_the_same_in_every_process():
    import os
    import subprocess
    import sys

    keys = {
        subprocess.run(
            [sys.executable, "-c", KEY_PROBE],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(keys) == 1 and "here only" not in keys.pop()


def test_the_folder_on_disk_is_bounded_once_a_build_wrote_to_it(monkeypatch, tmp_path):
    monkeypatch.setattr(themecode, "LIMIT", 4)
    old = [tmp_path / f"{i:064x}.jinja" for i in range(6)]  # an older generation's templates
    for path in old:
        path.write_bytes(b"")
        os.utime(path, (1_000_000, 1_000_000))
    templates = {"page.html": "{% include 'part.html' %}", "part.html": "part"}
    env = jinja2.Environment(loader=jinja2.DictLoader(templates))
    env.bytecode_cache = cache = themecode.CompiledTemplates(tmp_path)
    assert cache.prune() == 0  # nothing written yet: the folder is not even counted
    assert all(p.exists() for p in old)
    env.get_template("page.html").render()
    assert cache.written == 2
    assert cache.prune() == 6  # 8 past the bound of 4: the 6 oldest go
    assert not any(p.exists() for p in old) and len(list(tmp_path.glob("*.jinja"))) == 2
    assert cache.prune() == 0


PAGE = {"page.html": "p"}


def _stored_long_ago(folder: Path) -> Path:
    """The page template compiled into ``folder`` by an earlier process, marked long ago."""
    first = jinja2.Environment(loader=jinja2.DictLoader(PAGE))
    first.bytecode_cache = themecode.CompiledTemplates(folder)
    first.get_template("page.html")
    (stored,) = folder.glob("*.jinja")
    os.utime(stored, (1_000_000, 1_000_000))
    return stored


def _next_process(folder: Path) -> jinja2.Environment:
    later = jinja2.Environment(loader=jinja2.DictLoader(PAGE))
    later.bytecode_cache = themecode.CompiledTemplates(folder)
    return later


def test_a_template_read_from_disk_is_marked_as_used(tmp_path):
    stored = _stored_long_ago(tmp_path)
    _next_process(tmp_path).get_template("page.html")
    assert stored.stat().st_mtime > time.time() - 60  # the bound keeps what is read


def test_a_template_that_cannot_be_marked_as_used_is_still_read(monkeypatch, tmp_path):
    # A read-only installation: its templates are read, not compiled again, however old.
    _stored_long_ago(tmp_path)

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "utime", refuse)
    later = _next_process(tmp_path)
    _no_compiling(later, monkeypatch)
    assert later.get_template("page.html").render() == "p"
