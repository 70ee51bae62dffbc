"""The last check on rendered pages: an allow-list that known sanitizer bypasses do not pass.

``tests/fixtures/html_bypass/cases.yaml`` holds the bypass corpus (technique and source
address per case); ``benign-*.html`` are real pages as ``on_page_content`` saw them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.pages import htmlcheck
from generator.pages.htmlcheck import unsafe_html

from .helpers import FIXTURES, ROOT, copy_project, run_cli, tree_digest

CORPUS = FIXTURES / "html_bypass"
CASES: list[dict[str, Any]] = YAML(typ="safe").load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)
BENIGN = sorted(CORPUS.glob("benign-*.html"))


def _missing(problems: list[str], expected: list[str]) -> list[str]:
    """The expected reports (``"a | b"``: either) that no problem mentions."""
    text = "\n".join(problems)
    return [e for e in expected if not any(alt.strip() in text for alt in e.split(" | "))]


def test_the_corpus_is_broad_and_sourced() -> None:
    assert len(CASES) >= 30
    assert len({case["id"] for case in CASES}) == len(CASES)
    for case in CASES:
        assert case["technique"] and case["reports"], case["id"]
        assert str(case["source"]).startswith("https://"), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_every_known_bypass_is_reported_for_what_it_is(case: dict[str, Any]) -> None:
    problems = unsafe_html(case["html"])
    assert problems, case["technique"]
    assert not _missing(problems, case["reports"]), problems


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_full_scan_alone_reports_every_bypass_too(case: dict[str, Any]) -> None:
    """The fast path hands anything unusual to the full scan: that must hold on its own."""
    assert htmlcheck._full_scan(case["html"])


@pytest.mark.parametrize("page", BENIGN, ids=[p.stem for p in BENIGN])
def test_real_pages_pass_and_take_the_fast_path(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert unsafe_html(html) == []
    assert htmlcheck._strict_scan(html) == []  # warm builds never parse the page twice
    assert htmlcheck._full_scan(html) == []


def _site_markdown(text: str) -> str:
    """``text`` rendered with the Markdown extensions of mkdocs.yml, as MkDocs does."""
    config = YAML(typ="safe").load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names: list[str] = []
    options: dict[str, Any] = {}
    for entry in config["markdown_extensions"]:
        if isinstance(entry, dict):
            ((name, value),) = entry.items()
            names.append(name)
            options[name] = value or {}
        else:
            names.append(entry)
    return markdown.markdown(text, extensions=names, extension_configs=options)


PROSE = """# Heading

Some *emphasis*, **strong**, `code`, a [link](https://example.org "title"), a
[relative one](../other/#part), <mailto:someone@example.org> and a hard break HARDBREAK here, with math $a < b$.

> A quotation.

---

### A smaller heading

![A plot](images/plot.png "its title")

| Left | Centre | Right |
| :--- | :----: | ----: |
| 1 | 2 | 3 |

!!! note "Note"
    An admonition.

```python
def f(x):
    return x < 1 and "a&b"
```

1. one
2. two

$$
\\frac{a}{b}
$$

<!-- a comment an author left in a hand-written page -->
""".replace(" HARDBREAK ", "  \n")


def test_what_markdown_writes_for_valid_prose_passes() -> None:
    """Markdown the loader accepts (and hand-written docs use) renders to allowed HTML."""
    html = _site_markdown(PROSE)
    for construct in ("<blockquote>", "<hr />", "<h3", "<img", 'style="text-align', "<br />"):
        assert construct in html
    assert unsafe_html(html) == []


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://example.org/one">one</a><a href="#onward">on</a>',
        '<a href="mailto:a@example.org">mail</a><a href="../verification/">how</a>',
        '<img src="images/plot.png" alt="a plot">',
        '<figure class="dv-eq" data-tex="a &lt; b" data-search-exclude><div class="arithmatex">\\[a\\]</div></figure>',
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" role="img"><title>A plot &amp; more</title>'
        '<g transform="translate(250,0)"><path d="M0,0L1,1" stroke="currentColor" fill="none"/></g></svg>',
        '<table><tr><th style="text-align: center;">x</th></tr></table>',
        "<p>Text with data, metadata, an onion and a url(x) in prose; x &lt; y.</p>",
    ],
)
def test_ordinary_markup_passes(html: str) -> None:
    assert unsafe_html(html) == []


@pytest.mark.parametrize(
    ("html", "named"),
    [
        ("<details><summary>x</summary></details>", "<details> is not on the allow-list"),
        ('<p data-x="1">x</p>', "data-x= on <p> is not on the allow-list"),
        ('<svg><circle r="1"/></svg>', "<circle> is not on the allow-list"),
    ],
)
def test_anything_else_is_named_with_where_to_allow_it(html: str, named: str) -> None:
    problems = unsafe_html(html)
    assert any(named in p and "generator/pages/htmlcheck.py" in p for p in problems), problems


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([" ", "\t", "\n", "/"]),  # what separates attributes
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
    st.sampled_from(["A", "onclick", "ON"]),
)
def test_the_fast_path_never_hides_an_event_handler(separator: str, name: str, case: str) -> None:
    attribute = ("on" + name) if case != "ON" else ("ON" + name.upper())
    html = f'<span class="x"{separator}{attribute}="alert(1)">t</span>'
    assert unsafe_html(html), html


_NAMES = [*htmlcheck.ALLOWED_TAGS, "script", "style", "set", "iframe", "textarea", "math"]
_ATTRIBUTES = ["class", "id", "href", "src", "style", "title", "onerror", "xlink:href", "fill"]
_VALUES = [
    "x",
    "https://example.org/",
    "#top",
    "javascript:alert(1)",
    "&#106;avascript:x",
    "jav&#x09;ascript:x",
    "</title><img src=x onerror=alert(1)>",
    "text-align: left",
    "url(x)",
    "a b",
    "",
]


@st.composite
def _markup(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["start", "end", "text", "comment"]))
        name = draw(st.sampled_from(_NAMES))
        if kind == "start":
            attrs = ""
            for _ in range(draw(st.integers(0, 3))):
                quote = draw(st.sampled_from(['"', "'", ""]))
                value = draw(st.sampled_from(_VALUES))
                separator = draw(st.sampled_from([" ", "\n", "/"]))
                attrs += f"{separator}{draw(st.sampled_from(_ATTRIBUTES))}={quote}{value}{quote}"
            parts.append(f"<{name}{attrs}{draw(st.sampled_from(['>', '/>', ' >']))}")
        elif kind == "end":
            parts.append(f"</{name}>")
        elif kind == "text":
            parts.append(draw(st.sampled_from(["text", "a &lt; b", "x < y", "&amp;", "<"])))
        else:
            parts.append(draw(st.sampled_from(["<!-- note -->", "<!-->", "<!--x--!>"])))
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(_markup())
def test_the_fast_path_and_the_full_scan_agree(html: str) -> None:
    """Where the fast path reads a page at all, it finds what the full parse finds."""
    strict = htmlcheck._strict_scan(html)
    full = htmlcheck._full_scan(html)
    if strict is not None:
        assert set(strict) == set(full), html
    assert bool(unsafe_html(html)) == bool(full), html


# --- end to end: the real build ----------------------------------------------------------------

PAYLOAD = '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>'


@pytest.fixture()
def small_site(tmp_path: Path) -> tuple[Path, str]:
    """A built project with the landing page and the hand-written docs only (no checks)."""
    project = copy_project(tmp_path / "project")
    for source in (project / "content").glob("*.yaml"):
        if source.name != "index.yaml":
            source.unlink()
    first = run_cli("build", "--root", str(project))
    assert first.returncode == 0, first.stderr[-3000:]
    return project, tree_digest(project / "site")


@pytest.mark.slow
def test_a_payload_in_a_source_text_field_fails_the_build(small_site: tuple[Path, str]) -> None:
    project, before = small_site
    index = project / "content" / "index.yaml"
    index.write_text(index.read_text(encoding="utf-8") + f"\n  {PAYLOAD}\n", encoding="utf-8")
    result = run_cli("build", "--root", str(project))
    assert result.returncode != 0
    assert "content/index.yaml:" in result.stderr and "raw HTML" in result.stderr
    assert tree_digest(project / "site") == before


@pytest.mark.slow
def test_a_payload_past_the_loader_fails_the_build_here(small_site: tuple[Path, str]) -> None:
    """Hand-written docs are not validated when loaded: this check is what stops them."""
    project, before = small_site
    (project / "docs" / "probe.md").write_text(f"# Probe\n\nText.\n\n{PAYLOAD}\n", encoding="utf-8")
    result = run_cli("build", "--root", str(project))
    assert result.returncode != 0
    assert "probe.md: the rendered page contains unsafe HTML" in result.stderr
    assert "<set> is not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "site") == before
