"""The front matter most posts have, `key: text` lines and nothing else, read without PyYAML.

A block made only of such lines means the same to PyYAML every time: a mapping of strings to
strings. The value is a plain scalar that begins with a letter and holds no `:` or `#` (so it
cannot be a number, a date, a comment or a nested mapping), or a quoted one without escapes,
and neither key nor value is a word YAML 1.1 reads as a boolean or null (`yes`, `off`, `null`).
Any other block, a blank one included, is None here and goes to PyYAML. Composing PyYAML's node
tree (for the keys' positions) costs ~60 µs a post; this, ~5 µs: a fifth of reading the public
markdown benchmark's title-only posts.
"""

from __future__ import annotations

import re

# Printable ASCII only: YAML counts some other characters as line breaks (U+0085, U+2028).
_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*):"  # the key
    r" +(?:([A-Za-z](?:[ -\"$-9;-~]*[!-\"$-9;-~])?)"  # a plain value: no ':' or '#', no space at the end
    r"|'([ -&(-~]*)'"  # single-quoted, no '' inside
    r"|\"([ !#-\[\]-~]*)\")"  # double-quoted, no escapes
    r" *"
)
_NOT_TEXT = frozenset({"yes", "no", "true", "false", "on", "off", "null"})  # YAML 1.1's booleans and null


def plain_mapping(source: str) -> tuple[dict[str, str], dict[str, tuple[int, int]]] | None:
    """(value, line and column of each key in the post file) of a front-matter block of
    `key: text` lines, as `front_matter.parse_yaml` gives it; None for any other block."""
    meta: dict[str, str] = {}
    positions: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(source.split("\n")):
        if not line or line.isspace():
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        key, plain, single, double = match.groups()
        if key in meta or key.lower() in _NOT_TEXT:
            return None
        if plain is not None and plain.lower() in _NOT_TEXT:
            return None
        meta[key] = plain if plain is not None else single if single is not None else double
        positions[key] = (number + 2, 1)  # the block begins on the file's second line
    return (meta, positions) if meta else None
