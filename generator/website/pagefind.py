"""The Pagefind search bundle, `pagefind/`: the posts' search documents indexed by Pagefind's binary.

A reader's browser then fetches only the index chunks and fragments a query needs, not every
post's text. The documents are the ones journey already has (title, summary, plain text), handed
to `pagefind --service` as custom records, so the site's HTML is never parsed again; its files
come back in memory and go through the staging folder like any other file. Pagefind has no
incremental mode: a change to any search document re-indexes every post (see README.md for what
that costs), and a build whose documents did not change runs no indexer at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from ..errors import JourneyError, error
from .search_engine import PAGEFIND_FOLDER as FOLDER
from .search_engine import pagefind_binary

if TYPE_CHECKING:
    from .assemble import Site
    from .write import Staging

# What the search page loads: the search API, its worker and WebAssembly, the index. Pagefind's
# own UI bundles (pagefind-ui.js and the rest, ~600 KB) are left out: search.js is the UI.
_KEPT_NAMES = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
_KEPT_SUFFIXES = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind")


@dataclass(frozen=True)
class PagefindBundle:
    """The bundle one build wrote: the fingerprint of the documents and indexer it was made
    from, and {site path: SHA-256} of its files, so a later build can keep it unread."""

    FORMAT = "pagefind-1"
    slot = ":pagefind"  # beside the JSON index's layout in the build store

    fingerprint: str
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "files": self.files}

    @classmethod
    def from_json(cls, data: Any) -> PagefindBundle | None:
        if not (isinstance(data, dict) and isinstance(data.get("fingerprint"), str) and isinstance(data.get("files"), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in data["files"].items())):
            return None
        return cls(data["fingerprint"], data["files"])


def indexer_version(binary: Path) -> str:
    """`pagefind --version`: its output is part of the bundle's fingerprint."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JourneyError(error(str(binary), 0, 0, f"the Pagefind indexer cannot run: {exc}")) from None
    return done.stdout.decode("utf-8", "replace").strip()


def write_bundle(site: Site, staging: Staging, text: Callable[[str], str], fingerprint: str,
                 previous: PagefindBundle | None) -> PagefindBundle | None:
    """Write `pagefind/` into the staging folder; `text(render_key)` is a post's plain text. When
    `previous` was made from the same documents, its files are kept and no indexer runs (unless
    one of them is gone from both trees); the result is then None, as the store has it already."""
    if previous is not None and previous.fingerprint == fingerprint:
        claimed = {path: staging.claim(path, "search", digest) for path, digest in sorted(previous.files.items())}
        missing = {path: target for path, target in claimed.items() if target is not None}
        if missing:  # deleted behind journey's back: the same documents index to the same bytes
            made = index_documents(site, text)
            for path, target in missing.items():
                target.write_bytes(made.get(path, b""))
        return None
    files = {}
    for path, data in sorted(index_documents(site, text).items()):
        staging.add(path, data, "search")
        files[path] = hashlib.sha256(data).hexdigest()
    return PagefindBundle(fingerprint, files)


def index_documents(site: Site, text: Callable[[str], str]) -> dict[str, bytes]:
    """Every post as a Pagefind record, indexed by `pagefind --service`: {site path: bytes}."""
    binary = pagefind_binary()
    if binary is None:
        raise JourneyError(error("pyproject.toml", 0, 0, "the Pagefind binary is gone; install pagefind_bin"))
    language = site.config.language.split("-")[0].lower() or "en"
    requests: list[dict[str, Any]] = [{"type": "NewIndex", "config": {"force_language": language}}]
    for item in site.posts:
        post = item.post
        summary = post.description or item.summary
        requests.append({
            "type": "AddRecord", "index_id": 0, "url": site.config.url(post.url_path), "language": language,
            # Plain text, as the JSON index has it: entities become the characters readers type.
            "content": "\n".join((post.title, summary, html.unescape(text(item.render_key)))),
            "meta": {"title": post.title, "date": post.date.date().isoformat(), "summary": summary},
            "filters": None, "sort": {"date": post.date.isoformat()},
        })
    with _Service(binary) as service:
        try:
            index_id = service.ask([requests[0]])[0]["index_id"]
            for request in requests[1:]:
                request["index_id"] = index_id
            service.ask(requests[1:])
            files = service.ask([{"type": "GetFiles", "index_id": index_id}])[0]["files"]
            return {FOLDER + entry["path"]: base64.b64decode(entry["content"]) for entry in files
                    if entry["path"] in _KEPT_NAMES or entry["path"].endswith(_KEPT_SUFFIXES)}
        except (KeyError, TypeError, ValueError) as exc:  # an answer of another shape: another Pagefind
            raise service.failure(f"an answer it gave lacks {exc}") from None


class _Service:
    """`pagefind --service`: requests are base64 JSON messages ended by a comma, on stdin; each
    answer comes the same way on stdout, with the id of its request. Requests are written by a
    thread while answers are read, so neither pipe can fill up and stall the other side."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.next_id = 0

    def __enter__(self) -> Self:
        try:
            self.process = subprocess.Popen([str(self.binary), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise JourneyError(error(str(self.binary), 0, 0, f"the Pagefind indexer cannot run: {exc}")) from None
        self.pending = bytearray()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def ask(self, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send every payload, then return the answers in the same order; an error answer or an
        indexer that stops answering is a diagnostic."""
        if not payloads:
            return []
        first = self.next_id + 1
        self.next_id += len(payloads)
        messages = (_encode({"message_id": first + n, "payload": p}) for n, p in enumerate(payloads))
        writer = threading.Thread(target=_write_all, args=(self.process.stdin, messages), daemon=True)
        writer.start()
        answers: dict[int, dict[str, Any]] = {}
        for message in self._messages():
            payload = message.get("payload") or {}
            if payload.get("type") == "Error":
                raise self.failure(payload.get("message", "an unknown error"))
            if isinstance(message.get("message_id"), int):
                answers[message["message_id"]] = payload
            if len(answers) == len(payloads):
                break
        writer.join()
        if len(answers) < len(payloads):
            raise self.failure(f"it stopped after {len(answers)} of {len(payloads)} answers")
        return [answers[first + n] for n in range(len(payloads))]

    def _messages(self) -> Iterator[dict[str, Any]]:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            end, searched = self.pending.find(b","), len(self.pending)
            while end == -1:  # a bytearray, searched from where the last look ended: the files come in MBs
                chunk = stdout.read1(1 << 20)
                if not chunk:
                    return
                self.pending += chunk
                end, searched = self.pending.find(b",", searched), len(self.pending)
            raw = bytes(self.pending[:end])
            del self.pending[: end + 1]
            try:
                yield json.loads(base64.b64decode(raw))
            except ValueError:  # binascii.Error and JSONDecodeError both are
                raise self.failure(f"it answered something unreadable: {raw[:60]!r}") from None

    def failure(self, what: str) -> JourneyError:
        return JourneyError(error(str(self.binary), 0, 0, f"the Pagefind indexer failed: {what}"))


def _encode(message: dict[str, Any]) -> bytes:
    return base64.b64encode(json.dumps(message, ensure_ascii=False).encode("utf-8")) + b","


def _write_all(stream: IO[bytes] | None, messages: Iterator[bytes]) -> None:
    assert stream is not None
    try:
        for message in messages:
            stream.write(message)
        stream.flush()
    except (BrokenPipeError, ValueError):  # the indexer exited: the reader reports it
        pass
