"""Theme templates compiled ahead of need: served to MkDocs' environment without compiling
again, and never when the template or the environment's code generation differs."""

from __future__ import annotations

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


def test_the_theme_s_page_templates_and_their_partials_are_compiled_once(monkeypatch):
    theme = load_config(str(ROOT / "mkdocs.yml")).theme
    themecode.precompile(theme)
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
