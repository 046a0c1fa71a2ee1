"""Front matter of `key: text` lines is read without PyYAML (content/plain_yaml.py), and means
exactly what PyYAML makes of it: checked here against PyYAML on every shape the fast path takes,
and on thousands of generated lines around its edges."""

from __future__ import annotations

import random

import pytest

from generator.content.front_matter import pyyaml_mapping, split_front_matter
from generator.content.plain_yaml import plain_mapping

TAKEN = [
    "title: Hello world",
    "title: It's a \"quoted\" word, (and) more! 100% [really] {yes} a-b_c/d?",
    "title: 'Single: quoted # not a comment'",
    'title: "Double: quoted # with \'single\' inside"',
    "title: Trailing spaces   ",
    "title: two  spaces inside, kept",
    "layout: post\ntitle: Two keys\n\nauthor: Ada",
    "title: A\n   \nsubtitle: B",
    "title: y\nname: n",  # single letters are text in YAML 1.1 (PyYAML), unlike yes/no
    "title: Nan\nother: Inf\nthird: e",
    "_private: x\nkebab-key: y",
]
REFUSED = [
    "",  # no mapping at all
    "   \n",
    "title: yes",  # a boolean
    "title: Off",
    "title: NULL",
    "on: x",  # a boolean key
    "title: 2024",  # a number
    "date: 2024-01-02",  # a date
    "title: a: b",  # a mapping inside
    "title: a #comment",
    "# a comment line\ntitle: A",
    "title: A\n  continued",  # a multi-line plain scalar
    "title: A\ntitle: B",  # a repeated key
    "title:",  # null
    "title:\tTab",
    "title: 'it''s'",  # an escaped quote
    'title: "a \\"b\\""',  # escapes
    "title: Caf\u00e9",  # not ASCII: PyYAML's business
    "tags: [a, b]",
    "title: &anchor A",
    "title: *alias",
    "title: !tag A",
    "title: |",
    "title: > folded",
    "title: -dash first",
    "key with space: A",
]


@pytest.mark.parametrize("source", TAKEN)
def test_a_block_of_text_lines_is_read_as_pyyaml_reads_it(source: str) -> None:
    assert plain_mapping(source) is not None
    assert plain_mapping(source) == pyyaml_mapping(source)


@pytest.mark.parametrize("source", REFUSED)
def test_any_other_block_goes_to_pyyaml(source: str) -> None:
    assert plain_mapping(source) is None


def test_generated_lines_agree_with_pyyaml_whenever_the_fast_path_takes_them() -> None:
    """Lines built from the characters and words at the edges (indicators, quotes, colons,
    spaces, YAML's special words): wherever plain_mapping answers, PyYAML answers the same."""
    rng = random.Random(7)
    pieces = ["a", "Z", "y", "no", "On", "null", "~", "0", "1.5", "e", ".", "-", "?", ":", "#", " ", "  ", "'", '"',
              "\\", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "%", "@", "`", "=", "<<", "\t", "x: y", " #c"]
    taken = 0
    for _ in range(4000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        quote = rng.choice(["", "", "'", '"'])
        source = f"{rng.choice(['title', 'x', 'on', 'a_b'])}: {quote}{value}{quote}"
        fast = plain_mapping(source)
        if fast is None:
            continue
        taken += 1
        assert fast == pyyaml_mapping(source), source
    assert taken > 400  # the generator reaches the fast path often, not only its refusals


def test_front_matter_of_text_lines_keeps_its_positions_and_body() -> None:
    meta, positions, body, line = split_front_matter("---\ntitle: T\n\nlayout: post\n---\nBody\n", "p.md")
    assert (meta, positions, body, line) == ({"title": "T", "layout": "post"}, {"title": (2, 1), "layout": (4, 1)},
                                             "Body\n", 6)


def test_the_fences_are_found_line_by_line_as_splitting_the_whole_text_found_them() -> None:
    """split_front_matter finds the fences from the top, line by line; for 20,000 random texts
    of fences, near-fences, blank and YAML lines, what the whole text split into lines gave."""
    import re

    from generator.content.front_matter import _fences

    fence = re.compile(r"^(?:---|\.\.\.)\s*$")

    def by_lines(text: str) -> tuple[str, str, int] | bool | None:
        lines = text.split("\n")
        if lines[0].rstrip() != "---":
            return None
        end = next((i for i in range(1, len(lines)) if fence.match(lines[i])), None)
        return False if end is None else ("\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end)

    pieces = ["---", "...", "--- ", "---\t", "title: x", "", " ", "a", "----", ".. .", "x: ---"]
    rng = random.Random(3)
    for _ in range(20000):
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) + rng.choice(["", "\n", "\n\n"])
        assert _fences(text) == by_lines(text), repr(text)
    assert split_front_matter("---\ntitle: T\n---\nBody\n", "p.md")[2:] == ("Body\n", 4)
