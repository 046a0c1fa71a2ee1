"""A cap on the text a code cell shows on its page: a cell printing 50 MB must not make a 50 MB page.

The page keeps the beginning and the end of the cell's text (a training log's last lines are the
result) with a note between them; the downloadable executed notebook keeps all of it.
"""

from __future__ import annotations

from typing import Any

from .nbtext import joined

TEXT_CAP = 50_000  # characters of stream, traceback and plain-text output per cell on the page
_EDGE = TEXT_CAP // 2
_NOTE = "\n… {:,} characters of this cell's output are left out here; the downloadable notebook has all of them …\n"


def capped_text(outputs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """A cell's outputs with their text cut to TEXT_CAP characters in all, and the warning to give
    ('' when nothing was cut). Images and HTML are left as they are."""
    texts = [_text_of(output) for output in outputs]
    total = sum(map(len, texts))
    if total <= TEXT_CAP:
        return outputs, ""
    cut_from, cut_to = _EDGE, total - _EDGE  # the cell's text between these is left out
    kept: list[dict[str, Any]] = []
    at = 0  # where this output's text starts in the cell's text
    for output, text in zip(outputs, texts, strict=True):
        begins, at = at, at + len(text)
        if not text or at <= cut_from or begins >= cut_to:
            kept.append(output)  # no text, or all of it kept
            continue
        head = text[: max(0, cut_from - begins)]
        tail = text[max(0, cut_to - begins) :]
        note = _NOTE.format(total - TEXT_CAP) if begins <= cut_from < at else ""
        if head or note or tail:
            kept.append(_with_text(output, head + note + tail))
    message = (f"the cell printed {total:,} characters; its page shows the first and the last "
               f"{_EDGE:,} (the downloadable notebook has all of them)")
    return kept, message


def _text_of(output: dict[str, Any]) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return joined(output.get("text", ""))
    if kind == "error":
        return "\n".join(output.get("traceback", []))
    if kind in ("display_data", "execute_result") and set(output.get("data", {})) == {"text/plain"}:
        return joined(output["data"]["text/plain"])
    return ""


def _with_text(output: dict[str, Any], text: str) -> dict[str, Any]:
    if output.get("output_type") == "stream":
        return {**output, "text": text}
    if output.get("output_type") == "error":
        return {**output, "traceback": text.split("\n")}
    return {**output, "data": {"text/plain": text}}
