"""Settings: the [tool.journey] table → SiteConfig, every problem reported by key."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from generator.config import SiteConfig, load_config
from generator.errors import JourneyError
from generator.incremental.session import BuildSession


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # diagnostics name "pyproject.toml", relative to here
    return tmp_path


def settings(root: Path, table: str) -> None:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "blog"\n\n[tool.journey]\n' + table, encoding="utf-8"
    )


def problems(root: Path) -> list[str]:
    with pytest.raises(JourneyError) as caught:
        load_config(root)
    return [str(d) for d in caught.value.diagnostics]


def test_a_folder_without_settings_gets_the_defaults(root: Path) -> None:
    config, warnings = load_config(root)
    assert warnings == []
    assert config == SiteConfig(root=root)
    assert (config.title, config.base_url, config.posts_per_page) == ("My journey", "/", 10)


def test_a_pyproject_without_the_table_gets_the_defaults(root: Path) -> None:
    (root / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(root) == (SiteConfig(root=root), [])


def test_every_setting_is_read_and_typed(root: Path) -> None:
    settings(root, (
        'title = "Notes"\ndescription = "d"\nauthor = "Ada"\nbase_url = "https://a.github.io/r/"\n'
        'language = "fr"\ntimezone = "Europe/Paris"\nposts-per-page = 3\ncname = "x.org"\n'
        'key_packages = ["numpy"]\nphases = ["One", "Two"]\nexecute = "never"\n'
        '[tool.journey.extra]\nanalytics = false\n'
    ))
    config, warnings = load_config(root)
    assert warnings == []
    assert (config.title, config.author, config.language, config.cname) == ("Notes", "Ada", "fr", "x.org")
    assert (config.posts_per_page, config.execute, config.timezone) == (3, "never", "Europe/Paris")
    assert (config.key_packages, config.phases) == (("numpy",), ("One", "Two"))
    assert config.extra == {"analytics": False}


@pytest.mark.parametrize(
    ("base_url", "base_path", "site_url", "url", "absolute"),
    [
        ("https://a.github.io/repo/", "/repo/", "https://a.github.io/repo/", "/repo/posts/x/",
         "https://a.github.io/repo/posts/x/"),
        ("https://a.github.io/repo", "/repo/", "https://a.github.io/repo/", "/repo/posts/x/",
         "https://a.github.io/repo/posts/x/"),
        ("https://example.com", "/", "https://example.com/", "/posts/x/", "https://example.com/posts/x/"),
        ("/sub/", "/sub/", "", "/sub/posts/x/", "/sub/posts/x/"),
        ("/", "/", "", "/posts/x/", "/posts/x/"),
    ],
)
def test_urls_honour_the_base_path(
    root: Path, base_url: str, base_path: str, site_url: str, url: str, absolute: str
) -> None:
    config, _ = load_config(root, base_url=base_url)
    assert (config.base_path, config.site_url) == (base_path, site_url)
    assert (config.url("posts/x/"), config.url("/posts/x/")) == (url, url)
    assert config.absolute_url("posts/x/") == absolute


def test_the_base_url_argument_overrides_the_setting(root: Path) -> None:
    settings(root, 'base_url = "https://a.github.io/one/"\n')
    config, _ = load_config(root, base_url="https://b.github.io/two/")
    assert config.base_path == "/two/"


def test_an_unknown_setting_is_a_warning_at_its_key(root: Path) -> None:
    settings(root, 'title = "T"\n  colour = "blue"\n')
    config, warnings = load_config(root)
    assert config.title == "T"
    assert [str(d) for d in warnings] == ["pyproject.toml:6:3: warning: unknown setting 'colour'"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('posts_per_page = "ten"', "setting 'posts_per_page': expected an integer, got a string"),
        ("posts_per_page = 0", "setting 'posts_per_page': expected a positive integer, got 0"),
        ("posts_per_page = 2.5", "setting 'posts_per_page': expected an integer, got a number"),
        ("timeout = true", "setting 'timeout': expected an integer, got a boolean"),
        ("author = 3", "setting 'author': expected a string, got an integer"),
        ('key_packages = "numpy"', "setting 'key_packages': expected a list of strings, got a string"),
        ("phases = [1, 2]", "setting 'phases': expected a list of strings, got a list"),
        ('timezone = "Mars/Olympus"', "setting 'timezone': unknown time zone 'Mars/Olympus'"),
        ('execute = "sometimes"',
         "setting 'execute': expected one of auto, always, never, got 'sometimes'"),
        ('base_url = "ftp://host/"',
         "setting 'base_url': expected an http(s) URL or a path such as /repo/, got 'ftp://host/'"),
    ],
)
def test_a_bad_value_is_an_error_at_its_key(root: Path, line: str, message: str) -> None:
    settings(root, 'title = "T"\n' + line + "\n")
    assert problems(root) == [f"pyproject.toml:6:1: error: {message}"]


def test_every_bad_setting_is_reported_in_one_run_in_line_order(root: Path) -> None:
    settings(root, 'timezone = "Nowhere/Land"\nunknown = 1\nposts_per_page = "ten"\n')
    assert problems(root) == [
        "pyproject.toml:5:1: error: setting 'timezone': unknown time zone 'Nowhere/Land'",
        "pyproject.toml:6:1: warning: unknown setting 'unknown'",
        "pyproject.toml:7:1: error: setting 'posts_per_page': expected an integer, got a string",
    ]


def test_invalid_toml_is_an_error_at_its_place(root: Path) -> None:
    (root / "pyproject.toml").write_text('[tool.journey]\ntitle = "open\n', encoding="utf-8")
    assert problems(root) == ["pyproject.toml:2:14: error: invalid TOML: Illegal character '\\n'"]


def test_a_blog_outside_the_working_folder_is_named_in_full(tmp_path: Path) -> None:
    settings(tmp_path, "posts_per_page = -1\n")
    assert problems(tmp_path) == [
        (f"{tmp_path}/pyproject.toml:5:1: error: setting 'posts_per_page': "
         "expected a positive integer, got -1")
    ]


def test_the_settings_table_is_kept_by_its_text_and_comes_back_the_same(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build keeps the parsed TOML in its store (dates included); read back, it needs no TOML
    parser and gives the same settings. Another text is parsed again and replaces it."""
    settings(root, 'title = "T"\n[tool.journey.extra]\nsince = 2024-01-02\nat = 2024-01-02T03:04:05Z\n')
    session = BuildSession(root)
    first, _ = load_config(root, None, session.parse_toml)
    assert len(session.store.keys("toml")) == 1
    session.store.close()
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "tomllib", None)  # `import tomllib` fails: only the store can answer
        again, _ = load_config(root, None, BuildSession(root).parse_toml)
    assert again == first
    assert (type(again.extra["since"]), type(again.extra["at"])) == (date, datetime)
    settings(root, 'title = "Another"\n')
    session = BuildSession(root)
    assert load_config(root, None, session.parse_toml)[0].title == "Another"
    assert len(session.store.keys("toml")) == 1


def test_settings_holding_a_toml_time_of_day_are_parsed_every_time(root: Path) -> None:
    settings(root, 'title = "T"\n[tool.journey.extra]\nopens = 07:30:00\n')
    session = BuildSession(root)
    config, _ = load_config(root, None, session.parse_toml)
    assert str(config.extra["opens"]) == "07:30:00"
    assert session.store.keys("toml") == set()  # JSON has no times of day


def test_invalid_toml_is_never_stored_and_says_where_it_breaks(root: Path) -> None:
    (root / "pyproject.toml").write_text('[tool.journey]\ntitle = "open\n', encoding="utf-8")
    session = BuildSession(root)
    with pytest.raises(JourneyError) as caught:
        load_config(root, None, session.parse_toml)
    assert [str(d) for d in caught.value.diagnostics] == ["pyproject.toml:2:14: error: invalid TOML: Illegal character '\\n'"]
    assert session.store.keys("toml") == set()
