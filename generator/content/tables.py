"""Numeric table columns: every cell of a column whose body cells are all numbers gets class
`num` (the theme right-aligns it with tabular figures), in Markdown tables and DataFrames alike."""

from __future__ import annotations

import re

_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.DOTALL)
_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# 1,234 · -0.5 · 1e-3 · 95% · −2 (a minus sign) · $3.50; NaN, inf or a dash are missing values
_FIGURE = r"[$€£]?[-+−]?(?:\d[\d,_\u202f]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?"
_NUMBER = re.compile(rf"^{_FIGURE}(?:\s*±\s*{_FIGURE})?$")  # a mean ± its spread counts too
_MISSING = {"", "nan", "NaN", "inf", "-inf", "—", "–", "-", "None", "&lt;NA&gt;", "NaT"}


def align_numbers(html: str) -> str:
    """`html` with the cells of its numeric table columns marked `class="num"`."""
    if "<table" not in html:
        return html
    return _TABLE.sub(lambda found: _mark_table(found.group(0)), html)


def _mark_table(table: str) -> str:
    if "colspan" in table or "rowspan" in table:  # columns can't be told apart by position: leave it
        return table
    body = table.split("<tbody", 1)[1] if "<tbody" in table else table
    columns: dict[int, list[str]] = {}
    for row in _ROW.finditer(body):
        for index, cell in enumerate(_CELL.finditer(row.group(0))):
            if cell.group(1) == "td":
                columns.setdefault(index, []).append(_TAG.sub("", cell.group(3)).strip())
    numeric = {index for index, texts in columns.items() if _is_numeric(texts)}
    if not numeric:
        return table
    return _ROW.sub(lambda row: _mark_row(row.group(0), numeric), table)


def _is_numeric(texts: list[str]) -> bool:
    present = [t for t in texts if t not in _MISSING]
    return bool(present) and all(_NUMBER.match(t) for t in present)


def _mark_row(row: str, numeric: set[int]) -> str:
    index = -1

    def mark(cell: re.Match[str]) -> str:
        nonlocal index
        index += 1
        tag, attributes, inner = cell.groups()
        if index not in numeric:
            return cell.group(0)
        if 'class="' in attributes:
            attributes = attributes.replace('class="', 'class="num ', 1)
        else:
            attributes += ' class="num"'
        return f"<{tag}{attributes}>{inner}</{tag}>"

    return _CELL.sub(mark, row)
