"""How pages are written fast and the same: the theme's Jinja runtime (plain-string escapes,
dict globals, the trees its compiling keeps) and the JSON written out directly (a post's
JSON-LD, search.json's documents), each checked against what Jinja, MarkupSafe or json.dumps
give."""

from __future__ import annotations

from pathlib import Path

from conftest import make_blog

SETTINGS = '[tool.journey]\ntitle = "T"\nbase_url = "https://me.github.io/blog/"\n'


def test_output_escapes_give_what_markupsafe_gives_as_plain_strings(tmp_path: Path) -> None:
    """The theme's Template class escapes each `{{ value }}` to a plain string (no Markup made
    per value): for every kind of value the same text as `markupsafe.escape`, and the pages'
    filters, macros and `set` blocks still give Markup where Jinja's do. Its environment gives
    each template its globals as a dict, and a template asked for again is the one loaded."""
    import markupsafe

    from generator.config import load_config
    from generator.website.templates import create_environment
    from generator.website.theme_runtime import Template, output_escape

    class Html:
        def __html__(self) -> str:
            return "<b>kept</b>"

    class Loud(markupsafe.Markup):
        def __html__(self) -> markupsafe.Markup:
            return markupsafe.Markup("<i>its own</i>")

    values = ["a < b & 'c' \"d\"", markupsafe.Markup("<p>safe</p>"), Loud("<x>"), Html(), 3, None, 2.5, ""]
    for value in values:
        escaped = output_escape(value)
        assert escaped == str(markupsafe.escape(value)), value
    assert type(output_escape("<")) is str

    make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS})
    config, _ = load_config(tmp_path / "blog")
    env = create_environment(config, {})
    template = env.from_string(
        "{% macro m(x) %}<{{ x }}>{% endmacro %}{% set block %}{{ '<s>' }}{% endset %}"
        "{{ '<a>' }}|{{ m('&') }}|{{ block }}|{{ ('<' ~ '>')|e }}|{{ m('&').__class__.__name__ }}"
        "|{{ block.__class__.__name__ }}")
    assert type(template) is Template
    page = env.get_template("post.html")  # the default theme's, with its globals as a plain dict
    assert env.get_template("post.html") is page and type(page.globals) is dict and page.globals["url"] == config.url
    assert template.render() == "&lt;a&gt;|<&amp;>|&lt;s&gt;|&lt;&gt;|Markup|Markup"


def test_a_posts_json_ld_is_the_sorted_json_of_its_data_written_out_directly() -> None:
    """The post page's JSON-LD is written out directly (json.dumps cost a tenth of a page): for
    texts with quotes, backslashes, control characters, `</script>`, U+2028 and emoji, the very
    text `script_json` gives of the same data, and a value of another type goes through it."""
    import random
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from generator.website.post_context import _json_ld, json_ld_data
    from generator.website.script_data import script_json

    pieces = ["a", " ", '"', "\\", "/", "</script>", ">", "&", "\u2028", "\u2029", "\x00", "\x1f", "\n", "é", "日", "😀"]
    rng = random.Random(7)

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))

    for _ in range(2000):
        config = SimpleNamespace(language=text(), title=text() or "T", author=rng.choice(["", text()]),
                                 absolute_url=lambda path: "https://me.github.io/blog/" + path)
        moment = datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=rng.randint(-5, 5))))
        post = SimpleNamespace(title=text(), description=rng.choice(["", text()]), author=rng.choice(["", text()]),
                               url_path=text(), tags=tuple(text() for _ in range(rng.randint(0, 3))), date=moment,
                               updated=rng.choice([None, moment + timedelta(days=3)]))
        item = SimpleNamespace(post=post, summary=text(), words=rng.randint(0, 10**6))
        site = SimpleNamespace(config=config)
        assert _json_ld(site, item) == script_json(json_ld_data(site, item))  # type: ignore[arg-type]
    post.tags, item.words = (2024, "ml"), 12.5  # not a string, not an int: json.dumps writes them
    assert _json_ld(site, item) == script_json(json_ld_data(site, item))  # type: ignore[arg-type]
    assert '"keywords":[2024,"ml"]' in _json_ld(site, item) and '"wordCount":12.5}' in _json_ld(site, item)  # type: ignore[arg-type]


def test_the_page_fingerprints_analysis_reuses_the_trees_compiling_the_theme_made(tmp_path: Path) -> None:
    """compile_theme's compiling keeps each template's tree; what the page fingerprints work out
    from them (a digest of the sources, whether `site` is read) is what parsing afresh gives."""
    import jinja2

    from generator.config import load_config
    from generator.website.pages import _TemplateFacts
    from generator.website.templates import compile_theme, create_environment

    make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS})
    config, _ = load_config(tmp_path / "blog")
    env = create_environment(config, {})
    compile_theme(env, then=lambda: None)
    names = sorted(env.parsed)
    assert {"base.html", "post.html", "index.html", "archive.html", "partials/post_list.html"} <= set(names)
    fresh = jinja2.Environment(loader=env.loader)
    kept, parsed = _TemplateFacts(env, "t", {}), _TemplateFacts(fresh, "t", {})
    assert [kept(name) for name in names] == [parsed(name) for name in names]
    assert kept("archive.html")[1] and not kept("post.html")[1]  # the archive reads `site`; a post page never


def test_a_search_document_is_the_sorted_json_of_its_data_written_out_directly() -> None:
    """search.json's documents are written out directly: for texts with quotes, backslashes,
    control characters, entities and emoji, the very text json.dumps gives of the same data."""
    import json
    import random
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from generator.website.feeds import search_document, search_document_data

    pieces = ["a", " ", '"', "\\", "</script>", "&amp;", "&#x003B7;", "\u2028", "\x00", "\x1f", "\n", "é", "😀"]
    rng = random.Random(11)

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))

    site = SimpleNamespace(config=SimpleNamespace(url=lambda path: "/blog/" + path))
    for number in range(2000):
        post = SimpleNamespace(title=text(), description=rng.choice(["", text()]), url_path=text(),
                               tags=tuple(text() for _ in range(rng.randint(0, 3))),
                               date=datetime(2020, 1 + number % 12, 2, tzinfo=UTC))
        item, body = SimpleNamespace(post=post, summary=text()), text()
        data = search_document_data(site, item, body)  # type: ignore[arg-type]
        expected = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert search_document(site, item, body) == expected  # type: ignore[arg-type]
    post.tags = (2024,)  # not a string: json.dumps writes it
    assert '"tags":[2024]' in search_document(site, item, body)  # type: ignore[arg-type]
