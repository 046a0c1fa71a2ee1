"""Finding posts and splitting and validating their front matter."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from ..config import EXECUTE_MODES, SiteConfig, display_path
from ..errors import Diagnostic, error
from ..models import Document, NotebookRequest, NotebookUse, Post
from .front_matter import Fields, kind_of, split_front_matter
from .liquid import uses_liquid

KNOWN_KEYS = frozenset({
    "title", "date", "updated", "description", "summary", "tags", "categories", "category", "author",
    "pinned", "slug", "permalink", "draft", "published", "notebook", "params", "execute", "timeout",
    "allow_errors", "deps", "layout",
})
YamlParser = Callable[[str], tuple[Any, dict[str, tuple[int, int]]]]
_DATED_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")

@dataclass(frozen=True)
class PostRead:
    """What reading one post file gave: its document (None when the front matter is unusable),
    the problems found, and whether the post is a function of its file and the settings alone
    (not when its date came from git history or the file's modification time)."""

    source: Path
    document: Document | None
    problems: tuple[Diagnostic, ...]
    standalone: bool


@dataclass(frozen=True)
class SourceSet:
    """Every post of the blog that is published, plus the diagnostics found while reading."""

    documents: tuple[Document, ...]
    diagnostics: tuple[Diagnostic, ...]
    next_release: datetime | None = None  # the earliest future post held back

    @property
    def posts(self) -> tuple[Post, ...]:
        return tuple(document.post for document in self.documents)


def find_post_files(config: SiteConfig) -> list[Path]:
    """Markdown posts: `posts/*.md` and `posts/<slug>/index.md`, sorted."""
    root = config.root / config.posts_dir
    if not root.is_dir():
        return []
    found = []
    with os.scandir(root) as entries:  # entries know their type: no stat per post, as glob would
        for entry in entries:
            if entry.name.endswith(".md") and entry.is_file():
                found.append((entry.name, Path(entry.path)))
            elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "index.md")):
                found.append((entry.name, Path(entry.path, "index.md")))
    return [path for _, path in sorted(found)]  # by name under posts/: the order of the Paths themselves


def read_posts(config: SiteConfig, *, drafts: bool, future: bool, now: datetime) -> SourceSet:
    """Read every post of the blog; drafts and future posts are left out unless asked for."""
    reads = [read_file(config, path) for path in find_post_files(config)]
    documents = {read.source: read.document for read in reads if read.document is not None}
    chosen, next_release = select_posts([d.post for d in documents.values()], drafts=drafts, future=future, now=now)
    return SourceSet(
        tuple(documents[post.source] for post in chosen),
        tuple(d for read in reads for d in read.problems),
        next_release,
    )


def select_posts(
    posts: Sequence[Post], *, drafts: bool, future: bool, now: datetime
) -> tuple[list[Post], datetime | None]:
    """The posts to publish, in the order given, and the date of the earliest future post held back."""
    chosen: list[Post] = []
    held: list[datetime] = []
    for post in posts:
        if post.draft and not drafts:
            continue
        if post.date > now and not future:
            held.append(post.date)
            continue
        chosen.append(post)
    return chosen, min(held, default=None)


def read_post(config: SiteConfig, path: Path) -> tuple[Post | None, list[Diagnostic]]:
    """Read one post file's front matter; None when it is unusable."""
    read = read_file(config, path)
    return (read.document.post if read.document else None), list(read.problems)


def read_file(config: SiteConfig, path: Path, parse_yaml: YamlParser | None = None) -> PostRead:
    """Read one post file: its document and every problem with it. `parse_yaml` parses its
    front matter (default: PyYAML, `front_matter.parse_yaml`)."""
    shown = display_path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = exc.object[: exc.start]  # the bytes before the bad one: its line and column
        line, col = before.count(b"\n") + 1, exc.start - before.rfind(b"\n")
        return PostRead(path, None, (error(shown, line, col, "file is not valid UTF-8"),), True)
    # What reading in text mode did: universal newlines.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    split = split_front_matter(text, shown, parse_yaml)
    if isinstance(split, Diagnostic):
        return PostRead(path, None, (split,), True)
    meta, positions, body, body_line = split
    fields = Fields(shown, positions)
    document = _build_document(config, path, shown, meta, fields, body, body_line)
    if document is not None:
        document = replace(document, post=replace(document.post, digest=hashlib.sha256(data).hexdigest()))
    stem = path.parent.name if path.name == "index.md" else path.stem
    dated = bool(meta and meta.get("date") is not None) or _DATED_NAME.match(stem) is not None
    return PostRead(path, document, tuple(fields.problems), dated)


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-'; never contains a path separator."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _build_document(
    config: SiteConfig,
    path: Path,
    shown: str,
    meta: dict[str, Any] | None,
    fields: Fields,
    body: str,
    body_line: int,
) -> Document | None:
    tz = config.tz
    named = _DATED_NAME.match(path.parent.name if path.name == "index.md" else path.stem)
    stem = path.parent.name if path.name == "index.md" else path.stem
    name_slug = named.group(4) if named else stem
    if meta is None:
        meta = {}
        fields.warn(None, "no front matter; title and date are taken from the file")
    for key in sorted(set(meta) - KNOWN_KEYS, key=lambda k: fields.at(str(k))):
        fields.warn(str(key), f"unknown front matter key '{key}'")
    title = fields.string(meta, "title")
    if not title:
        title, body, body_line = _title_from_body(body, body_line, name_slug)
    moment = fields.moment(meta, "date", tz)
    if moment is None and meta.get("date") is None:  # no date, or `date:` left empty
        moment = _fallback_date(path, named, tz, fields)
    slug = slugify(fields.string(meta, "slug") or name_slug)
    if not slug:
        fields.fail("slug" if "slug" in meta else "title", "the post has no usable slug; set 'slug:'")
    url_path = _url_path(fields, meta, slug) if slug else None
    # Every other key is checked even when the date or URL is unusable: all problems in one run.
    checked = _checked_fields(config, path, shown, meta, fields)
    if moment is None or url_path is None:
        return None
    post = Post(
        source=path,
        display_path=shown,
        slug=slug,
        url_path=url_path,
        title=title,
        date=moment,
        assets=post_assets(path),
        liquid=uses_liquid(body),
        **checked,
    )
    return Document(post, body, body_line, meta)


def _checked_fields(
    config: SiteConfig, path: Path, shown: str, meta: dict[str, Any], fields: Fields
) -> dict[str, Any]:
    """The Post fields read straight from front matter, each validated at its key."""
    return {
        "updated": fields.moment(meta, "updated", config.tz),
        "description": fields.string(meta, "description") or fields.string(meta, "summary"),
        "tags": fields.words(meta, "tags"),
        "categories": fields.words(meta, "categories") or fields.words(meta, "category"),
        "author": fields.string(meta, "author", config.author),
        "pinned": fields.boolean(meta, "pinned", False),
        "draft": fields.boolean(meta, "draft", False) or not fields.boolean(meta, "published", True),
        "layout": fields.string(meta, "layout"),
        "notebooks": _notebook_uses(config, path, shown, meta, fields),
    }


def _title_from_body(body: str, body_line: int, fallback: str) -> tuple[str, str, int]:
    """The first `# heading` becomes the title (and leaves the body); else the file name."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            rest = "\n".join(lines[:index] + [""] + lines[index + 1 :])
            return line[2:].strip().strip("#").strip(), rest, body_line
        if line.strip():
            break
    return fallback.replace("-", " ").replace("_", " ").strip().capitalize(), body, body_line


def _fallback_date(path: Path, named: re.Match[str] | None, tz: Any, fields: Fields) -> datetime | None:
    if named:
        try:
            return datetime(int(named.group(1)), int(named.group(2)), int(named.group(3)), tzinfo=tz)
        except ValueError:
            fields.fail("date", f"file name date '{named.group(0)[:10]}' is not a real date")
            return None
    committed = _first_commit_time(path)
    if committed is not None:
        fields.warn(None, "no date; using the file's first git commit")
        return committed.astimezone(tz)
    fields.warn(None, "no date; using the file's modification time")
    return datetime.fromtimestamp(int(path.stat().st_mtime), tz)


def _first_commit_time(path: Path) -> datetime | None:
    try:
        result = subprocess.run(
            ["git", "log", "--diff-filter=A", "--follow", "--format=%aI", "--", path.name],
            cwd=path.parent, capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    stamps = result.stdout.split()
    return datetime.fromisoformat(stamps[-1]) if result.returncode == 0 and stamps else None


def _url_path(fields: Fields, meta: dict[str, Any], slug: str) -> str | None:
    """`posts/<slug>/`, or the permalink when it stays inside the site."""
    permalink = fields.string(meta, "permalink")
    if not permalink:
        return f"posts/{slug}/"
    parts = PurePosixPath("/" + permalink.strip()).parts[1:]
    if any(p in ("..", ".") or "\\" in p for p in parts) or not parts:
        fields.fail("permalink", f"permalink '{permalink}' must stay inside the site")
        return None
    clean = "/".join(parts)
    return clean if clean.endswith((".html", ".xml")) else clean + "/"


def _notebook_uses(
    config: SiteConfig, path: Path, shown: str, meta: dict[str, Any], fields: Fields
) -> tuple[NotebookUse, ...]:
    if "notebook" not in meta:
        for key in ("params", "execute", "timeout", "allow_errors", "deps"):
            if key in meta:
                fields.warn(key, f"'{key}' has no effect without 'notebook'")
        return ()
    names = meta["notebook"] if isinstance(meta["notebook"], list) else [meta["notebook"]]
    if not names or not all(isinstance(n, str) and n.endswith(".ipynb") for n in names):
        fields.fail("notebook", "'notebook' must be a .ipynb path or a list of them")
        return ()
    params = meta.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        fields.fail("params", f"'params' must be a mapping of names to values, got {kind_of(params)}")
        params = {}
    execute = fields.string(meta, "execute", config.execute)
    if execute not in EXECUTE_MODES:
        fields.fail("execute", f"'execute' must be one of auto, always, never, got '{execute}'")
        execute = config.execute
    timeout = meta.get("timeout", config.timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        fields.fail("timeout", f"'timeout' must be a positive number of seconds, got {timeout!r}")
        timeout = config.timeout
    deps = tuple(_resolve_inside(config, d, fields, "deps") for d in fields.words(meta, "deps"))
    notebooks = [_resolve_inside(config, n, fields, "notebook") for n in names]
    request_args = {
        "params": tuple(sorted(_jsonable(params).items())),
        "timeout": timeout,
        "allow_errors": fields.boolean(meta, "allow_errors", False),
        "deps": tuple(sorted(d for d in deps if d is not None)),
        "execute": execute,
    }
    line = fields.at("notebook")[0]
    return tuple(
        NotebookUse(post=shown, line=line, request=NotebookRequest(notebook=n, **request_args))
        for n in notebooks
        if n is not None
    )


def _resolve_inside(config: SiteConfig, name: str, fields: Fields, key: str) -> Path | None:
    """A path relative to the blog root that must exist and stay inside it."""
    root = config.root.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root):
        fields.fail(key, f"'{name}' is outside the blog folder")
        return None
    if not target.is_file():
        fields.fail(key, f"'{name}' does not exist")
        return None
    return target


def _jsonable(value: Any) -> Any:
    """Front-matter values as JSON-able data (YAML dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def post_assets(path: Path) -> tuple[Path, ...]:
    """Files beside a `slug/index.md` post, copied next to its page."""
    if path.name != "index.md":
        return ()
    folder = path.parent
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            candidate = Path(dirpath) / name
            if candidate != path and not name.startswith("."):
                found.append(candidate)
    return tuple(found)
