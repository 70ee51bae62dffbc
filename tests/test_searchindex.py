"""The search index keeps no raw TeX (generator/pages/searchindex.py)."""

from __future__ import annotations

import json
from pathlib import Path

from generator.pages.searchindex import INDEX, readable_math, rewrite_search_index


def test_inline_and_display_math_become_text() -> None:
    html = r"<p>so \(\frac{\partial L}{\partial z} = a - y\) and \[\delta_{ij}\]</p>"
    assert readable_math(html) == "<p>so ∂L/∂z = a − y and δᵢⱼ</p>"


def test_html_inside_math_stays_escaped() -> None:
    # arithmatex escapes < in the page; the text goes back into HTML escaped again
    assert readable_math(r"\(a &lt; b\)") == "a&lt;b"
    assert "<script>" not in readable_math(r"\(\text{<script>}\)")


def test_text_without_math_is_unchanged() -> None:
    assert readable_math("<p>plain (a) [b]</p>") == "<p>plain (a) [b]</p>"


def test_the_index_file_is_rewritten_in_place(tmp_path: Path) -> None:
    path = tmp_path / INDEX
    path.parent.mkdir(parents=True)
    docs = [{"location": "", "title": r"On \(e^{z}\)", "text": r"<p>\(\sigma(z)\)</p>"}]
    path.write_text(json.dumps({"config": {}, "docs": docs}), encoding="utf-8")
    digest, rewritten = rewrite_search_index(tmp_path)
    assert digest and rewritten == path.read_text(encoding="utf-8")
    written = json.loads(rewritten)["docs"][0]
    assert written["title"] == "On e^z"
    assert "\\(" not in written["text"] and "σ(z)" in written["text"]


def test_a_known_rewrite_is_reused_only_for_the_same_index(tmp_path: Path) -> None:
    path = tmp_path / INDEX
    path.parent.mkdir(parents=True)
    original = json.dumps({"config": {}, "docs": [{"location": "", "title": r"\(x\)"}]})
    path.write_text(original, encoding="utf-8")
    digest, _ = rewrite_search_index(tmp_path)
    path.write_text(original, encoding="utf-8")
    assert rewrite_search_index(tmp_path, (digest, "reused")) == (digest, "reused")
    assert path.read_text(encoding="utf-8") == "reused"
    path.write_text(original.replace("x", "y"), encoding="utf-8")
    other, rewritten = rewrite_search_index(tmp_path, (digest, "reused"))
    assert other != digest and json.loads(rewritten)["docs"][0]["title"] == "y"


def test_no_index_is_not_an_error(tmp_path: Path) -> None:
    assert rewrite_search_index(tmp_path) == ("", "")
