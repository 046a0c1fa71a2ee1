"""Diagnostics: where a problem is, what it is, and the one exception the CLI catches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class SourceLocation:
    """A place in a source file; line and column are 1-based, 0 when unknown."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        # Always path:line:col, so editors and CI annotators can parse every line; a problem
        # with a whole file (or folder) is placed at its start.
        return f"{self.path}:{self.line or 1}:{self.col or 1}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found by a stage; `severity` is "error" or "warning"."""

    location: SourceLocation
    severity: str
    message: str

    def __str__(self) -> str:
        return _one_line(f"{self.location}: {self.severity}: {self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def in_order(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """`sorted(diagnostics)`, by a key made once for each: the order the dataclass's own
    comparisons give, without building two tuples per comparison (4,000 warnings of undated
    posts are sorted by every build, twice)."""
    return sorted(diagnostics, key=_place)


def _place(d: Diagnostic) -> tuple[str, int, int, str, str]:
    where = d.location
    return where.path, where.line, where.col, d.severity, d.message


# Characters that end a line for some reader (str.splitlines, editors, CI annotators) or
# control a terminal: a file named with one must not split or garble its diagnostic.
_UNPRINTABLE = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, 0x85) if code != 0x09}
_UNPRINTABLE.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def _one_line(text: str) -> str:
    """A diagnostic as exactly one printable line: control characters written as escapes."""
    return text.translate(_UNPRINTABLE)


def error(path: str | Path, line: int, col: int, message: str) -> Diagnostic:
    """An error diagnostic at path:line:col."""
    return Diagnostic(SourceLocation(str(path), line, col), "error", message)


def warning(path: str | Path, line: int, col: int, message: str) -> Diagnostic:
    """A warning diagnostic at path:line:col."""
    return Diagnostic(SourceLocation(str(path), line, col), "warning", message)


class JourneyError(Exception):
    """The one exception the CLI catches: carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[JourneyError], tuple[list[Diagnostic]]]:
        return JourneyError, (self.diagnostics,)  # from a worker process, diagnostics and all


class UsageError(Exception):
    """A command-line usage problem: exit status 2."""
