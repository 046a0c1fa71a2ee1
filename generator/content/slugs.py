"""URL slugs: the one rule for posts, tags and categories."""

from __future__ import annotations

import re
import unicodedata

# Words of ASCII letters and digits, one space or hyphen apart: what python-slugify makes of
# them is known (lowercase, joined by '-'), and most file names and tags are such words, so
# most builds need not load it (~12 ms).
_PLAIN = re.compile(r"[A-Za-z0-9]+(?:[ -][A-Za-z0-9]+)*")


def slugify(text: str) -> str:
    """Lowercase words joined by '-', never a path separator. Latin letters become ASCII
    ('Café' → 'cafe', 'Straße' → 'strasse'), as ASCII-only URLs had them; every other script
    keeps its own letters ('Нейронные сети' → 'нейронные-сети', '深度学习入门' stays), which its
    readers can read, where a transliteration ('shen-du-xue-xi-ru-men') reads as nothing."""
    if _PLAIN.fullmatch(text):
        return text.lower().replace(" ", "-")
    from slugify import slugify as _python_slugify

    text = _latin_as_ascii(unicodedata.normalize("NFKC", text))
    # Commas become separators first: python-slugify would join "1,000" into "1000", and
    # today's URLs have "1-000". HTML entities are text here, not markup.
    return _python_slugify(text, allow_unicode=True, entities=False, decimal=False, hexadecimal=False,
                           replacements=[[",", "-"]], algorithm="modern")


def _latin_as_ascii(text: str) -> str:
    letters: list[str] = []
    for char in text:
        if char.isascii():
            letters.append(char)
        elif unicodedata.name(char, "").startswith("LATIN "):
            from text_unidecode import unidecode

            letters.append(unidecode(char))
        elif unicodedata.combining(char) and letters and letters[-1].isascii():
            continue  # an accent left on a Latin letter NFKC could not compose ('q̃')
        else:
            letters.append(char)
    return "".join(letters)
