"""Citations: a post's `.bib` files read with pybtex, in-text citations and the reference list.

In-text citations are author–date, as Pandoc's default style writes them: "(Vaswani et al.
2017, p. 3)", or "Vaswani et al. (2017)" for a bare `@key`. The reference list is pybtex's
`plain` style rendered to HTML, which links each entry's DOI, arXiv id and URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import display_path
from ..errors import Diagnostic, error

_PROTECTED = re.compile(r'<span class="bibtex-protected">([^<]*)</span>')


@dataclass(frozen=True)
class CitedItem:
    """One key of a citation, as written: `[see -@key, p. 3]` is prefix 'see', suppressed, 'p. 3'."""

    key: str
    prefix: str = ""
    locator: str = ""
    suppress_author: bool = False


class Bibliography:
    """The entries of a post's `.bib` files, found by key (BibTeX keys ignore case)."""

    def __init__(self, entries: dict[str, Any], shown: str) -> None:
        self.entries = entries  # lowercased key → pybtex Entry
        self.shown = shown  # the files, as diagnostics name them

    def find(self, key: str) -> Any:
        return self.entries.get(key.lower())

    def in_text(self, items: Sequence[CitedItem], *, bracketed: bool) -> str:
        """The HTML of one citation (every key in it known)."""
        parts = []
        for item in items:
            entry = self.find(item.key)
            names, year = _names(entry), html.escape(_field(entry, "year") or "n.d.")
            href = f'href="#{reference_id(item.key)}"'
            if bracketed:
                text = year if item.suppress_author or not names else f"{names} {year}"
                text = " ".join(filter(None, [html.escape(item.prefix), f"<a {href}>{text}</a>"]))
                parts.append(text + (f", {html.escape(item.locator)}" if item.locator else ""))
            else:
                locator = f", {html.escape(item.locator)}" if item.locator else ""
                shown = f"({year}{locator})" if names and not item.suppress_author else f"{year}{locator}"
                parts.append(f"<a {href}>{names} {shown}</a>" if names and not item.suppress_author
                             else f"<a {href}>{shown}</a>")
        inner = "; ".join(parts)
        return f'<span class="citation">{"(" + inner + ")" if bracketed else inner}</span>'

    def reference_list(self, keys: Sequence[str]) -> str:
        """The reference list of the cited keys, sorted as pybtex's plain style sorts them."""
        from pybtex.backends.html import Backend

        items = [f'<li id="{reference_id(key)}">{_unprotected(text)}</li>' for key, text in self._formatted(keys, Backend())]
        return ('<section class="references" aria-labelledby="references">\n<h2 id="references">References</h2>\n'
                '<ol class="reference-list">\n' + "\n".join(items) + "\n</ol>\n</section>\n")


    def reference_text(self, keys: Sequence[str]) -> str:
        """The reference list as Markdown (for the post's Markdown copy)."""
        from pybtex.backends.markdown import Backend

        entries = self._formatted(keys, Backend())
        # pybtex escapes every full stop; inside a list item none of them can start a list
        return "\n".join(f"{n}. {text.replace(chr(92) + '.', '.')}" for n, (_, text) in enumerate(entries, 1))

    def _formatted(self, keys: Sequence[str], backend: Any) -> list[tuple[str, str]]:
        from pybtex.style.formatting.plain import Style

        chosen = [self.find(key) for key in dict.fromkeys(k.lower() for k in keys)]
        return [(formatted.key.lower(), " ".join(formatted.text.render(backend).split()))
                for formatted in Style().format_entries(chosen)]


def reference_id(key: str) -> str:
    """The id of a key's entry in the reference list."""
    return "ref-" + re.sub(r"[^\w.-]", "-", key.lower())


def load_bibliography(paths: Sequence[Path]) -> tuple[Bibliography | None, list[Diagnostic]]:
    """The entries of the `.bib` files (a key in two files: the first wins), or the syntax
    errors found in them, at their line."""
    from pybtex.database import parse_string
    from pybtex.exceptions import PybtexError
    from pybtex.scanner import PybtexSyntaxError

    entries: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    for path in paths:
        shown = display_path(path)
        try:
            data = parse_string(path.read_text(encoding="utf-8"), "bibtex")
        except PybtexSyntaxError as exc:
            message = re.sub(r"^syntax error in line \d+: ", "", str(exc))
            problems.append(error(shown, exc.lineno or 1, 1, f"bad BibTeX: {message}"))
            continue
        except PybtexError as exc:
            problems.append(error(shown, 1, 1, f"bad BibTeX: {exc}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(error(shown, 1, 1, f"cannot read the bibliography: {exc}"))
            continue
        for key, entry in data.entries.items():
            entries.setdefault(key.lower(), entry)
    if problems:
        return None, problems
    return Bibliography(entries, ", ".join(display_path(p) for p in paths)), []


def _unprotected(text: str) -> str:
    """pybtex wraps BibTeX's {braces} (kept capitals, accents) in spans that mean nothing to a reader."""
    while True:
        plain = _PROTECTED.sub(r"\1", text)
        if plain == text:
            return text
        text = plain


def _names(entry: Any) -> str:
    """'Vaswani', 'He and Zhang', 'Vaswani et al.': the authors (else editors) by last name."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [html.escape(_plain(" ".join(person.prelast_names + person.last_names))) for person in people]
    if len(last) > 2:
        return f"{last[0]} et al."
    return " and ".join(last)


def _field(entry: Any, name: str) -> str:
    return _plain(entry.fields.get(name, ""))


def _plain(latex: str) -> str:
    """BibTeX text without its braces and accents' markup: '{Adam}' → 'Adam'."""
    import codecs

    import latexcodec  # noqa: F401 - registers the 'ulatex' codec (a pybtex dependency)

    return codecs.decode(latex, "ulatex").replace("{", "").replace("}", "") if latex else ""
