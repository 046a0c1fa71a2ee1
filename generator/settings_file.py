"""pyproject.toml as text: its `[tool.journey]` table, and where in the file a setting is
written, so that a problem with a setting points at its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import JourneyError, error
from .files import display_path


def settings_table(text: str, shown: str, parse_toml: Callable[[str], dict[str, Any]] | None) -> dict[str, Any] | None:
    """pyproject.toml's [tool.journey] table, None when it has none."""
    if parse_toml is None:
        import tomllib  # ~9 ms: a build with nothing changed never gets here

        parse_toml = tomllib.loads
    try:
        table = parse_toml(text).get("tool", {}).get("journey")
    except ValueError as exc:  # tomllib.TOMLDecodeError
        line, col = _toml_position(str(exc))
        raise JourneyError(error(shown, line, col, f"invalid TOML: {_toml_message(str(exc))}")) from None
    except AttributeError:  # [tool] is not a table
        table = False
    if table is None:
        return None
    if not isinstance(table, dict):
        raise JourneyError(error(shown, 1, 1, "[tool.journey] must be a table of settings"))
    return table


def setting_location(root: Path, key: str) -> tuple[str, int, int]:
    """Where a setting is written: (pyproject.toml as shown, line, col), for a problem found late."""
    path = root / "pyproject.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return (display_path(path), *key_position(text, key))


def key_position(text: str, key: str) -> tuple[int, int]:
    """Line and column of `key = ` inside the [tool.journey] table, (0, 0) if not found."""
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped == "[tool.journey]"
            continue
        if in_table and stripped.split("=", 1)[0].strip() == key:
            return number, line.index(key) + 1
    return 0, 0


def _toml_position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def _toml_message(message: str) -> str:
    return message.split(" (at line")[0]
