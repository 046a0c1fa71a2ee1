"""Stylesheets are minified by rcssmin, and never changed in meaning: strings keep every byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey

from generator.website.templates import minify_css

USER_CSS = b"""/* the blog's own styles */
.note::before {
  content: "x ; y";
}
.quote::after { content: '{ a : b }' ; }
.hero {
  background: url( "images/hero.png" ) no-repeat ;
  font-family: "Open  Sans", sans-serif;
}
@media (min-width: 40em) {
  .wrap > p , .wrap li { margin : 0 auto }
}
"""


@pytest.mark.parametrize(
    ("css", "minified"),
    [
        (USER_CSS, (b'.note::before{content:"x ; y"}.quote::after{content:\'{ a : b }\'}'
                    b'.hero{background:url("images/hero.png") no-repeat;font-family:"Open  Sans",sans-serif}'
                    b"@media (min-width:40em){.wrap>p,.wrap li{margin:0 auto}}\n")),
        (b'a::before { content: "/* not a comment */" }\n', b'a::before{content:"/* not a comment */"}\n'),
        (b"/* it's */ a { color : red }\n", b"a{color:red}\n"),
    ],
)
def test_minified_without_changing_strings(css: bytes, minified: bytes) -> None:
    assert minify_css(css) == minified


def test_a_stylesheet_rcssmin_would_change_is_kept_as_written() -> None:
    # rcssmin takes the spaces out of a quoted url(), which then names another file.
    css = b'.hero { background: url( "my hero.png" ) }\n'
    assert minify_css(css) == css


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_blog(tmp_path_factory.mktemp("css"), {
        "posts/2025-01-01-hello.md": post("Hello", "2025-01-01"),
        "templates/static/extra.css": USER_CSS.decode(),
    })
    code, _, err = run_journey("build", cwd=root)
    assert code == 0, err
    return root / "site"


def test_the_blogs_own_stylesheet_is_published_minified(site: Path) -> None:
    (extra,) = (site / "assets").glob("extra.*.css")
    assert extra.read_bytes() == minify_css(USER_CSS)
    assert b'content:"x ; y"' in extra.read_bytes()
