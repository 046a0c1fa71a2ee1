"""The build store: one SQLite file of checksummed, versioned entries that rebuilds reuse.

Every entry is `(kind, key) → value` with the version of the code that made it and a checksum
of the value. A lookup that finds another version is a miss; one whose checksum does not match,
or a file SQLite cannot read at all, is damage: the entry (or the whole file) is dropped, a
warning says so, and the caller makes the value again. Nothing read from here is trusted into
the site unchecked, and nothing here is a pickle: a cache folder must not be a way to run code.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import sqlite3

_PUT = "INSERT OR REPLACE INTO entries (kind, key, version, checksum, value) VALUES (?, ?, ?, ?, ?)"
LAYOUT = 3  # the table's own layout (SQLite's user_version); another one is a store to start afresh
PAGE_SIZE = 16384  # not SQLite's 4 KiB: a post's HTML is one page, not a chain (storing a rendering: ~45 µs, not ~75)
PENDING_MAX = 16 << 20  # bytes a worker keeps unwritten at most (see put)
BY_KEY_MOST = 200  # keys get_many looks up one by one at most; more: one scan of the kind (search.TEXTS_AT_ONCE stays within)
T = TypeVar("T")
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # json.dumps's, made once: it made one per value (~2 µs)
_LOCAL: dict[tuple[Path | None, int], Store] = {}  # a worker process's own stores, by file


def checksum(value: bytes) -> bytes:  # SHA-256, which CPUs compute in hardware: half blake2b's time
    return hashlib.sha256(value).digest()[:16]


class Store:
    """The entries of `<blog>/.journey-cache/store.sqlite`, opened on first use (a build with
    nothing to do never opens it), written in one transaction per `commit()`."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: in memory only (a build that must not leave a cache)
        self.warnings: list[str] = []  # damage found and repaired, said once each
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._owner = os.getpid()  # forked workers read; only the process that made it writes
        self._worker = False  # a forked worker's own store (`local`): what it says goes to the parent
        self._pending: list[tuple[str, str, str, bytes, bytes]] = []  # a worker's puts, until commit()
        self._pending_bytes = 0

    def local(self) -> Store:
        """This store, or, in a forked worker, the worker's own writable connection to its file
        (a worker then writes what it made itself, and commits it at once)."""
        if self._writes():
            return self
        key = (self.path, os.getpid())
        if key not in _LOCAL:
            _LOCAL[key] = Store(self.path)
            _LOCAL[key]._worker = True
        return _LOCAL[key]

    def take_notes(self) -> None:
        """Add to `warnings` what forked workers of this process said (damage they found and
        repaired), kept in the store for it: their own lists end with them."""
        rows = self._query("SELECT key, value FROM entries WHERE kind = 'note'", ())
        if rows:
            mine = f"{os.getpid()}:"
            self.warnings.extend(value.decode("utf-8", "replace") for key, value in sorted(rows)
                                 if key.startswith(mine) and isinstance(value, bytes))
            self.delete("note", [key for key, _ in rows])  # a killed build's too: they are about its build

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]
        self._owner = 0  # a copy in a worker process: reads only

    # -- reading ---------------------------------------------------------------------------

    def get(self, kind: str, key: str, version: str) -> bytes | None:
        """The value stored under (kind, key) by code of this version, or None."""
        rows = self._query("SELECT key, version, checksum, value FROM entries WHERE kind = ? AND key = ?", (kind, key))
        found = self._checked(kind, rows, version)
        return found.get(key)

    def get_many(self, kind: str, keys: Iterable[str], version: str) -> dict[str, bytes]:
        """The intact values of those keys that are stored, by key. Many keys: one scan of the
        kind (a build asks for nearly all of its posts and renderings at once); a few: by key."""
        wanted = set(keys)
        if len(wanted) > BY_KEY_MOST:
            rows = self._query("SELECT key, version, checksum, value FROM entries WHERE kind = ?", (kind,))
            return self._checked(kind, [row for row in rows if row[0] in wanted], version)
        found: dict[str, bytes] = {}
        chosen = sorted(wanted)
        for start in range(0, len(chosen), 100):  # within SQLite's limit on bound parameters
            chunk = chosen[start : start + 100]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT key, version, checksum, value FROM entries WHERE kind = ? AND key IN ({marks})", (kind, *chunk)
            )
            found.update(self._checked(kind, rows, version))
        return found

    def get_json(self, kind: str, key: str, version: str, valid: Callable[[Any], bool]) -> Any:
        """A stored JSON value that `valid` accepts (the shape the writer gave it), else None."""
        raw = self.get(kind, key, version)
        return None if raw is None else self._decoded(kind, key, raw, valid)

    def get_many_json(self, kind: str, keys: Iterable[str], version: str, valid: Callable[[Any], bool]) -> dict[str, Any]:
        raws = self.get_many(kind, keys, version)
        try:  # one parse for a thousand rows; their checksums held, so each is JSON as written
            values = json.loads(b"[" + b",".join(raws.values()) + b"]")
        except ValueError:
            values = None
        if values is None or len(values) != len(raws):
            values = [None] * len(raws)
        found = {}
        for (key, raw), value in zip(raws.items(), values, strict=True):
            if value is None or not valid(value):
                value = self._decoded(kind, key, raw, valid)
            if value is not None:
                found[key] = value
        return found

    def keys(self, kind: str, most: int = -1) -> set[str]:  # of so many values at most (-1: every one)
        return {key for (key,) in self._query("SELECT key FROM entries WHERE kind = ? LIMIT ?", (kind, most))}

    # -- writing ---------------------------------------------------------------------------

    def put(self, kind: str, key: str, version: str, value: bytes) -> None:
        """Store a value. A forked worker's store keeps its puts until `commit()` writes them in
        one short transaction: two workers writing post by post would wait on each other's lock
        (SQLite's waits are of 1 ms and more), longer than they render."""
        if not self._writes():
            return
        if self._worker:
            self._pending.append((kind, key, version, checksum(value), value))
            self._pending_bytes += len(value)
            if self._pending_bytes > PENDING_MAX:  # a batch of notebook posts: written early
                self.commit()
            return
        self._run(_PUT, (kind, key, version, checksum(value), value))

    def put_json(self, kind: str, key: str, version: str, value: Any) -> None:
        self.put(kind, key, version, _JSON.encode(value).encode("utf-8"))

    def delete(self, kind: str, keys: Iterable[str]) -> None:
        if not self._writes():
            return
        for key in sorted(set(keys)):
            self._run("DELETE FROM entries WHERE kind = ? AND key = ?", (kind, key))

    def commit(self) -> None:
        if self._pending:
            rows, self._pending, self._pending_bytes = self._pending, [], 0
            self._guarded(lambda: self._connection().executemany(_PUT, rows), None)
        if self._db is not None and self._writes():
            self._guarded(self._db.commit, None)

    def close(self) -> None:
        if self._db is not None:
            self.commit()
            self._db.close()
            self._db = None

    # -- inside ----------------------------------------------------------------------------

    def _checked(self, kind: str, rows: list[Any], version: str) -> dict[str, bytes]:
        found = {}
        for key, stored_version, stored_checksum, value in rows:
            if stored_version != version:
                continue  # made by other code: a miss, not damage
            if not isinstance(value, bytes) or stored_checksum != checksum(value):
                self._damaged(kind, key)
                continue
            found[key] = value
        return found

    def _decoded(self, kind: str, key: str, raw: bytes, valid: Callable[[Any], bool]) -> Any:
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if value is None or not valid(value):
            self._damaged(kind, key)
            return None
        return value

    def _damaged(self, kind: str, key: str) -> None:
        self._say(f"the build cache's {kind} {key[:16]} was damaged; it is made again")
        local = self.local()
        local.delete(kind, [key])
        if self._in_worker():  # at once: a worker's open write would hold the lock others wait on
            local.commit()

    def _in_worker(self) -> bool:
        return self._worker or not self._writes()

    def _say(self, text: str) -> None:
        """A warning for the build to report. In a forked worker it is kept in the store as a
        note, which the parent takes (`take_notes`); where even that fails, it is lost, as the
        store's use was."""
        if not self._in_worker():
            self.warnings.append(text)
            return
        import sqlite3

        local, said = self.local(), text.encode("utf-8")
        try:
            db = local._connection()
            # Not through put(): its failure would be said here again, and again.
            db.execute(_PUT, ("note", f"{os.getppid()}:{os.getpid()}:{len(local.warnings)}", "note-1", checksum(said), said))
            db.commit()
            local.warnings.append(text)
        except sqlite3.Error:
            pass

    def _writes(self) -> bool:
        return self._owner == os.getpid()

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return self._guarded(lambda: self._connection().execute(sql, args).fetchall(), [])

    def _run(self, sql: str, args: tuple[Any, ...]) -> None:
        self._guarded(lambda: self._connection().execute(sql, args), None)

    def _guarded(self, action: Callable[[], T], fallback: T) -> T:
        """Run one SQLite step; a file SQLite cannot read (truncated, overwritten, not a
        database) is removed and started afresh, and the step counts as a miss."""
        import sqlite3  # ~7 ms, and a build with nothing to do never opens the store

        try:
            return action()
        except sqlite3.OperationalError as exc:  # busy, locked, disk full: a miss, the file is fine
            self._say(f"the build cache could not be used ({exc}); going without it")
            return fallback
        except sqlite3.DatabaseError as exc:
            if self._in_worker():  # the file is the parent's to start afresh: here a miss
                self._say(f"the build cache could not be read ({exc}); going without it")
                return fallback
            self._start_afresh(str(exc))
        try:
            action()  # once more on the fresh file: a write is then kept
        except sqlite3.DatabaseError:
            pass
        return fallback

    def _connection(self) -> sqlite3.Connection:
        if self._db is not None and self._pid == os.getpid():
            return self._db
        if not self._writes():
            # A copy in a worker (one per task a pool sends) reads through the worker's own
            # connection: one of its own each would be one more kept until a garbage collection
            # (sqlite3 connections sit in a reference cycle; a build runs without the collector),
            # a few hundred KiB of page cache apiece.
            return self.local()._connection()
        # A forked worker never uses its parent's connection (SQLite forbids it): its own.
        import sqlite3

        self._pid = os.getpid()
        target = ":memory:" if self.path is None else str(self.path)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(target, timeout=30, isolation_level="DEFERRED", check_same_thread=False)
        try:
            # A cache: no fsync. WAL keeps it whole when a build is killed; what a power cut costs
            # is at worst a file SQLite cannot read, which is started afresh.
            db.execute("PRAGMA synchronous=OFF")
            if db.execute("PRAGMA user_version").fetchone()[0] != LAYOUT:  # new, or another layout
                db.execute("DROP TABLE IF EXISTS entries")
                db.commit()
                if db.execute("PRAGMA page_size").fetchone()[0] != PAGE_SIZE:  # an emptied file is remade with it
                    db.executescript(f"PRAGMA journal_mode=DELETE; PRAGMA page_size = {PAGE_SIZE}; VACUUM")
                db.execute("PRAGMA journal_mode=WAL")  # kept by the file from now on
                # A rowid table, its key in an index beside it: values are pages of HTML, and a
                # WITHOUT ROWID table keeps each row inside the key's B-tree, which random keys
                # then rewrite all over (writing 4,000 renderings of 9 KB: 2.6 times as long).
                db.execute(
                    "CREATE TABLE entries (kind TEXT NOT NULL, key TEXT NOT NULL, version TEXT NOT NULL,"
                    " checksum BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (kind, key))"
                )
                db.execute(f"PRAGMA user_version = {LAYOUT}")
                db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        self._db = db
        return db

    def _start_afresh(self, why: str) -> None:
        self.warnings.append(f"the build cache could not be read ({why}); starting it afresh")
        if self._db is not None:
            try:
                self._db.close()
            except Exception:  # noqa: BLE001 -- a connection to a broken file may fail to close
                pass
            self._db = None
        if self.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
