"""Slugs: one rule for posts, tags and categories; today's ASCII URLs unchanged; every script readable."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from conftest import make_blog, post, run_journey
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content.slugs import slugify
from generator.website.assemble import term_slug

# The URLs this repository's blog and the golden sample blog have today: none may move.
TODAYS_URLS = [
    # posts, by the name in their file
    ("the-journey-starts", "the-journey-starts"),
    ("linear-regression-from-the-math", "linear-regression-from-the-math"),
    ("backprop-by-hand", "backprop-by-hand"),
    ("a-spam-detector", "a-spam-detector"),
    ("sentiment-beyond-bag-of-words", "sentiment-beyond-bag-of-words"),
    ("cnn-on-digits", "cnn-on-digits"),
    ("forecasting-energy-load", "forecasting-energy-load"),
    ("from-notebook-to-service", "from-notebook-to-service"),
    ("monitoring-drift", "monitoring-drift"),
    ("int8-quantization", "int8-quantization"),
    ("document-qa-over-this-blog", "document-qa-over-this-blog"),
    ("first-plot", "first-plot"),
    ("hello-world", "hello-world"),
    ("jekyll-import", "jekyll-import"),
    ("linear-models", "linear-models"),
    ("untitled-notes", "untitled-notes"),
    # categories
    ("Classical ML", "classical-ml"),
    ("Deep learning", "deep-learning"),
    ("Foundations", "foundations"),
    ("Production", "production"),
    ("General", "general"),
    # tags
    ("tf-idf", "tf-idf"),
    ("scikit-learn", "scikit-learn"),
    ("torch-export", "torch-export"),
    ("int8", "int8"),
    ("naive-bayes", "naive-bayes"),
    ("PyTorch", "pytorch"),
    ("ML", "ml"),
    # titles `journey new` has been given
    ("Hello, World!", "hello-world"),
    ("PyTorch 2.0 — tips", "pytorch-2-0-tips"),
    ("1,000 posts later", "1-000-posts-later"),
    ("Don't panic", "don-t-panic"),
    ("C++ & CUDA", "c-cuda"),
    ("snake_case names", "snake-case-names"),
    ("fish &amp; chips", "fish-amp-chips"),
    ("../../etc/passwd", "etc-passwd"),
    ("  --a--b--  ", "a-b"),
    ("Café crème", "cafe-creme"),
    ("naïve Bayes", "naive-bayes"),
]

NON_ASCII = [
    ("Нейронные сети", "нейронные-сети"),
    ("深度学习入门", "深度学习入门"),
    ("日本語", "日本語"),
    ("Straße", "strasse"),
    ("Über Größe", "uber-grosse"),
    ("Ørsted", "orsted"),
    ("Ελληνικά", "ελληνικά"),
    ("한국어 딥러닝", "한국어-딥러닝"),
    ("हिन्दी भाषा", "हिन्दी-भाषा"),  # the virama is part of the word, not a break
    ("PyTorch 日本語", "pytorch-日本語"),
    ("rocket 🚀 launch", "rocket-launch"),
]


def _todays_rule(text: str) -> str:
    """The rule journey had before python-slugify: ASCII letters and digits only."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.mark.parametrize(("name", "slug"), TODAYS_URLS)
def test_todays_urls_keep_their_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert term_slug(name) == slug  # tags and categories follow the same rule


@pytest.mark.parametrize(("name", "slug"), NON_ASCII)
def test_every_script_gets_a_readable_slug(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert term_slug(name) == slug


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_ascii_text_slugs_as_before(text: str) -> None:
    assert slugify(text) == _todays_rule(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_a_slug_is_stable_and_never_a_path(text: str) -> None:
    slug = slugify(text)
    assert "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert slugify(slug) == slug  # a slug given back as `slug:` keeps its URL


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A blog whose posts `journey new` made from Cyrillic, CJK, German and French titles, built."""
    root = make_blog(tmp_path_factory.mktemp("slugs"), {
        "pyproject.toml": '[tool.journey]\ntitle = "Slugs"\nbase_url = "https://example.org/"\n',
        "posts/2025-01-01-existing.md": post("Existing", "2025-01-01", tags="[Нейросети, 機械学習, Straße]",
                                             categories="[Глубокое обучение]"),
    })
    for title, tags in [("Нейронные сети", "Нейросети"), ("深度学习入门", "機械学習"), ("Straße und Größe", "Straße"),
                        ("Crème brûlée", "")]:
        code, _, err = run_journey("new", title, "--tags", tags, cwd=root)
        assert code == 0, err
    code, _, err = run_journey("build", cwd=root)
    assert code == 0, err
    return root


def test_non_ascii_titles_make_posts(blog: Path) -> None:
    names = sorted(p.name[len("2026-01-01-"):] for p in (blog / "posts").glob("2026-*.md"))
    assert names == sorted(["creme-brulee.md", "strasse-und-grosse.md", "深度学习入门.md", "нейронные-сети.md"])
    for slug in ("нейронные-сети", "深度学习入门", "strasse-und-grosse", "creme-brulee"):
        assert (blog / "site" / "posts" / slug / "index.html").is_file(), slug


def test_tags_and_categories_use_the_post_rule(blog: Path) -> None:
    for page in ("tags/нейросети/index.html", "tags/機械学習/index.html", "tags/strasse/index.html",
                 "categories/глубокое-обучение/index.html"):
        assert (blog / "site" / page).is_file(), page
    tagged = (blog / "site" / "tags" / "нейросети" / "index.html").read_text(encoding="utf-8")
    assert "Нейронные сети" in tagged and "Existing" in tagged


def test_the_site_with_non_ascii_urls_passes_check(blog: Path) -> None:
    code, _, err = run_journey("check", cwd=blog)
    assert code == 0, err


def test_plain_words_take_the_short_way_to_the_same_slug() -> None:
    """ASCII words one space or hyphen apart skip python-slugify; what they get is what it gives."""
    import random
    import string
    import unicodedata

    from slugify import slugify as python_slugify

    from generator.content import slugs

    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    names = ["TensorFlow", "GPT2", "ResNet50", "Deep learning", "x86 64", "ML-Ops", "0x1f", "1e10", "a-" * 150 + "b"]
    for _ in range(3000):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(rng.randint(1, 4))]
        names.append("".join(word + rng.choice(" -") for word in words)[:-1])
    for name in names:
        assert slugs._PLAIN.fullmatch(name), name
        long_way = python_slugify(slugs._latin_as_ascii(unicodedata.normalize("NFKC", name)), allow_unicode=True,
                                  entities=False, decimal=False, hexadecimal=False, replacements=[[",", "-"]],
                                  algorithm="modern")
        assert slugify(name) == long_way, name
    for other in ("Café", "1,000 steps", "a  b", "-lead", "trail-", "C++", "Нейронные сети"):
        assert not slugs._PLAIN.fullmatch(other), other
