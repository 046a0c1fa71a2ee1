"""Notebook posts that read well, on tests/fixtures/presentation built through the CLI with a real
kernel (papermill runs its notebook once per module): folded and collapsed code, numbered lines,
long logs cut to head and tail, numeric table columns, captioned and paired light/dark figures,
offline Plotly and Vega-Lite charts, listing thumbnails and social cards, and the settings'
diagnostics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey

from generator.content.tables import align_numbers
from generator.notebooks.presentation import number_lines

POST = "site/posts/a-notebook-that-reads-well/index.html"
FOLDED = "site/posts/folded/index.html"


@pytest.fixture
def blog(presentation_blog: Path) -> Path:
    return presentation_blog


def page(blog: Path, name: str = POST) -> str:
    return (blog / name).read_text(encoding="utf-8")


def cell(html: str, cell_id: str) -> str:
    start = html.index(f'id="cell-{cell_id}"')
    return html[start: html.find('<div class="nb-cell', start + 1)]


def test_a_long_code_cell_is_collapsed_with_show_all_and_numbered_when_asked(blog: Path) -> None:
    train = cell(page(blog), "train")
    assert '<div class="nb-long" style="--nb-lines: 8">' in train  # code_lines = 8; the cell has 13
    assert '<button type="button" class="nb-show-all" aria-expanded="false">Show all 13 lines</button>' in train
    assert '<code class="nb-numbered"><span class="ln"><span class="kn">import</span>' in train
    assert train.count('<span class="ln">') == 13
    assert "code-line-numbers" not in train  # the option line itself never shows
    # Nine lines with a limit of eight would hide one: not worth a button.
    assert "nb-long" not in cell(page(blog), "figure")


def test_code_fold_hide_in_front_matter_folds_every_code_cell(blog: Path) -> None:
    shown, folded = page(blog), page(blog, FOLDED)
    assert '<details class="nb-input">' not in shown
    assert folded.count('<details class="nb-input">\n<summary>Show code</summary>') == 8


def test_a_long_training_log_shows_head_and_tail_with_the_rest_one_click_away(blog: Path) -> None:
    log = cell(page(blog), "train")
    head = re.search(r'<pre class="nb-head">(.*?)</pre>', log, re.DOTALL).group(1)
    middle = re.search(r'<details class="nb-more"><summary>Show 18 more lines</summary><pre>(.*?)</pre>', log,
                       re.DOTALL).group(1)
    tail = re.search(r'<pre class="nb-tail">(.*?)</pre>', log, re.DOTALL).group(1)
    assert head.startswith("epoch   1 ") and head.count("\n") == 5
    assert middle.startswith("epoch   7 ") and middle.endswith("weight 1.9980")
    assert tail.startswith("epoch  25 ") and tail.endswith("epoch  30  loss 0.000000  weight 1.9996")


def test_numeric_columns_are_marked_in_dataframes_and_markdown_tables(blog: Path) -> None:
    html = page(blog)
    frame = cell(html, "table")
    assert "<th>model</th>" in frame and '<th class="num">accuracy</th>' in frame
    assert "<td>tree</td>" in frame and '<td class="num">12.25</td>' in frame
    prose = html[: html.index('<div class="nb-notebook">')]
    assert '<th>model</th>\n<th class="num">accuracy</th>\n<th class="num">seconds</th>' in prose
    assert '<td>forest</td>\n<td class="num">0.951</td>\n<td class="num">48</td>' in prose


def test_mixed_and_spanning_tables_are_left_alone() -> None:
    mixed = "<table><tbody><tr><td>1</td><td>n/a</td></tr><tr><td>2.5</td><td>3</td></tr></tbody></table>"
    assert align_numbers(mixed) == mixed.replace("<td>1</td>", '<td class="num">1</td>').replace(
        "<td>2.5</td>", '<td class="num">2.5</td>')
    spanning = '<table><tr><td colspan="2">1</td></tr></table>'
    assert align_numbers(spanning) == spanning
    assert align_numbers('<table><tr><td>0.92 ± 0.01</td><td>—</td></tr></table>').count('class="num"') == 1


def test_figures_have_captions_alt_text_and_a_full_size_link(blog: Path) -> None:
    figure = cell(page(blog), "figure")
    alt = 'alt="A line chart of the loss against the epoch, falling from 1 to almost 0"'
    found = re.search(r'<figure><a class="nb-zoom nb-light" href="(nb-[0-9a-f]{16}\.png)"><img src="\1" '
                      rf'{alt} width="\d+" height="\d+" loading="lazy"></a>'  # and its dark twin, in the same figure:
                      r'<a class="nb-zoom nb-dark" href="\1"><img src="(nb-[0-9a-f]{16}\.png)" '
                      rf'{alt} width="\d+" height="\d+" loading="lazy"></a>'
                      r"<figcaption>Loss falls by a quarter each epoch</figcaption></figure>", figure)
    assert found, figure
    assert (blog / "site/posts/a-notebook-that-reads-well" / found.group(1)).is_file()
    assert (blog / "site/posts/a-notebook-that-reads-well" / found.group(2)).is_file()


def test_renderings_light_and_dark_pair_the_cells_two_figures(blog: Path) -> None:
    pair = cell(page(blog), "pair")
    light = re.search(r'<a class="nb-zoom nb-light" href="(nb-\w+\.png)">', pair)
    dark = re.search(r'<a class="nb-zoom nb-dark" href="(nb-\w+\.png)">', pair)
    assert light and dark and light.group(1) != dark.group(1)
    assert pair.count('alt="The same loss curve, drawn for the light and the dark page"') == 2
    assert pair.count("<img ") == 2  # its own pair: no dark twin of either


def test_a_figure_without_alt_text_fails_a_strict_build(blog: Path) -> None:
    status, _, stderr = run_journey("build", "--strict", "--execute", "never", cwd=blog)
    assert status == 1
    assert stderr.splitlines()[0] == ("notebooks/reads-well.ipynb:1:1: error: figure without alt text; give it one "
                                      "with a '#| fig-alt: ...' line (cell 6)")


def test_plotly_and_vega_lite_charts_bring_their_own_scripts_to_their_page_only(blog: Path) -> None:
    html = page(blog)
    plotly = re.search(r'<div class="nb-interactive" data-nb-kind="plotly" data-nb-scripts="(nb-plotly-\w+\.js)">'
                       r'<script type="application/json">\{"data":\[\{', html)
    vega = re.search(r'data-nb-kind="vega-lite" data-nb-scripts="(nb-vega-\w+\.js) (nb-vega-lite-\w+\.js) '
                     r'(nb-vega-embed-\w+\.js)">', html)
    assert plotly and vega
    folder = blog / "site/posts/a-notebook-that-reads-well"
    assert (folder / plotly.group(1)).read_bytes().startswith(b"/**\n* plotly.js v")
    assert all((folder / name).stat().st_size > 50_000 for name in vega.groups())
    # The fallbacks stay for readers without JavaScript: Plotly saved no image here, so a sentence.
    assert '<div class="nb-fallback"><p class="nb-no-script">An interactive plotly chart: it needs JavaScript.</p>' in html
    assert '<div class="nb-fallback"><div class="nb-output-item nb-text"><pre>A line chart of the loss by epoch' in html
    bokeh = re.search(r'data-nb-kind="bokeh" data-nb-scripts="(nb-bokeh-\w+\.js)"><script type="application/json">'
                      r'\{"docs_json":\{', html)
    assert bokeh and (folder / bokeh.group(1)).stat().st_size > 500_000
    assert re.search(r'<div id="[\w-]+" data-root-id="p\d+" style="display: contents;"></div>', cell(html, "bokeh"))
    assert "cdn" not in html.lower() and 'src="http' not in html
    assert re.search(r'<script src="/repo/assets/interactive\.\w+\.js" defer>', html)
    index = page(blog, "site/index.html")
    assert "interactive." not in index and "notebook." not in index


def test_cards_show_tags_and_a_thumbnail_and_shares_use_the_first_figure(blog: Path) -> None:
    index = page(blog, "site/index.html")
    thumb = re.search(r'<img class="thumb" src="/repo/posts/a-notebook-that-reads-well/(thumb-[0-9a-f]{16}\.png)" '
                      r'alt="" width="240" height="150" loading="lazy">', index)
    assert thumb, index
    assert '<ul class="card-labels">\n<li>presentation</li></ul>' in index
    data = (blog / "site/posts/a-notebook-that-reads-well" / thumb.group(1)).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") <= 480
    html = page(blog)
    first = re.search(r'<img src="(nb-\w+\.png)"', html).group(1)
    assert f'<meta property="og:image" content="https://example.org/repo/posts/a-notebook-that-reads-well/{first}">' in html
    assert f'<meta name="twitter:image" content="https://example.org/repo/posts/a-notebook-that-reads-well/{first}">' in html


def test_the_same_notebook_builds_the_same_bytes(blog: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    status, _, stderr = run_journey("build", "--execute", "never", "--out", str(again), cwd=blog)
    assert status == 0, stderr
    for name in ("posts/a-notebook-that-reads-well/index.html", "index.html"):
        assert (again / name).read_bytes() == (blog / "site" / name).read_bytes()
    thumbs = sorted((again / "posts/a-notebook-that-reads-well").glob("thumb-*.png"))
    assert [p.read_bytes() for p in thumbs] == [
        (blog / "site/posts/a-notebook-that-reads-well" / p.name).read_bytes() for p in thumbs]


def test_number_lines_closes_and_reopens_a_token_across_lines() -> None:
    highlighted = '<div class="highlight"><pre><span></span><code><span class="sd">"""a\nb"""</span>\n</code></pre></div>\n'
    assert number_lines(highlighted) == (
        '<div class="highlight"><pre><span></span><code class="nb-numbered">'
        '<span class="ln"><span class="sd">"""a</span></span>\n'
        '<span class="ln"><span class="sd">b"""</span></span>\n</code></pre></div>\n')


def test_bad_code_fold_values_are_errors_at_their_place(tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {
        "pyproject.toml": '[tool.journey]\ntitle = "T"\ncode_fold = "folded"\n',
        "posts/2024-01-01-a.md": post("A", "2024-01-01", code_fold="sometimes"),
    })
    status, _, stderr = run_journey("build", cwd=root)
    assert status == 1
    assert stderr.splitlines()[0] == (
        "pyproject.toml:3:1: error: setting 'code_fold': expected one of none, show, hide, got 'folded'")
    root_ok = make_blog(tmp_path / "blog2", {"posts/2024-01-01-a.md": post("A", "2024-01-01", code_fold="sometimes")})
    status, _, stderr = run_journey("build", cwd=root_ok)
    assert status == 1
    assert stderr.splitlines()[0] == (
        "posts/2024-01-01-a.md:4:1: error: 'code_fold' must be none, show or hide, got 'sometimes'")


def test_a_charts_spec_is_not_searchable_text(blog: Path) -> None:
    import json

    entries = json.loads((blog / "site/search.json").read_text(encoding="utf-8"))
    text = next(e["text"] for e in entries if e["url"].endswith("a-notebook-that-reads-well/"))
    assert "Training" in text and "epoch 30" in text
    assert '"data"' not in text and "scatter" not in text and "Show all" not in text
