"""A bounded fuzz test of the build: front matter, Markdown bodies, file names and settings.

Hypothesis writes whole blogs (1-3 posts and a `[tool.journey]` table) and builds each through
`generator.cli.main`, the code the `journey` command runs. Whatever it writes, the build must
exit 0 or 1, never say "internal error" or show a traceback, give every diagnostic a
`path:line:col` that exists in the file it names, and write nothing outside the output folder
(and its own cache). The examples are derandomized, so every run tries the same ones: the
suite stays reproducible and bounded (MAX_EXAMPLES builds, well under a minute).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EPOCH, read_tree
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.content.post_fields import KNOWN_KEYS

MAX_EXAMPLES = 60
_DIAGNOSTIC = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?:error|warning): .+$")
_SUMMARY = re.compile(r"^journey: (built \d+ files|\d+ errors?; nothing was written|.* is up to date)")

# Markdown, Liquid and journey's shortcodes are made of these; letters and odd Unicode around them.
_SYNTAX = list("#*_[]()!<>{}%|`-:=\"'\\/.~^$@&\n\t ") + ["{%", "%}", "{{", "}}", "{{<", ">}}", "<!--", "-->",
                                                         "```", "$$", "[^1]", "<script>", "\r\n", "\x00", "\ufeff"]
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
body_parts = st.one_of(st.sampled_from(_SYNTAX), _text, st.sampled_from(
    ["{% highlight python %}x{% endhighlight %}", "{% raw %}{{ x }}{% endraw %}", "{% include nope.html %}",
     "{{ page.title }}", "{{< value x >}}", "{{< notebook >}}", "{% post_url nope %}", "[link](/posts/x/)",
     "| a | b |\n|---|---|\n| 1 | 2 |\n", "<!--more-->", "$x^2$", "- [ ] task\n"]))
bodies = st.lists(body_parts, max_size=30).map("".join)

_dates = st.builds(
    lambda y, m, d, h, offset: f"{y:04d}-{m:02d}-{d:02d}T{h:02d}:00:00{offset}",
    st.sampled_from([1, 2, 1969, 2024, 9998, 9999]), st.integers(1, 13), st.integers(0, 31), st.integers(0, 24),
    st.sampled_from(["", "Z", "+14:00", "-12:00", "+05:30", "+99:00"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True), _text, _dates,
                    st.dates(), st.sampled_from(["/", "..", "/../x/", ":year/:title", "a" * 300, "notebooks/x.ipynb",
                                                 "posts", ".", "ü/ß", "C++, C#", "auto", "never", "saved"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(_text, inner, max_size=3)), max_leaves=6)
keys = st.one_of(st.sampled_from(sorted(KNOWN_KEYS - {"notebook"})), _text)
front_matters = st.one_of(
    st.dictionaries(keys, values, max_size=6).map(lambda meta: yaml.safe_dump(meta, allow_unicode=True)),
    st.lists(st.sampled_from(_SYNTAX + ["title: x", "date: 2024-01-01", "  - a", "? k", "&a", "*a", "!!python/name:os"]),
             max_size=12).map("".join),  # text that is rarely valid YAML
)
file_names = st.tuples(
    st.one_of(st.just("2024-01-01-"), st.just(""), st.sampled_from(["2024-13-45-", "0000-00-00-", "9999-12-31-"])),
    st.text(alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1,
            max_size=40).filter(lambda s: s not in (".", "..") and len(s.encode()) < 200),
    st.sampled_from([".md", ".markdown", ".mkd", ".txt", ""]),
).map("".join)
posts = st.tuples(file_names, st.booleans(), front_matters, bodies)
_SETTING_VALUES = {
    "title": _text, "base_url": st.sampled_from(["/", "/repo/", "https://x.io/r/", "ftp://x", "//evil", ""]),
    "timezone": st.sampled_from(["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Mars/Base", ""]),
    "posts_per_page": st.integers(-1, 3), "permalink": st.sampled_from(["", "/:year/:title/", ":nope", "/../x"]),
    "summary_words": st.integers(-1, 5), "feed_entries": st.integers(-1, 3), "static_dir": st.sampled_from(
        ["static", "/etc", "posts", "."]), "excerpt_separator": st.sampled_from(["", "<!--more-->", "\n"]),
}
site_settings = st.dictionaries(st.sampled_from(sorted(_SETTING_VALUES)), st.none(), max_size=4).flatmap(
    lambda chosen: st.fixed_dictionaries({key: _SETTING_VALUES[key] for key in chosen}))


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """One folder for every example's blog (hypothesis cannot use function-scoped fixtures)."""
    folder = Path(tempfile.mkdtemp(prefix="journey-fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _write_blog(root: Path, chosen: list[tuple[str, bool, str, str]], table: dict[str, Any]) -> None:
    lines = ["[tool.journey]", *(f"{key} = {json.dumps(value)}" for key, value in table.items())]
    (root / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for index, (name, fenced, meta, body) in enumerate(chosen):
        folder = root / "posts" / f"p{index}"
        folder.mkdir(parents=True)
        text = f"---\n{meta}---\n{body}" if fenced else f"{meta}{body}"
        (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))


def _check_location(root: Path, line: str) -> None:
    found = _DIAGNOSTIC.match(line)
    assert found, f"not a path:line:col diagnostic: {line!r}"
    path, row, col = Path(found["path"]), int(found["line"]), int(found["col"])
    assert row >= 1 and col >= 1, line
    if path.is_file() and path.is_relative_to(root):
        text = path.read_bytes().decode("utf-8", "replace")
        rows = text.split("\n")
        assert row <= max(len(rows), 1), f"line {row} of {len(rows)}: {line!r}"
        assert col <= len(rows[row - 1]) + 2, f"column {col} on a line of {len(rows[row - 1])}: {line!r}"


# No shrinking: it can take minutes, and the failing blog is printed whole anyway.
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chosen=st.lists(posts, min_size=1, max_size=3), table=site_settings)
def test_any_blog_builds_or_fails_cleanly(workspace: Path, chosen: list[tuple[str, bool, str, str]],
                                          table: dict[str, Any]) -> None:
    root = Path(tempfile.mkdtemp(dir=workspace))
    blog = root / "blog"
    blog.mkdir()
    _write_blog(blog, chosen, table)
    before = {name: data for name, data in read_tree(root).items()}
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(err):
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        try:
            code = main(["build", "--source", str(blog), "--jobs", "1"])
        finally:
            gc.enable()  # the one-shot command turns the collector off; this process lives on
    lines = err.getvalue().splitlines()  # any line break inside a diagnostic splits it here, and fails
    assert code in (0, 1), err.getvalue()
    assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue(), err.getvalue()
    assert lines and _SUMMARY.match(lines[-1]), err.getvalue()
    for line in lines[:-1]:
        if not line.startswith("journey: "):  # progress lines
            _check_location(root, line)
    after = read_tree(root)
    outside = {name for name in before.keys() | after.keys()
               if not name.startswith(("blog/site/", "blog/.journey-cache/")) and before.get(name) != after.get(name)}
    assert not outside, f"written outside the output folder: {sorted(outside)}"
    shutil.rmtree(root)
