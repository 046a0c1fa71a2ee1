"""Citations, cross-references, series, run-it-yourself links, llms.txt and Markdown copies: one
blog in a real git repository, built once through the CLI (a real kernel runs its notebook)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import make_blog, post, read_tree, run_journey
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

FIXTURES = Path(__file__).parent / "fixtures" / "scholarly"
# A 1×1 grey PNG: the notebook's figure, displayed by a real kernel.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
SETTINGS = """[tool.journey]
title = "Notes"
author = "Ada Example"
base_url = "https://ada.github.io/notes/"
bibliography = "refs.bib"
repository = "ada/notes"
llms_txt = true
"""
PAPERS = """\
Convolutions won on digits [@lecun1998, p. 2280], residual links went deeper
[see @he2016; @kingma2014], and @kingma2014 trains them all; mail ada@example.com.

![Loss against epochs](curve.png){#fig-curve}

The table, @tbl-scores, and @eq-loss, which @fig-pixel (from the notebook) plots.

| model | accuracy |
|-------|----------|
| LeNet | 0.99     |
: Test accuracy {#tbl-scores}

$$
L = -\\sum_i y_i \\log p_i
$$ {#eq-loss}
"""


def notebook() -> str:
    cells = [
        new_markdown_cell("A pixel, labelled for cross-references."),
        new_code_cell("#| label: fig-pixel\n#| fig-cap: One grey pixel\n"
                      "import base64\nfrom IPython.display import Image, display\n"
                      f"display(Image(data=base64.b64decode('{PIXEL}')))"),
        new_code_cell("print('loss', 0.25)"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    return nbformat.writes(nb)


def series_part(n: int, order: int) -> str:
    return post(f"Part {n}", f"2025-03-0{n}", f"Part {n} of the tour.\n", series=f"{{name: ML tour, order: {order}}}")


def write_blog(root: Path) -> Path:
    make_blog(root, {
        "pyproject.toml": SETTINGS,
        "refs.bib": (FIXTURES / "refs.bib").read_text(encoding="utf-8"),
        "posts/2025-02-01-papers/index.md": post("Papers", "2025-02-01", PAPERS, notebook="notebooks/pixel.ipynb"),
        "posts/2025-02-01-papers/curve.png": base64.b64decode(PIXEL),
        "notebooks/pixel.ipynb": notebook(),
        # The order, not the date, sets the parts: part 1 is the newest post.
        "posts/2025-03-01-tour-a.md": series_part(1, 3),
        "posts/2025-03-02-tour-b.md": series_part(2, 2),
        "posts/2025-03-03-tour-c.md": series_part(3, 1),
        "posts/2025-01-01-plain.md": post("Plain", "2025-01-01", "Thanks to \\@ada for reading.\n"),
    })
    return root


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True,
                          env={"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "A",
                               "GIT_COMMITTER_EMAIL": "a@example.com", "PATH": "/usr/bin:/bin", "HOME": str(root)})
    return done.stdout.strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, bytes]]:
    root = write_blog(tmp_path_factory.mktemp("scholarly") / "blog")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the blog")
    status, _, stderr = run_journey("build", "--source", str(root), "--jobs", "1", cwd=root)
    assert status == 0, stderr
    assert "warning" not in stderr, stderr
    return root, git(root, "rev-parse", "HEAD"), read_tree(root / "site")


def page(built: tuple[Path, str, dict[str, bytes]], path: str) -> str:
    return built[2][path].decode("utf-8")


def test_citations_are_author_date_links_to_a_formatted_reference_list(built) -> None:
    html = page(built, "posts/papers/index.html")
    assert ('<span class="citation">(<a href="#ref-lecun1998">LeCun et al. 1998</a>, p. 2280)</span>' in html)
    assert ('<span class="citation">(see <a href="#ref-he2016">He et al. 2016</a>; '
            '<a href="#ref-kingma2014">Kingma and Ba 2014</a>)</span>') in html
    assert '<span class="citation"><a href="#ref-kingma2014">Kingma and Ba (2014)</a></span> trains' in html
    assert "mail ada@example.com." in html
    references = html[html.index('<section class="references"'):]
    # pybtex's plain style: sorted by author, each with its DOI, URL or arXiv link.
    assert [line.split('"')[1] for line in references.splitlines() if line.startswith("<li id=")] == [
        "ref-he2016", "ref-kingma2014", "ref-lecun1998"]
    assert '<a href="https://doi.org/10.1109/5.726791">doi:10.1109/5.726791</a>' in references
    assert '<a href="https://arxiv.org/abs/1412.6980">arXiv:1412.6980</a>' in references
    assert 'URL: <a href="https://openaccess.thecvf.com/content_cvpr_2016/html/' in references
    assert "Léon Bottou" in references and "<em>Proceedings of the IEEE</em>, 86(11):2278–2324, 1998." in references


def test_cross_references_number_markdown_and_notebook_labels_together(built) -> None:
    html = page(built, "posts/papers/index.html")
    assert ('<figure id="fig-curve"><img src="curve.png" alt="Loss against epochs" /><figcaption>'
            '<span class="crossref-number">Figure 1:</span> Loss against epochs</figcaption></figure>') in html
    assert '<caption><span class="crossref-number">Table 1:</span> Test accuracy</caption>' in html
    assert '<div class="equation" id="eq-loss"><span class="equation-number">(1)</span>' in html
    assert ('The table, <a class="crossref" href="#tbl-scores">Table 1</a>, and <a class="crossref" '
            'href="#eq-loss">Equation 1</a>, which <a class="crossref" href="#fig-pixel">Figure 2</a> (from') in html
    notebook_figure = html[html.index('<figure id="fig-pixel">'):]
    assert notebook_figure.index('<span class="crossref-number">Figure 2:</span> One grey pixel') < notebook_figure.index("</figure>")


def test_a_labelled_output_without_a_figure_is_numbered_and_takes_no_other_caption() -> None:
    from generator.content.crossref import number_labels

    html = ('<div class="nb-output" id="fig-raw">text</div>'
            '<figure id="fig-drawn"><img src="a.png" alt=""><figcaption>Drawn</figcaption></figure>'
            '\x02ref:fig-raw\x03 and \x02ref:fig-drawn\x03')
    shown, problems = number_labels(html, [("fig-raw", 3, 1), ("fig-drawn", 3, 20)], "p.md")
    assert problems == []
    assert shown == ('<div class="nb-output" id="fig-raw">text</div><figure id="fig-drawn"><img src="a.png" alt="">'
                     '<figcaption><span class="crossref-number">Figure 2:</span> Drawn</figcaption></figure>'
                     '<a class="crossref" href="#fig-raw">Figure 1</a> and '
                     '<a class="crossref" href="#fig-drawn">Figure 2</a>')


def test_a_series_has_part_n_of_m_navigation_a_page_and_a_place_on_the_journey(built) -> None:
    middle = page(built, "posts/tour-b/index.html")
    assert '<a href="/notes/series/ml-tour/">ML tour</a> <span class="sep" aria-hidden="true">·</span> Part 2 of 3' in middle
    assert '<a class="series-previous" href="/notes/posts/tour-c/"><small>← Part 1</small> Part 3</a>' in middle
    assert '<a class="series-next" href="/notes/posts/tour-a/"><small>Part 3 →</small> Part 1</a>' in middle
    first = page(built, "posts/tour-c/index.html")
    assert "Part 1 of 3" in first and "series-previous" not in first
    series = page(built, "series/ml-tour/index.html")
    assert [line.split('"')[1] for line in series.splitlines() if "<h2><a href=" in line] == [
        "/notes/posts/tour-c/", "/notes/posts/tour-b/", "/notes/posts/tour-a/"]
    journey = page(built, "journey/index.html")
    assert '<a href="/notes/series/ml-tour/">ML tour</a> <span class="meta">3 parts</span><p>Part 3 → Part 2 → Part 1</p>' in journey
    assert "series-nav" not in page(built, "posts/plain/index.html")


def test_notebook_posts_link_source_colab_and_binder_at_the_built_commit(built) -> None:
    commit = built[1]
    html = page(built, "posts/papers/index.html")
    path = "posts/2025-02-01-papers/../../notebooks/pixel.ipynb"
    assert path not in html
    assert f'<a href="https://github.com/ada/notes/blob/{commit}/notebooks/pixel.ipynb">source</a>' in html
    assert f'<a href="https://colab.research.google.com/github/ada/notes/blob/{commit}/notebooks/pixel.ipynb">open in Colab</a>' in html
    assert f'<a href="https://mybinder.org/v2/gh/ada/notes/{commit}?labpath=notebooks%2Fpixel.ipynb">launch on Binder</a>' in html
    assert 'download>Download the notebook</a>' in html  # the executed notebook stays
    assert "Run it yourself" not in page(built, "posts/plain/index.html")


def test_llms_txt_lists_every_post_with_its_markdown_copy(built) -> None:
    llms = page(built, "llms.txt")
    assert llms.startswith("# Notes\n\nEach post links to a Markdown copy of its page.\n\n## Posts\n\n")
    assert "- [Part 3](https://ada.github.io/notes/posts/tour-c/index.md): 2025-03-03. Part 3 of the tour.\n" in llms
    assert "- [ML tour](https://ada.github.io/notes/series/ml-tour/): 1. Part 3; 2. Part 2; 3. Part 1\n" in llms
    copy = page(built, "posts/papers/index.md")
    assert copy.startswith('---\ntitle: "Papers"\nurl: "https://ada.github.io/notes/posts/papers/"\n---\n\n# Papers\n\n'
                           "Convolutions won on digits [@lecun1998, p. 2280]")
    assert "```python\nprint('loss', 0.25)\n```\n\n```text\nloss 0.25\n```" in copy
    assert "## References\n\n1. Kaiming He, Xiangyu Zhang, Shaoqing Ren, and Jian Sun. Deep residual learning" in copy
    assert '<link rel="alternate" type="text/markdown" href="index.md">' in page(built, "posts/papers/index.html")


def test_each_post_offers_its_bibtex(built) -> None:
    html = page(built, "posts/plain/index.html")
    assert ("<summary>Cite this post</summary>\n    <pre><code>@online{plain2025,\n  author = {Ada Example},\n"
            "  title = {{Plain}},\n  year = {2025},\n  date = {2025-01-01},\n"
            "  url = {https://ada.github.io/notes/posts/plain/},\n  organization = {Notes}\n}\n</code></pre>") in html
    assert "Thanks to @ada for reading." in html  # `\@`: not a citation


def test_a_second_clean_build_is_byte_identical(built, tmp_path: Path) -> None:
    root = built[0]
    status, _, stderr = run_journey("build", "--source", str(root), "--out", str(tmp_path / "again"), cwd=root)
    assert status == 0, stderr
    assert read_tree(tmp_path / "again") == built[2]


def test_unknown_keys_and_labels_are_errors_at_their_place(tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {
        "pyproject.toml": SETTINGS.replace('repository = "ada/notes"\n', ""),
        "refs.bib": (FIXTURES / "refs.bib").read_text(encoding="utf-8"),
        "broken.bib": "@article{a,\n  title = {Unclosed,\n",
        "posts/2025-01-01-wrong.md": post("Wrong", "2025-01-01", "Fine [@he2016].\n\nBut [@nobody; @he2016] and\n"
                                          "@fig-missing, [@fig-a; @he2016], then @tbl-gone.\n\n"
                                          "![One](a.png){#fig-a}\n\n![Two](b.png){#fig-a}\n"),
        "posts/2025-01-02-broken.md": post("Broken", "2025-01-02", "Cites [@a].\n", bibliography="../broken.bib"),
        "posts/2025-01-03-none.md": post("None", "2025-01-03", "Cites [@he2016].\n", bibliography="nowhere.bib"),
    })
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 1
    assert stderr.splitlines() == [
        "broken.bib:2:1: error: bad BibTeX: premature end of file",
        "posts/2025-01-01-wrong.md:7:5: error: unknown citation key 'nobody': it is not in refs.bib",
        ("posts/2025-01-01-wrong.md:8:1: error: unknown cross-reference '@fig-missing': no figure, table or "
         "equation in this post has the label 'fig-missing'"),
        "posts/2025-01-01-wrong.md:8:15: error: '[@fig-a; @he2016]' mixes citations and cross-references; write them apart",
        ("posts/2025-01-01-wrong.md:8:39: error: unknown cross-reference '@tbl-gone': no figure, table or "
         "equation in this post has the label 'tbl-gone'"),
        "posts/2025-01-01-wrong.md:12:14: error: label 'fig-a' is used twice in this post (first at line 10)",
        "posts/2025-01-03-none.md:4:1: error: 'nowhere.bib' does not exist",
        ("posts/2025-01-03-none.md:6:7: error: citation '[@he2016]' but the post has no bibliography "
         "(set 'bibliography:' in its front matter or the setting)"),
        "journey: 8 errors; nothing was written",
    ]


def test_a_bibliography_setting_that_is_missing_is_an_error(tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS, "posts/a.md": post("A", "2026-01-01")})
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 1
    assert stderr.splitlines()[0] == "pyproject.toml:5:1: error: setting 'bibliography': 'refs.bib' does not exist"


def test_outside_git_the_links_follow_the_branch_and_a_warning_says_so(built, tmp_path: Path) -> None:
    root = shutil.copytree(built[0], tmp_path / "copy", ignore=shutil.ignore_patterns(".git", "site", ".journey-cache"))
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 0, stderr
    assert stderr.splitlines()[0] == ("pyproject.toml:1:1: warning: . is not in a git checkout with a commit: notebook "
                                      "links follow branch 'main', not the commit the site was built from")
    html = (root / "site/posts/papers/index.html").read_text(encoding="utf-8")
    assert '<a href="https://github.com/ada/notes/blob/main/notebooks/pixel.ipynb">source</a>' in html


def test_a_new_commit_re_pins_the_links_of_an_incremental_build(built) -> None:
    """Last in this file: it moves the fixture blog to a second commit."""
    root = built[0]
    git(root, "commit", "-q", "--allow-empty", "-m", "a second commit")
    commit = git(root, "rev-parse", "HEAD")
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 0, stderr
    assert "up to date" not in stderr
    html = (root / "site/posts/papers/index.html").read_text(encoding="utf-8")
    assert f"https://colab.research.google.com/github/ada/notes/blob/{commit}/notebooks/pixel.ipynb" in html
    assert built[1] not in html
