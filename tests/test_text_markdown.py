"""Text from kramdown blogs: math as kramdown and MathJax write it, and `{: …}` attribute lists.

The fixture blog `tests/fixtures/text/blog/` is built once with `build_site`; each test reads a
post page and asserts the exact HTML of one construct, or the exact warning it gets.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.build import BuildOptions, BuildResult, build_site

FIXTURE = Path(__file__).parent / "fixtures" / "text" / "blog"
MATH = '<math xmlns="http://www.w3.org/1998/Math/MathML" display="{}"><mrow>{}</mrow></math>'
HINT = ("it must be on the line after or before a paragraph, heading, list, table or block quote, "
        "or right after an image, link or code span")
LISTS = "posts/2024-05-02-attribute-lists.md"


def inline(mathml: str) -> str:
    return '<span class="math inline">' + MATH.format("inline", mathml) + "</span>"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    root = tmp_path_factory.mktemp("text-markdown")
    shutil.copytree(FIXTURE, root / "blog")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        patch.chdir(root / "blog")
        result = build_site(BuildOptions(source=root / "blog", out=root / "out", progress=False))
    return root / "out", result


def content(built: tuple[Path, BuildResult], slug: str) -> list[str]:
    """The lines of a post page's body."""
    page = (built[0] / "posts" / slug / "index.html").read_text(encoding="utf-8")
    body = re.search(r'<div class="content">\n(.*?)\n\s*</div>\n\s*<nav class="neighbours"', page, re.DOTALL)
    assert body is not None
    return body.group(1).split("\n")


def test_double_dollars_inside_a_sentence_are_inline_math(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "kramdown-math")
    assert lines[1] == ("<p>" + inline("<mo>&#x02207;</mo><mi>L</mi><mo>&#x0003D;</mo><mn>0</mn>")
                        + " at the optimum, with " + inline("<mi>w</mi>") + " the weights.</p>")
    assert lines[0].startswith('<p>The loss <span class="math inline"><math xmlns="http://www.w3.org/1998/Math/'
                               'MathML" display="inline"><mrow><mi>L</mi>')
    assert lines[0].endswith("</math></span> is what we minimise.</p>")


def test_double_dollars_on_their_own_are_display_math(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "kramdown-math")
    assert lines[2:4] == ['<div class="math block">', MATH.format("block", (
        "<msup><mi>w</mi><mo>&#x0002A;</mo></msup><mo>&#x0003D;</mo><mo stretchy=\"false\">&#x00028;</mo>"
        "<msup><mi>X</mi><mo>&#x022A4;</mo></msup><mi>X</mi><msup><mo stretchy=\"false\">&#x00029;</mo>"
        "<mrow><mo>&#x02212;</mo><mn>1</mn></mrow></msup><msup><mi>X</mi><mo>&#x022A4;</mo></msup><mi>y</mi>"))]
    assert lines[4] == "</div>"


def test_mathjax_parentheses_are_inline_and_brackets_display(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "kramdown-math")
    assert lines[5] == (
        "<p>MathJax users write "
        + inline("<msup><mi>a</mi><mn>2</mn></msup><mo>&#x0002B;</mo><msup><mi>b</mi><mn>2</mn></msup>")
        + ' inline and <span class="math display">'
        + MATH.format("block", "<mi>E</mi><mo>&#x0003D;</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup>")
        + "</span> for display.</p>"
    )


def test_mathjax_brackets_on_their_own_lines_are_a_math_block(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "kramdown-math")
    assert lines[6] == '<div class="math block">'
    assert lines[7].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mi>&#x003C3;</mi>')
    assert "<mfrac>" in lines[7] and lines[8] == "</div>"


def test_math_delimiters_in_code_stay_literal(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "kramdown-math")
    assert lines[9] == r"<p>In code it stays code: <code>$$x$$</code>, <code>\(x\)</code> and</p>"
    assert lines[10] == (r'<div class="highlight"><pre><span></span><code><span class="sb">\[</span>'
                         r'<span class="nb"> x </span><span class="s">\]</span>')


def test_escaped_dollars_stay_dollars(built: tuple[Path, BuildResult]) -> None:
    assert content(built, "kramdown-math")[12] == "<p>A dollar stays a dollar: it costs $5, and $x$ is not math.</p>"


def test_bad_latex_in_mathjax_delimiters_shows_its_source_as_dollar_math_does(
    built: tuple[Path, BuildResult],
) -> None:
    assert content(built, "kramdown-math")[13] == (
        r'<p>Bad LaTeX shows its source: <span class="math inline"><code class="math-error">\frac{a}{</code>'
        r"</span>.</p>"
    )


def test_escaped_brackets_around_a_number_or_plain_words_stay_brackets(built: tuple[Path, BuildResult]) -> None:
    assert content(built, "kramdown-math")[14] == "<p>Escaped brackets stay brackets: see [1] and [citation needed].</p>"


def test_block_attribute_lists_apply_to_the_block_above(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "attribute-lists")
    assert lines[0] == '<h2 id="setup-step">Setup <a class="header-anchor" href="#setup-step">#</a></h2>'
    assert lines[1] == '<p class="lead" id="intro" data-track="intro">A lead paragraph.</p>'
    assert lines[3] == '<p class="figure"><img src="/notes/images/plot.png" alt="A plot" /></p>'
    assert lines[5:8] == ['<ul class="checklist">', "<li>first</li>", "<li>second</li>"]
    assert lines[9] == '<table class="table table-striped">'
    assert lines[23:25] == ['<blockquote class="epigraph">', "<p>Attention is all you need.</p>"]


def test_span_attribute_lists_apply_to_the_image_link_or_code_before(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "attribute-lists")
    assert lines[2] == '<p><img src="/notes/images/model.png" alt="The model" class="center" /></p>'
    assert lines[4] == ('<p>Read <a href="https://arxiv.org/abs/1706.03762" target="_blank" rel="noopener">the paper'
                        '</a> and run <code class="func">fit()</code>.</p>')


def test_unsafe_attributes_are_dropped_with_a_warning(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "attribute-lists")
    assert lines[26] == '<p class="safe" title="ok">A paragraph with a handler.</p>'
    written = """{: onclick="steal()" .safe style="background: url('javascript:alert(1)')" title="ok" name:}"""
    warnings = [str(d) for d in built[1].diagnostics if d.location.line == 34]
    assert warnings == [
        f"{LISTS}:34:1: warning: 'name:' in attribute list '{written}' is not a .class, #id or key=\"value\"; dropped",
        (f"{LISTS}:34:1: warning: 'onclick=\"steal()\"' in attribute list '{written}' is an event handler, "
        "which is never allowed; dropped"),
        (f"{LISTS}:34:1: warning: 'style=\"background: url('javascript:alert(1)')\"' in attribute list '{written}' "
        "holds a script, which is never allowed; dropped"),
    ]


def test_attribute_lists_that_match_nothing_are_dropped_with_a_warning(built: tuple[Path, BuildResult]) -> None:
    lines = content(built, "attribute-lists")
    assert lines[27] == "<p>Text with a stray list.</p>"
    assert not any("{:" in line for line in lines)
    warnings = [str(d) for d in built[1].diagnostics if d.location.line in (6, 36, 41)]
    assert warnings == [
        f"{LISTS}:6:1: warning: kramdown's '{{:toc}}' table of contents is dropped: the post page shows its own",
        f"{LISTS}:36:19: warning: attribute list '{{: .nowhere}}' matches nothing ({HINT}); dropped",
        f"{LISTS}:41:1: warning: attribute list '{{: .code}}' matches nothing ({HINT}); dropped",
    ]


def test_the_toc_placeholder_list_is_not_shown(built: tuple[Path, BuildResult]) -> None:
    assert "<li>TOC</li>" not in "\n".join(content(built, "attribute-lists"))


def test_a_no_toc_heading_is_kept_out_of_the_table_of_contents(built: tuple[Path, BuildResult]) -> None:
    page = (built[0] / "posts" / "attribute-lists" / "index.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.DOTALL)
    assert toc is not None
    assert re.findall(r'<a href="#([^"]+)">', toc.group(0)) == ["setup-step", "results"]
    assert '<h2 class="no_toc" id="appendix">Appendix <a class="header-anchor" href="#appendix">#</a></h2>' in page


def test_a_url_that_markdown_links_refuse_is_dropped_with_a_warning(built: tuple[Path, BuildResult]) -> None:
    page = (built[0] / "posts" / "attribute-lists" / "index.html").read_text(encoding="utf-8")
    assert '<p>A <a href="notes.txt" class="doc">local file</a> link.</p>' in page
    assert [str(d) for d in built[1].diagnostics if d.location.line == 48] == [
        (f"{LISTS}:48:26: warning: 'href=\"file:///etc/passwd\"' in attribute list "
        "'{: href=\"file:///etc/passwd\" .doc}' is a URL that Markdown links refuse; dropped"),
    ]


def test_a_block_attribute_list_on_the_line_before_a_block_applies_to_it(built: tuple[Path, BuildResult]) -> None:
    page = (built[0] / "posts" / "attribute-lists" / "index.html").read_text(encoding="utf-8")
    assert '<p class="aside">A paragraph with its list above it.</p>' in page


def test_a_list_after_raw_html_is_taken_out_of_it_with_a_warning(built: tuple[Path, BuildResult]) -> None:
    page = (built[0] / "posts" / "attribute-lists" / "index.html").read_text(encoding="utf-8")
    assert "<center><strong>Note</strong></center>\n\n  </div>" in page
    assert [str(d) for d in built[1].diagnostics if d.location.line == 54] == [
        (f"{LISTS}:54:1: warning: attribute list '{{: .notice--success}}' follows raw HTML, which it cannot change; "
        "dropped"),
    ]


def test_kramdown_extensions_and_list_definitions_are_dropped_with_a_warning(
    built: tuple[Path, BuildResult],
) -> None:
    assert [str(d) for d in built[1].diagnostics if d.location.line in (56, 58)] == [
        (f"{LISTS}:56:1: warning: kramdown extension '{{::options parse_block_html=\"true\" /}}' is not supported; "
        "dropped"),
        f"{LISTS}:58:1: warning: attribute list definition '{{:lead: .lead}}' is not supported; dropped",
    ]
    assert "parse_block_html" not in (built[0] / "posts" / "attribute-lists" / "index.html").read_text(encoding="utf-8")
