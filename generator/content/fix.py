"""`journey fix`: text pasted from other platforms made a post — front matter, paragraphs, mojibake.

Three repairs, each only where it is needed:

- **mojibake**: ftfy for the common kinds (UTF-8 read as Windows-1252 or Latin-1: `â€™`, `Ã©`),
  and the mixed kind ftfy leaves alone — UTF-8 read as Windows-1253 whose undefined bytes were
  taken as Windows-1252 (`πŸš€` for 🚀) — decoded back where a whole run of such characters is
  valid UTF-8;
- **paragraphs**: a *wall* (3 or more consecutive non-blank prose lines, 2 of them longer than
  100 characters — one paragraph per line, as Medium, LinkedIn and WordPress copies arrive) gets
  a blank line between its lines; code fences, front matter, and consecutive list items, table
  rows and quoted lines are kept together;
- **front matter**, when there is none: the title from a first `# heading` or a short first line
  (which leaves the body), else from the file name; the date from a `YYYY-MM-DD-` file-name
  prefix, else the file's modification time (as a UTC date).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, error

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_BLOCK_LINE = re.compile(r"^\s{0,3}(?:[-*+]\s|\d{1,9}[.)]\s|\||>|<)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_LONG = 100  # characters: longer than any hard-wrapped Markdown line
_WALL_LINES, _WALL_LONG = 3, 2
_TITLE_MAX = 90
_MARKDOWN = (".md", ".markdown", ".mkd", ".mkdn", ".qmd")
_LOST_QUOTE = ("\u00e2\u20ac\ufffd", "\u00e2\u20ac")  # "â€�", "â€": ” missing its last byte


@dataclass(frozen=True)
class Fix:
    """What `journey fix` would do to one file: its new text and what changed, in words."""

    text: str
    changes: tuple[str, ...]


def fix_text(text: str, name: str, mtime: float) -> Fix:
    """The fixed text of a post file called `name` (its modification time `mtime`)."""
    changes = []
    repaired, count = repair_mojibake(text)
    if count:
        changes.append(f"{count} mojibake sequence{'s' if count != 1 else ''} repaired")
    front, body = _split_front(repaired)
    fixed, walls = split_walls(body)
    if walls:
        changes.append(f"{walls} one-paragraph-per-line block{'s' if walls != 1 else ''} split into paragraphs")
    if front is None:
        fixed = _with_front_matter(fixed, name, mtime)
        changes.append("front matter added")
    return Fix((front or "") + fixed, tuple(changes))


def pasted_signs(body: str) -> list[str]:
    """What makes a post without front matter look pasted: a mojibake sample, a wall of lines."""
    signs = []
    sample = mojibake_sample(body)
    if sample:
        signs.append(f"mojibake such as '{sample}'")
    if any(is_prose and _is_wall(run) for run, is_prose in _runs(body.split("\n"))):
        signs.append("one paragraph per line")
    return signs


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


def split_walls(body: str) -> tuple[str, int]:
    """The body with a blank line between the lines of each wall, and how many walls there were."""
    lines = body.split("\n")
    out: list[str] = []
    walls = 0
    for run, is_prose in _runs(lines):
        if is_prose and _is_wall(run):
            walls += 1
            out.extend(_spread(run))
        else:
            out.extend(run)
    return "\n".join(out), walls


def _runs(lines: list[str]) -> list[tuple[list[str], bool]]:
    """Consecutive lines grouped: (lines, True) for non-blank prose outside code fences, else False."""
    runs: list[tuple[list[str], bool]] = []
    fence = ""
    for line in lines:
        opened = _FENCE.match(line)
        if fence:
            is_prose = False
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
        elif opened:
            fence, is_prose = opened.group(1), False
        else:
            is_prose = bool(line.strip())
        if runs and runs[-1][1] == is_prose:
            runs[-1][0].append(line)
        else:
            runs.append(([line], is_prose))
    return runs


def _is_wall(run: list[str]) -> bool:
    """Enough long prose lines (not list items, table rows, quotes or HTML) with no blank between."""
    long_prose = sum(len(line) > _LONG and not _marker(line) for line in run)
    return len(run) >= _WALL_LINES and long_prose >= _WALL_LONG and len(_spread(run)) > len(run)


def _spread(run: list[str]) -> list[str]:
    """A blank line between prose lines, and around (never inside) lists, tables and quotes; an
    indented line stays with the block above it."""
    out = [run[0]]
    block = _marker(run[0])
    for line in run[1:]:
        kind = _marker(line)
        if kind == " ":
            kind = block
        elif not kind or kind != block:
            out.append("")
        out.append(line)
        block = kind
    return out


def _marker(line: str) -> str:
    """What kind of line this is: '-', '*', '+', '1' (any number), '|', '>', '<' (HTML), ' ' (indented,
    so part of what is above) or '' for prose."""
    found = _BLOCK_LINE.match(line)
    kind = found.group(0).strip()[:1] if found else (" " if line[:1] in (" ", "\t") else "")
    return "1" if kind.isdigit() else kind


def _split_front(text: str) -> tuple[str | None, str]:
    """(the front matter with its fences, the body), or (None, text) when there is none."""
    if not text.startswith("---\n"):
        return None, text
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$\n?", text[4:], re.MULTILINE)
    if end is None:
        return None, text
    cut = 4 + end.end()
    return text[:cut], text[cut:]


def _with_front_matter(body: str, name: str, mtime: float) -> str:
    title, body = _take_title(body, name)
    named = _DATED.match(name)
    day = "-".join(named.groups()) if named else datetime.fromtimestamp(mtime, UTC).date().isoformat()
    quoted = title.replace("\\", "\\\\").replace('"', '\\"')
    return f'---\ntitle: "{quoted}"\ndate: {day}\n---\n' + body


def _take_title(body: str, name: str) -> tuple[str, str]:
    """The title (a first `# heading` or short first line, taken out of the body) and the body."""
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None:
        line = lines[first].strip()
        heading = line.startswith("# ")
        rest = lines[first + 1 :]
        if heading or (len(line) <= _TITLE_MAX and not _BLOCK_LINE.match(line) and not _FENCE.match(line)
                       and not _HEADING.match(line) and any(r.strip() for r in rest)):
            title = line[2:].strip().strip("#").strip() if heading else line
            while rest and not rest[0].strip():
                rest = rest[1:]
            return title, "\n" + "\n".join(rest)
    stem = _DATED.sub("", Path(name).stem)
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled", body


@dataclass(frozen=True)
class FileFix:
    """One post file's fix: the text as it is, as it would be, and what changes."""

    path: Path
    shown: str
    before: str
    after: str
    changes: tuple[str, ...]

    def diff(self) -> str:
        """A unified diff from the file to its fixed text ('' when there is nothing to fix)."""
        import difflib

        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.shown}", tofile=f"b/{self.shown}",
        ))


def fix_file(path: Path, shown: str) -> FileFix | Diagnostic:
    """Read one post file and work out its fix; a diagnostic when it cannot be read as a post."""
    if path.is_dir():
        return error(shown, 1, 1, "is a folder; 'journey fix' takes post files")
    if path.suffix.lower() not in _MARKDOWN:
        return error(shown, 1, 1, f"'journey fix' repairs Markdown posts ({', '.join(_MARKDOWN)}); "
                                  f"a '{path.suffix}' file is not one")
    try:
        data = path.read_bytes()
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return error(shown, 1, 1, "no such file")
    except OSError as exc:
        return error(shown, 1, 1, f"cannot read: {exc.strerror}")
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line, col = before.count(b"\n") + 1, exc.start - before.rfind(b"\n")
        return error(shown, line, col, "file is not valid UTF-8; 'journey fix' repairs UTF-8 text only "
                                       "(convert it first, e.g. iconv -f windows-1252 -t utf-8)")
    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    text = raw.removeprefix(bom).replace("\r\n", "\n")
    fixed = fix_text(text, path.name, mtime)
    if not fixed.changes:
        return FileFix(path, shown, raw, raw, ())
    if "\r\n" in raw:
        return FileFix(path, shown, raw, bom + fixed.text.replace("\n", "\r\n"), fixed.changes)
    return FileFix(path, shown, raw, bom + fixed.text, fixed.changes)


def write_fix(fix: FileFix) -> Diagnostic | None:
    """Write a fixed file in place (through a file beside it, renamed over it)."""
    import shutil  # `journey fix --write` only

    temporary = fix.path.with_name(f".{fix.path.name}.journey-fix")
    try:
        temporary.write_bytes(fix.after.encode("utf-8"))
        shutil.copymode(fix.path, temporary)
        temporary.replace(fix.path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        return error(fix.shown, 1, 1, f"cannot write: {exc.strerror}")
    return None
