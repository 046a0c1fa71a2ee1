"""Notebook side of values in prose: `glue(name, value)` publishes a value a post can insert."""

from __future__ import annotations

from typing import Any

VALUE_MIME = "application/vnd.journey.value+json"


def glue(name: str, value: Any) -> None:
    """Publish `value` as `name`; the post inserts it with {{< value name >}}; never shown."""
    from IPython.display import display  # present in every IPython kernel

    plain = _plain(value)
    bundle = {VALUE_MIME: {"name": name, "value": plain}, "text/plain": f"{name} = {plain!r}"}
    display(bundle, raw=True)


def _plain(value: Any) -> Any:
    """NumPy scalars and arrays become Python values, so the bundle is plain JSON."""
    if hasattr(value, "tolist") and callable(value.tolist):
        return value.tolist()
    return value
