"""Mojibake repaired: ftfy for the common kinds (UTF-8 read as Windows-1252 or Latin-1: `â€™`,
`Ã©`), and the mixed kind ftfy leaves alone — UTF-8 read as Windows-1253 whose undefined bytes
were taken as Windows-1252 (`πŸš€` for 🚀) — decoded back where a whole run of such characters
is valid UTF-8 (see `journey fix`, fix.py)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_LOST_QUOTE = ("\u00e2\u20ac\ufffd", "\u00e2\u20ac")  # "â€�", "â€": ” missing its last byte


def repair_mojibake(text: str) -> tuple[str, int]:
    """`text` with mojibake decoded back, and how many runs of characters changed."""
    count = 0
    pieces = []
    last = 0
    for match in _NON_ASCII.finditer(text):
        fixed = _repair_run(match.group(0))
        if fixed != match.group(0):
            count += 1
            pieces.append(text[last : match.start()] + fixed)
            last = match.end()
    return "".join(pieces) + text[last:], count


def mojibake_sample(text: str) -> str | None:
    """The first run of characters that `repair_mojibake` would change, if any. Cheap for text
    without mojibake: ftfy's own test of the whole text comes before any run is fixed."""
    runs = [match.group(0) for match in _NON_ASCII.finditer(text)]
    if not runs:
        return None
    import ftfy.badness

    if not ftfy.badness.is_bad(text) and all(_unmix(run) == run for run in runs):
        return None
    return next((run for run in runs if _repair_run(run) != run), None)


def _repair_run(run: str) -> str:
    """One run of non-ASCII characters repaired: the mixed kind, else ftfy's. A run ending in `â€`
    (or `â€�`) is a closing ” whose last byte, 0x9D, Windows-1252 lacks and the copy dropped."""
    for lost in _LOST_QUOTE:
        if run.endswith(lost):
            head = run[: -len(lost)]
            return (_repair_run(head) if head else "") + "\u201d"
    fixed = _unmix(run)
    return fixed if fixed != run else _ftfy(run)


def _unmix(run: str) -> str:
    """A run of UTF-8 bytes shown as Windows-1253, undefined bytes as Windows-1252 (or as the C1
    control of the same number), decoded back; the run unchanged unless it is wholly such bytes,
    has a character Windows-1252 lacks (the rest is ftfy's kind), and decodes to printable text."""
    to_byte, in_1252 = _mixed_table()
    if len(run) < 2 or to_byte.get(run[0], 0) < 0xC2 or not 0x80 <= to_byte.get(run[1], 0) < 0xC0:
        return run  # not a UTF-8 lead byte and a continuation byte: ordinary Greek or Latin text
    if all(char in in_1252 for char in run):
        return run  # ftfy's kind
    try:
        decoded = bytes(to_byte[char] for char in run).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return run
    if any(unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs") for c in decoded):
        return run
    return decoded


@lru_cache(maxsize=1)
def _mixed_table() -> tuple[dict[str, int], frozenset[str]]:
    """The byte behind each character of the mixed reading (Windows-1253, else Windows-1252, else
    the C1 control), and the characters Windows-1252 has."""
    to_byte: dict[str, int] = {}
    in_1252: set[str] = set()
    for byte in range(0x80, 0x100):
        for codec in ("cp1253", "cp1252"):
            try:
                char = bytes([byte]).decode(codec)
            except UnicodeDecodeError:
                continue
            to_byte.setdefault(char, byte)
            if codec == "cp1252":
                in_1252.add(char)
        if byte < 0xA0:
            to_byte.setdefault(chr(byte), byte)
    return to_byte, frozenset(in_1252)


def _ftfy(run: str) -> str:
    import ftfy  # ~0.2 s of imports: paid by `journey fix` and by posts without front matter only

    return ftfy.fix_text(run, _ftfy_config())


@lru_cache(maxsize=1)
def _ftfy_config() -> Any:
    import ftfy

    # Mojibake only: quotes stay curly, widths, ligatures, entities and normalisation as written.
    return ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, fix_latin_ligatures=False,
                                unescape_html=False, normalization=None, explain=False)
