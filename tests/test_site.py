"""The real MkDocs builds the real site; a false claim stops it and changes nothing."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from ruamel.yaml import YAML

from .helpers import ROOT, copy_project, run_cli, run_mkdocs, tree_digest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("project"))
    result = run_mkdocs("build", "--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


def test_plain_mkdocs_build_produces_the_derivation_page(built: Path) -> None:
    page = built / "site" / "sigmoid-logistic" / "index.html"
    html = page.read_text(encoding="utf-8")
    displays = html.count('<figure class="dv-eq ')
    assert displays >= 19
    # every display is arithmatex markup (\[ … \]) with a computed verdict marker
    assert html.count('<div class="arithmatex">\\[') >= displays
    assert html.count('class="dv-verdict dv-verdict--') == displays
    assert 'title="checked by SymPy: proven' in html
    assert "\\frac{\\partial L}{\\partial z} = a - y" in html


def test_no_generated_markdown_is_written_into_the_sources(built: Path) -> None:
    assert sorted(p.name for p in (built / "content").iterdir()) == sorted(
        p.name for p in (Path(__file__).parent.parent / "content").iterdir()
    )
    assert not list((built / "docs").glob("sigmoid*"))


def test_mathjax_is_bundled_into_the_site(built: Path) -> None:
    assert (built / "site" / "assets" / "mathjax" / "tex-chtml.js").stat().st_size > 500_000
    assert list(
        (built / "site" / "assets" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob(
            "*.woff"
        )
    )


def test_false_claim_fails_the_build_at_its_line_and_keeps_the_old_site(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    first = run_cli("build", "--root", str(project))
    assert first.returncode == 0, first.stderr
    before = tree_digest(project / "site")

    source = project / "content" / "sigmoid-logistic.yaml"
    text = source.read_text(encoding="utf-8")
    needle = "result: \\frac{\\partial L}{\\partial z} = a - y"
    line = text[: text.index(needle)].count("\n") + 1
    source.write_text(text.replace(needle, needle.replace("a - y", "a + y")), encoding="utf-8")

    second = run_cli("build", "--root", str(project))
    assert second.returncode != 0
    assert f"content/sigmoid-logistic.yaml:{line}:" in second.stderr
    assert "counterexample" in second.stderr
    assert "Traceback" not in second.stderr
    assert "Error building page" not in second.stderr  # no page is blamed for the claim
    assert tree_digest(project / "site") == before
    assert not list(project.glob(".site-staging-*"))


def test_render_writes_markdown_that_plain_mkdocs_builds(tmp_path: Path) -> None:
    out = tmp_path / "pages"
    result = run_cli("render", "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = (out / "sigmoid-logistic.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").parse(page)
    assert any(t.type == "html_block" and "dv-eq" in t.content for t in tokens)
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: plain\ndocs_dir: pages\nmarkdown_extensions:\n  - md_in_html\n"
        "  - admonition\n  - pymdownx.arithmatex:\n      generic: true\n",
        encoding="utf-8",
    )
    built = run_mkdocs("build", "--strict", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert '<div class="arithmatex">' in (
        tmp_path / "site" / "sigmoid-logistic" / "index.html"
    ).read_text(encoding="utf-8")


def test_landing_page_lists_every_derivation_in_order_and_in_a_table(built: Path) -> None:
    from generator.source.load import load_content

    content = load_content(built / "content", built)
    html = (built / "site" / "index.html").read_text(encoding="utf-8")
    html = html[html.index("<article") :]  # the page, not the navigation
    links = [f'href="{s.slug}/"' for s in content.sources]
    positions = [html.index(link) for link in links]
    assert positions == sorted(positions)  # the table of contents keeps the `order` of the files
    table = html[html.index('<table class="dv-index">') :]
    rows = table[: table.index("</table>")].count("<tr>") - 1
    assert rows == sum(1 for s in content.sources if s.model.activation)
    assert len(content.sources) >= 17


def test_derivation_pages_show_a_plot_and_verified_code(built: Path) -> None:
    html = (built / "site" / "tanh-mse" / "index.html").read_text(encoding="utf-8")
    figure = html[html.index('<figure class="dv-figure"') :]
    figure = figure[: figure.index("</figure>")]
    assert figure.count('<svg xmlns="http://www.w3.org/2000/svg" class="dv-plot"') == 3
    assert (
        'aria-label="activation — Plots of the activation, the loss' in figure
    )  # for screen readers
    assert figure.count("<path") >= 5 and 'stroke="currentColor"' in figure
    assert '<span class="nf">grad</span>' in html  # a highlighted Python code block
    assert "Verified at build time: grad matches central finite differences" in html
    assert "Float64 range: accurate in float64 for −1000 ≤ z ≤ 1000" in html
    assert 'data-tex="\\frac{\\partial L}{\\partial z} = (a - y)(1 - a^2)"' in html


def test_layers_pages_state_their_layout_and_print_array_code(built: Path) -> None:
    html = (built / "site" / "dense-layer" / "index.html").read_text(encoding="utf-8")
    assert '<figure class="dv-figure"' not in html  # no plot: a gradient by a matrix
    assert "Derivatives are written in denominator layout" in html
    text = unescape(re.sub(r"<[^>]+>", "", html))  # the code block without its highlighting
    assert "W.T @ delta" in text and "np.outer(delta, x)" in text
    assert "Verified at build time: each gradient matches central finite differences" in html
    # the wrong layout, refuted by the sizes at which the two shapes differ
    assert "the two sides have different shapes: the left side is m×n, the right side n×m" in html
    assert "proven by symbolic for every size" in html


def test_mathjax_can_come_from_a_cdn_instead(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    config = project / "mkdocs.yml"
    url = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml.js"
    config.write_text(
        config.read_text(encoding="utf-8").replace("mathjax: bundled", f"mathjax: {url}"),
        encoding="utf-8",
    )
    result = run_cli("build", "--root", str(project))
    assert result.returncode == 0, result.stderr
    html = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert f'<script src="{url}"></script>' in html
    assert not (project / "site" / "assets" / "mathjax").exists()


_EDIT = re.compile(r'<a href="([^"]+)" title="Edit this page"[^>]*rel="edit"')


def test_each_page_links_to_the_file_it_is_made_from(built: Path) -> None:
    """#16.3: "edit this page" opens content/x.yaml (or docs/x.md), a file that exists."""
    config = YAML(typ="safe").load((built / "mkdocs.yml").read_text(encoding="utf-8"))
    edit_base = config["repo_url"].rstrip("/") + "/edit/main/"
    pages = sorted((built / "site").glob("**/index.html"))
    assert len(pages) >= 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        (link,) = _EDIT.findall(html)
        assert link.startswith(edit_base), link
        target = link[len(edit_base) :]
        assert (ROOT / target).is_file(), f"{page}: edits {target}, which does not exist"
        assert not target.endswith(".md") or target.startswith("docs/"), target
        # The header links the repository without Material's request to api.github.com.
        assert f'<a href="{config["repo_url"]}" title="Go to repository" class="md-source">' in html
        assert 'data-md-component="source"' not in html
    landing = (built / "site" / "index.html").read_text(encoding="utf-8")
    assert _EDIT.findall(landing) == [edit_base + "content/index.yaml"]
    sigmoid = (built / "site" / "sigmoid-logistic" / "index.html").read_text(encoding="utf-8")
    assert _EDIT.findall(sigmoid) == [edit_base + "content/sigmoid-logistic.yaml"]


def test_the_landing_page_says_how_to_contribute(built: Path) -> None:
    config = YAML(typ="safe").load((built / "mkdocs.yml").read_text(encoding="utf-8"))
    landing = (built / "site" / "index.html").read_text(encoding="utf-8")
    assert 'id="contribute"' in landing
    contributing = config["repo_url"].rstrip("/") + "/blob/main/CONTRIBUTING.md"
    assert f'href="{contributing}"' in landing and (ROOT / "CONTRIBUTING.md").is_file()


def test_the_repository_address_is_written_once() -> None:
    """Set once in mkdocs.yml; the pages, the theme and the landing page derive it from there."""
    config = YAML(typ="safe").load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    address = config["repo_url"].rstrip("/")
    for folder in ("generator", "templates", "content", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".j2", ".html", ".yaml", ".md"):
                assert address not in path.read_text(encoding="utf-8"), path
