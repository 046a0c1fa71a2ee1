"""`journey fix`: text pasted from other platforms made a post — front matter, paragraphs, mojibake.

Three repairs, each only where it is needed:

- **mojibake**: ftfy for the common kinds and the mixed Windows-1253/1252 kind ftfy leaves
  alone (mojibake.py);
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import Diagnostic, error
from .mojibake import mojibake_sample, repair_mojibake

_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_BLOCK_LINE = re.compile(r"^\s{0,3}(?:[-*+]\s|\d{1,9}[.)]\s|\||>|<)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_LONG = 100  # characters: longer than any hard-wrapped Markdown line
_WALL_LINES, _WALL_LONG = 3, 2
_TITLE_MAX = 90
_MARKDOWN = (".md", ".markdown", ".mkd", ".mkdn", ".qmd")


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
