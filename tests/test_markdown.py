"""Markdown: fixture pairs rendered and compared exactly, headings, summaries and shortcodes.

Each `tests/fixtures/core/markdown/NAME.md` is rendered with the base path `/repo/` and must
equal `NAME.html` byte for byte (markdown-it-py's own fixture style). To accept a deliberate
change, delete the .html file, run this test once (it writes the file and fails), and review
the new file in the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.content.highlight import highlight_code
from generator.content.markdown import (
    RenderResult,
    ShortcodeProblem,
    create_markdown,
    render_markdown,
)
from generator.models import Heading
from generator.website.templates import pygments_css

FIXTURES = Path(__file__).parent / "fixtures" / "core" / "markdown"
MD = create_markdown()


def render(text: str, **options: object) -> RenderResult:
    return render_markdown(MD, text, path="posts/p.md", **{"first_line": 5, **options})


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.md")))
def test_fixture(name: str) -> None:
    source = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    result = render(source, base_path="/repo/")
    assert result.diagnostics == []
    expected_path = FIXTURES / f"{name}.html"
    if not expected_path.exists():
        expected_path.write_text(result.html, encoding="utf-8")
        pytest.fail(f"wrote {expected_path.name}; review it and run again")
    assert result.html == expected_path.read_text(encoding="utf-8")


def test_there_are_fixtures() -> None:
    assert len(list(FIXTURES.glob("*.md"))) >= 10


def test_headings_make_the_table_of_contents() -> None:
    result = render("# Top\n\n## A `code` *title*\n\n### Sub\n\n#### Deep\n\n##### Too deep\n\n## A code title\n")
    assert result.toc == (
        Heading(2, "A code title", "a-code-title"),
        Heading(3, "Sub", "sub"),
        Heading(4, "Deep", "deep"),
        Heading(2, "A code title", "a-code-title-1"),
    )


def test_words_and_summary() -> None:
    result = render("## Heading\n\nOne *two* three `four`.\n\n- five six\n", summary_words=3)
    assert result.words == 7
    assert result.summary == "One two three…"
    assert render("Short one.\n\nSecond.\n").summary == "Short one."
    assert render("```\ncode only\n```\n").summary == ""


def test_a_shortcode_in_a_post_without_notebooks_is_an_error_at_its_place() -> None:
    result = render("Some text.\n\nThe accuracy is {{< value accuracy >}}.\n\n{{< notebook >}}\n")
    assert [str(d) for d in result.diagnostics] == [
        "posts/p.md:7:17: error: shortcode 'value' needs a notebook: this post has none",
        "posts/p.md:9:1: error: shortcode 'notebook' needs a notebook: this post has none",
    ]


def test_shortcodes_are_handed_to_the_handler() -> None:
    calls: list[tuple[str, list[str], dict[str, str]]] = []

    def handler(name: str, args: list[str], kwargs: dict[str, str]) -> str:
        calls.append((name, args, kwargs))
        return "<b>0.97</b>" if name == "value" else '<div class="nb"></div>'

    result = render(
        'It is {{< value accuracy ".1%" >}}.\n\n  {{< cell tag=plot >}}\n\n`{{< value x >}}`\n',
        shortcode=handler,
    )
    assert calls == [("value", ["accuracy", ".1%"], {}), ("cell", [], {"tag": "plot"})]
    assert result.html == (
        "<p>It is <b>0.97</b>.</p>\n"
        '<div class="nb"></div><p><code>{{&lt; value x &gt;}}</code></p>\n'
    )


def test_a_shortcode_problem_becomes_a_diagnostic() -> None:
    def handler(name: str, args: list[str], kwargs: dict[str, str]) -> str:
        raise ShortcodeProblem(f"unknown notebook value '{args[0]}'")

    result = render("Intro.\n\nLine one\nthen {{< value missing >}} here.\n", shortcode=handler)
    assert [str(d) for d in result.diagnostics] == [
        "posts/p.md:8:6: error: unknown notebook value 'missing'"
    ]
    assert result.html == "<p>Intro.</p>\n<p>Line one\nthen  here.</p>\n"


def test_a_shortcode_with_unbalanced_quotes() -> None:
    result = render('{{< value "open >}}\n', shortcode=lambda *a: "")
    assert [str(d) for d in result.diagnostics] == [
        "posts/p.md:5:1: error: bad shortcode: No closing quotation"
    ]


def test_highlight_code() -> None:
    assert highlight_code("x = 1\n", "python") == (
        # plain names carry no span: the code stylesheet has no rule for them
        '<div class="highlight"><pre><span></span><code>x '
        '<span class="o">=</span> <span class="mi">1</span>\n</code></pre></div>\n'
    )
    assert highlight_code("<a>\n", "nope") == (
        '<div class="highlight"><pre><span></span><code>&lt;a&gt;\n</code></pre></div>\n'
    )


SAMPLES = {  # a block per lexer family: names, punctuation, strings, comments, nested tokens
    "python": 'import os\n\n@dataclass\nclass A(B):\n    """Doc."""\n    x: int = 0x1F  # c\n'
              '    def f(self, *a, **k) -> None:\n        return [i for i in a if i is not None] or f"{k!r}"\n',
    "javascript": "const f = async (a, {b = 2} = {}) => { /* c */ return `${a}` ?? null; };\n",
    "bash": 'for f in *.md; do echo "$f" | sed -e "s/a/b/" > /dev/null 2>&1; done\n',
    "json": '{"a": [1, 2.5e3, true, null], "b": {"c": "d"}}\n',
    "yaml": "title: A post\ntags: [ml, 'x']\ndate: 2021-01-01\n",
    "c": "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 1 << 3); return 0; }\n",
    "html": '<div class="x" id=y><!-- c --><a href="/a?b=1&amp;c">t</a></div>\n',
    "sql": "SELECT a, COUNT(*) FROM t WHERE b IN ('x', 2) GROUP BY a;\n",
}


def test_highlighting_writes_bare_classes_as_text_as_the_pattern_would() -> None:
    """The formatter leaves out spans of classes the stylesheet has no rule for: byte for byte
    what Pygments' own HTML gives once those spans are removed."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    from generator.content.highlight import _formatter, _lexer, _unstyled_spans

    plain = HtmlFormatter(cssclass="highlight", wrapcode=True)
    for language, code in SAMPLES.items():
        made = highlight_code(code, language)
        assert made == _unstyled_spans().sub(r"\1", highlight(code, _lexer(language), plain)), language
        assert _unstyled_spans().search(highlight(code, _lexer(language), plain)), language  # there were some
        assert not _unstyled_spans().search(highlight(code, _lexer(language), _formatter())), language  # none made


def test_the_syntax_stylesheets_are_one_pygments_style_each() -> None:
    light, dark = pygments_css("default"), pygments_css("monokai")
    assert "\n.highlight .k { color: #008000; font-weight: bold }" in light
    assert "\n.highlight .k { color: #66D9EF }" in dark
    css = light + dark
    assert "http" not in css  # nothing fetched from elsewhere


def test_carriage_returns_and_nuls_are_normalized_as_markdown_it_does() -> None:
    """The normalizing rule runs only for a text with a CR or a NUL; it still makes every line
    end `\\n` (a lone CR too) and a NUL U+FFFD, and a text with neither renders as it is."""
    assert render("one\r\ntwo\rthree\n\nfour\0five").html == "<p>one\ntwo\nthree</p>\n<p>four\ufffdfive</p>\n"
    assert render("one\ntwo\n{: .note}\n").html == '<p class="note">one\ntwo</p>\n'  # an attribute list: still applied
