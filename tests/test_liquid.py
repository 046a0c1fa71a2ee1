"""Liquid in Markdown posts, as Jekyll blogs write it: real builds of tests/fixtures/liquid/blog,
HTML asserted; exact diagnostics for what journey does not render; the render cache following
includes and the posts a post links to; `journey check` finding Liquid left in pages."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EPOCH, make_blog, post, run_journey

from generator.build import BuildOptions, build_site
from generator.config import load_config
from generator.content.front_matter import uses_liquid
from generator.deploy.check import check_site
from generator.errors import JourneyError

FIXTURE = Path(__file__).parent / "fixtures" / "liquid" / "blog"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fixture blog, copied and built once; the working folder at its root (short paths)."""
    root = tmp_path_factory.mktemp("liquid") / "blog"
    shutil.copytree(FIXTURE, root)
    with pytest.MonkeyPatch.context() as patch:  # a module's fixture: undone after its last test
        patch.chdir(root)
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = build_site(BuildOptions(source=root, progress=False))
        assert [str(d) for d in result.diagnostics] == []  # Jekyll's `comments:` is accepted
        yield root


def content(root: Path, slug: str) -> str:
    """The post's body HTML (inside `<div class="content">`)."""
    page = (root / "site" / "posts" / slug / "index.html").read_text(encoding="utf-8")
    return page.split('<div class="content">', 1)[1].split("</div>\n  <nav", 1)[0]


def test_site_and_page_values_and_the_url_filters(built: Path) -> None:
    html = content(built, "a-liquid-tour")
    assert "<p>This is <strong>A Liquid tour</strong>, written on May 2, 2011 for\nLiquid fixture by @tester.</p>" in html
    assert '<p><img src="/repo/images/x.png" alt="A picture" /></p>' in html  # base path once, not twice
    assert '<a href="/repo/archive/">Archive</a> and the feed at https://tester.github.io/repo/feed.xml.' in html
    assert "Full URLs stay: https://jekyllrb.com/docs/ and https://jekyllrb.com/." in html
    assert "<p>Comments are on; tags: meta.</p>" in html
    assert "{{" not in html and "{%" not in html


def test_post_url_and_link_give_the_post_url_under_the_base_path(built: Path) -> None:
    html = content(built, "a-liquid-tour")
    assert ('<p>Read <a href="/repo/posts/welcome-to-jekyll/">the welcome post</a> first, or\n'
            '<a href="/repo/posts/welcome-to-jekyll/">the same post by its file</a>.</p>') in html


def test_highlight_is_the_fenced_block_html_and_linenos_numbers_its_lines(built: Path) -> None:
    html = content(built, "a-liquid-tour")
    numbered = re.search(r'<table class="highlighttable"><tr><td class="linenos"><pre class="lineno"[^>]*>'
                         r'1\n2\n3\n4</pre></td><td class="code"><div class="highlight"><pre><span></span><code>'
                         r'<span class="k">def</span>', html)
    assert numbered, html
    assert '<span class="s2">&quot;&lt;b&gt;</span>' in html or '&lt;b&gt;</span>' in html
    # The HTML block's code is escaped, never injected into the page.
    assert "<script>" not in html
    assert ('<div class="highlight"><pre><span></span><code>&lt;<span class="nt">script</span>'
            in html)


def test_include_takes_params_and_may_use_liquid_itself(built: Path) -> None:
    html = content(built, "a-liquid-tour")
    assert '<aside class="note"><strong>Heads up</strong> includes take parameters (Liquid fixture)</aside>' in html
    assert ('<figure class="image">\n  <img src="/repo/images/x.png" alt="A tiny image">\n'
            '  <figcaption>A Liquid tour</figcaption>\n</figure>') in html


def test_raw_shows_liquid_as_written_in_code(built: Path) -> None:
    html = content(built, "templating-tutorial")
    assert '<span class="cp">{{</span> <span class="nv">title</span> <span class="cp">}}</span>' in html
    assert '<span class="cp">{%</span> <span class="k">for</span>' in html
    assert "<p>Inline too: <code>{{ x }}</code>.</p>" in html
    # A journey (or Hugo) shortcode is not Liquid: it stays as written, in a highlighted block too.
    assert "<code>{{&lt; figure src=&quot;x.png&quot; &gt;}}\n</code>" in html


def test_a_post_without_liquid_is_not_rendered_through_it(built: Path) -> None:
    assert not uses_liquid((built / "posts" / "2011-07-01-no-liquid-here.md").read_text())
    assert not uses_liquid("A value: {{< value accuracy \".2f\" >}} and {{< output tag=x >}}")
    assert uses_liquid("{{< value x >}} and {{ page.title }}")
    html = content(built, "no-liquid-here")
    assert html == ('\n<p>Plain Markdown with a <a href="/repo/posts/welcome-to-jekyll/">link</a> and '
                    "<code>code</code>.</p>\n\n  ")


def test_the_built_fixture_checks_clean(built: Path) -> None:
    config, _ = load_config(built)
    assert [str(d) for d in check_site(config, built / "site") if d.is_error] == []


def test_check_finds_liquid_left_in_pages_outside_code(built: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(built / "site", site)
    (site / "old").mkdir()
    (site / "old" / "index.html").write_text(
        "<!doctype html>\n<html><head><title>Old</title></head>\n<body>\n"
        '<p>Built by Jekyll &amp; left: {% youtube abc %} and {{ site.baseurl }}</p>\n'
        "<pre><code>{{ shown_on_purpose }}</code></pre> <code>{% raw %}</code>\n"
        '<img alt="" src="/repo/images/x.png" title="{{ page.title }}">\n'
        "</body></html>\n", encoding="utf-8")
    config, _ = load_config(built)
    os.chdir(tmp_path)
    try:
        found = [str(d) for d in check_site(config, site) if d.is_error]
    finally:
        os.chdir(built)
    assert found == [
        "site/old/index.html:4:32: error: unrendered Liquid '{% youtube abc %}' in the page",
        "site/old/index.html:4:54: error: unrendered Liquid '{{ site.baseurl }}' in the page",
        "site/old/index.html:6:45: error: unrendered Liquid '{{ page.title }}' in the page",
    ]


BROKEN = {
    "pyproject.toml": '[tool.journey]\ntitle = "Broken"\n',
    "_includes/card.html": "<div>{{ include.text }}</div>\n",
    "_includes/bad.html": "<div>\n  {% gist 1234 %}\n</div>\n",
    "posts/2011-05-11-marks.md": post("Marks", "2011-05-11", '{% highlight ruby mark_lines="1 2" %}\nx\n{% endhighlight %}\n'),
    "posts/2011-05-12-dynamic.md": post("Dynamic", "2011-05-12", "{% include {{ page.card }} %}\n"),
    "posts/2011-05-10-bad-include.md": post("Bad include", "2011-05-10", "{% include bad.html %}\n"),
    "_includes/open.html": "<p>\n{% if include.x %}\nyes\n",
    "posts/2011-05-14-else.md": post("Else", "2011-05-14", "Either this {% else %} or that.\n"),
    "posts/2011-05-13-open-include.md": post("Open include", "2011-05-13", "{% include open.html x=true %}\n"),
    "posts/2011-04-27-target.md": post("Target", "2011-04-27"),
    "posts/2011-05-01-embeds.md": post("Embeds", "2011-05-01", "Intro.\n\nMore.\n\n{% youtube dQw4w9WgXcQ %}\n"),
    "posts/2011-05-02-unclosed.md": post("Unclosed", "2011-05-02", "Code:\n\n{% highlight ruby %}\nputs 1\n"),
    "posts/2011-05-03-include.md": post("Include", "2011-05-03", "See\n  {% include missing.html x=1 %}\n"),
    "posts/2011-05-04-post-url.md": post("Post url", "2011-05-04", "[old]({% post_url 2010-01-01-gone %})\n"),
    "posts/2011-05-05-link.md": post("Link", "2011-05-05", "[t]({% link posts/nope.md %}) [ok]({% link posts/2011-04-27-target.md %})\n"),
    "posts/2011-05-06-filter.md": post("Filter", "2011-05-06", "{{ page.title | jsonify }}\n"),
    "posts/2011-05-07-in-include.md": post("In include", "2011-05-07", "{% include card.html text=page.nope %}\n"),
    "posts/2011-05-08-seo.md": post("Seo", "2011-05-08", "{% seo %}\n\n{{ site.nothing }}\n"),
    "posts/2011-05-09-stray.md": post("Stray", "2011-05-09", "text {% endhighlight %}\n"),
}


def test_what_journey_does_not_render_is_an_error_at_its_line_and_column(tmp_path: Path) -> None:
    make_blog(tmp_path, BROKEN)
    code, _, err = run_journey("build", "--source", ".", cwd=tmp_path)
    assert code == 1
    assert err.splitlines() == [
        "_includes/bad.html:2:3: error: unknown Liquid tag 'gist'",
        "_includes/open.html:2:1: error: 'if' is never closed: expected 'endif'",
        "posts/2011-05-01-embeds.md:9:1: error: unknown Liquid tag 'youtube'",
        "posts/2011-05-02-unclosed.md:7:1: error: 'highlight' is never closed: expected 'endhighlight'",
        "posts/2011-05-03-include.md:6:3: error: no include 'missing.html' in _includes/",
        "posts/2011-05-04-post-url.md:5:7: error: post_url: no published post '2010-01-01-gone'",
        "posts/2011-05-05-link.md:5:5: error: link: no published post at 'posts/nope.md'",
        "posts/2011-05-06-filter.md:5:1: error: Liquid: unknown filter 'jsonify'",
        "posts/2011-05-07-in-include.md:5:1: warning: Liquid variable 'page.nope' is undefined (Jekyll prints nothing)",
        "posts/2011-05-08-seo.md:5:1: error: unknown Liquid tag 'seo'",
        "posts/2011-05-09-stray.md:5:6: error: 'endhighlight' without an opening 'highlight'",
        "posts/2011-05-11-marks.md:5:1: error: 'highlight' takes a language and 'linenos', got 'ruby mark_lines=\"1 2\"'",
        "posts/2011-05-12-dynamic.md:5:1: error: 'include' takes a file name of _includes/, not a variable or a string",
        "posts/2011-05-14-else.md:5:13: error: 'else' outside the 'if' block it belongs to",
        "journey: 13 errors; nothing was written",
    ]
    assert not (tmp_path / "site").exists()


def test_an_undefined_variable_prints_nothing_and_warns(tmp_path: Path) -> None:
    make_blog(tmp_path, {"posts/2024-01-01-a.md": post("A", "2024-01-01", "Hi {{ site.nothing }}!\n"
                                                        "{{ site.time | date: '%Y' }}\n")})
    code, _, err = run_journey("build", "--source", ".", cwd=tmp_path)
    assert code == 0, err
    assert err.splitlines()[0] == ("posts/2024-01-01-a.md:5:4: warning: Liquid variable 'site.nothing' is "
                                   "undefined (Jekyll prints nothing)")
    # site.time is SOURCE_DATE_EPOCH (2026-01-01): the same sources give the same page.
    assert "<p>Hi !\n2026</p>" in content(tmp_path, "a")


def test_editing_an_include_or_a_linked_post_renders_the_post_again(tmp_path: Path) -> None:
    make_blog(tmp_path, {
        "_includes/note.html": "<aside>{{ include.text }}</aside>\n",
        "posts/2024-01-01-target.md": post("Target", "2024-01-01"),
        "posts/2024-01-02-linker.md": post("Linker", "2024-01-02",
                                           "{% include note.html text='hi' %}\n\n[t]({% post_url 2024-01-01-target %})\n"),
        "posts/2024-01-03-plain.md": post("Plain", "2024-01-03"),
    })
    options = BuildOptions(source=tmp_path, progress=False)
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        build_site(options)
        assert "<aside>hi</aside>" in content(tmp_path, "linker")
        (tmp_path / "_includes" / "note.html").write_text("<aside class='v2'>{{ include.text }}</aside>\n")
        second = build_site(options)
        assert "<aside class='v2'>hi</aside>" in content(tmp_path, "linker")
        assert not second.up_to_date
        target = tmp_path / "posts" / "2024-01-01-target.md"
        target.write_text(post("Target", "2024-01-01", permalink="/moved/"))
        build_site(options)
        assert '<a href="/moved/">t</a>' in content(tmp_path, "linker")
        clean = tmp_path / "clean"
        shutil.copytree(tmp_path, clean, ignore=shutil.ignore_patterns(".journey-cache", "site"))
        build_site(BuildOptions(source=clean, progress=False))
        assert content(clean, "linker") == content(tmp_path, "linker")
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def test_a_liquid_error_stops_the_build_through_the_api(tmp_path: Path) -> None:
    make_blog(tmp_path, {"posts/2024-01-01-a.md": post("A", "2024-01-01", "{% feed_meta %}\n")})
    with pytest.raises(JourneyError) as raised:
        build_site(BuildOptions(source=tmp_path, progress=False))
    assert [d.message for d in raised.value.diagnostics] == ["unknown Liquid tag 'feed_meta'"]


def test_post_url_names_posts_in_sub_folders_and_bundles(tmp_path: Path) -> None:
    from conftest import a_post

    from generator.config import SiteConfig
    from generator.content.liquid import liquid_site

    config = SiteConfig(root=tmp_path, base_url="https://u.github.io/repo/")
    posts = [a_post(tmp_path / "posts" / "2011-04-27-name.md", "posts/2011-04-27-name.md", url_path="posts/name/"),
             a_post(tmp_path / "posts" / "ml" / "2012-01-01-deep.md", "posts/ml/2012-01-01-deep.md", url_path="posts/deep/"),
             a_post(tmp_path / "posts" / "bundle" / "index.md", "posts/bundle/index.md", url_path="posts/bundle/")]
    site = liquid_site(config, posts)
    assert site.posts == {"2011-04-27-name": "posts/name/", "ml/2012-01-01-deep": "posts/deep/",
                          "2012-01-01-deep": "posts/deep/", "bundle": "posts/bundle/"}
    assert site.files == {"posts/2011-04-27-name.md": "posts/name/", "posts/ml/2012-01-01-deep.md": "posts/deep/",
                          "posts/bundle/index.md": "posts/bundle/"}
    assert (site.site["baseurl"], site.site["url"]) == ("/repo", "https://u.github.io")
    assert site.time == posts[0].date  # without SOURCE_DATE_EPOCH: the newest post's date, never the clock


def test_a_blog_without_liquid_never_loads_the_engine(tmp_path: Path) -> None:
    import subprocess
    import sys

    make_blog(tmp_path, {"posts/2024-01-01-a.md": post("A", "2024-01-01", "Just {braces} and `{{< x >}}`.\n")})
    script = ("import sys\nfrom pathlib import Path\nfrom generator.build import BuildOptions, build_site\n"
              f"build_site(BuildOptions(source=Path({str(tmp_path)!r}), progress=False))\n"
              "print('liquid' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120,
                          env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]


def test_a_highlight_indented_into_a_list_item_stays_in_it(built: Path) -> None:
    html = content(built, "templating-tutorial")
    assert ('<ol>\n<li>\n<p>Install it:</p>\n<div class="highlight"><pre><span></span><code>pip<span class="w"> </span>'
            'install<span class="w"> </span>jinja2\n</code></pre></div>\n\n</li>\n<li>\n<p>Write a template.</p>\n</li>\n</ol>'
            ) in html
