"""Front matter and settings already parsed, from the build store, so a prose edit needs no
YAML or TOML parser (importing PyYAML costs ~20 ms, a tenth of a one-post rebuild)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from .store import Store

FORMAT = "yaml-1"
TOML_FORMAT = "toml-1"
_NOT_JSON = object()  # what _encode() returns for a value JSON cannot carry exactly


class StoredYaml:
    """`content.front_matter.parse_yaml`, remembered by the YAML text's digest. A value JSON
    cannot carry exactly (a non-string key, a set, bytes) is parsed every time."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.used: set[str] = set()  # the keys this build looked up or stored
        self._stored: set[str] | None = None  # every stored key, once many reads are expected

    def expect(self, reads: int) -> None:
        """Many posts are about to be read (a first build, say): list the stored keys once, so a
        block that is not stored costs no lookup."""
        if reads > 64 and self._stored is None:
            self._stored = self.store.keys("yaml")

    def __call__(self, source: str) -> tuple[Any, dict[str, tuple[int, int]]]:
        from ..content.front_matter import pyyaml_mapping
        from ..content.plain_yaml import plain_mapping

        simple = plain_mapping(source)  # quicker than a lookup: never stored
        if simple is not None:
            return simple
        key = hashlib.sha256(source.encode("utf-8")).hexdigest()
        self.used.add(key)
        maybe = self._stored is None or key in self._stored
        known = self.store.get_json("yaml", key, FORMAT, _valid) if maybe else None
        if known is not None:
            return _decode(known[0]), {name: (line, col) for name, (line, col) in known[1].items()}
        meta, positions = pyyaml_mapping(source)  # a YAML error is raised, never stored
        encoded = _encode(meta)
        if encoded is not _NOT_JSON:  # in a read worker, by the worker's own connection
            self.store.local().put("yaml", key, FORMAT, json.dumps([encoded, positions], sort_keys=True).encode("utf-8"))
        return meta, positions

    # Reading in forked workers (content.sources.read_files): each writes what it parsed, and
    # the keys it used come back here, for `collect_yaml`.

    def share(self, paths: object) -> None:
        self.store.commit()  # a write of this process's left open would hold the workers' back

    def notes(self) -> list[str]:
        self.store.local().commit()
        used, self.used = sorted(self.used), set()
        return used

    def take(self, used: list[str]) -> None:
        self.used.update(used)


class StoredToml:
    """`tomllib.loads` for the settings file, remembered by the text's digest, so an edit that
    leaves pyproject.toml alone needs no TOML parser (~12 ms of a one-post rebuild). A table
    JSON cannot carry exactly (a TOML time of day) is parsed every time; only the newest is kept."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, text: str) -> dict[str, Any]:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        known = self.store.get_json("toml", key, TOML_FORMAT, lambda data: isinstance(data, dict))
        if known is not None:
            return _decode(known)
        import tomllib

        table = tomllib.loads(text)  # an error is raised, never stored
        encoded = _encode(table)
        if encoded is not _NOT_JSON:
            self.store.delete("toml", self.store.keys("toml") - {key})
            self.store.put("toml", key, TOML_FORMAT, json.dumps(encoded, sort_keys=True).encode("utf-8"))
        return table


def _valid(data: Any) -> bool:
    return (isinstance(data, list) and len(data) == 2 and isinstance(data[1], dict)
            and all(isinstance(p, list) and len(p) == 2 and all(type(n) is int for n in p) for p in data[1].values()))


def _encode(value: Any) -> Any:
    """A front-matter value as JSON-able data, dates tagged; _NOT_JSON when it cannot be."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        items = [_encode(v) for v in value]
        return _NOT_JSON if any(i is _NOT_JSON for i in items) else items
    if isinstance(value, dict) and all(isinstance(k, str) and not k.startswith("$") for k in value):
        items = {k: _encode(v) for k, v in value.items()}
        return _NOT_JSON if any(i is _NOT_JSON for i in items.values()) else items
    return _NOT_JSON


def _decode(value: Any) -> Any:
    """The value _encode() was given."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        return {k: _decode(v) for k, v in value.items()}
    return value


def collect_yaml(store: Store, used: set[str], posts: int) -> None:
    """Keep the stored front matter from growing without bound: once it holds far more blocks
    than the blog has posts, only those this build used stay."""
    stored = store.keys("yaml")
    if len(stored) > 2 * posts + 64:
        store.delete("yaml", stored - used)
