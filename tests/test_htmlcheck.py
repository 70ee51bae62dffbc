"""The last check on rendered pages: unsafe constructs are found, and the fast path hides none."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.pages.htmlcheck import unsafe_html

UNSAFE = [
    "<img onerror=alert(1)>",
    "<img/onerror=x>",
    '<svg onload="x">',
    "<SCRIPT>x</SCRIPT>",
    "<iframe src=x></iframe>",
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="jav&#x61;script:x">x</a>',
    '<a href=" data:text/html,x">x</a>',
    "<img src='vbscript:x'>",
    "<p style='background:url(x)'>x</p>",
    '<img srcset="javascript:x 1x">',
    "<form action=x></form>",
    '<meta http-equiv="refresh" content="0">',
]
SAFE = [
    "<p>Plain prose with data, metadata and a <code>url</code>.</p>",
    '<figure class="dv-eq" data-tex="a &#95; b" data-search-exclude><div class="arithmatex">\\[a\\]</div></figure>',
    '<a href="https://example.org/one">one</a><a href="#onward">on</a>',
    '<svg xmlns="http://www.w3.org/2000/svg" role="img"><path d="M0,0L1,1" stroke="currentColor"/></svg>',
]


@pytest.mark.parametrize("html", UNSAFE)
def test_unsafe_constructs_are_reported(html: str) -> None:
    assert unsafe_html(html)


@pytest.mark.parametrize("html", SAFE)
def test_ordinary_pages_pass(html: str) -> None:
    assert unsafe_html(html) == []


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
