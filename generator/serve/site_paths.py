"""Serve's answer to a request path: the file of the last good build it names, as GitHub Pages
maps them (the site under its base path, `/about` from `about.html`, a folder's `index.html`,
the site's own 404 page), never a file outside the site."""

from __future__ import annotations

import mimetypes
import os
import re
import time
from pathlib import Path
from urllib.parse import unquote

SWAP_WAIT_SECONDS = 10.0  # a request arriving while the build swaps the folder waits this long
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|00)", re.IGNORECASE)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ipynb": "application/x-ipynb+json",
    ".woff2": "font/woff2",
}


def lookup(site_dir: Path, path: str, base_path: str) -> tuple[int, str, bytes]:
    """(status, file or redirect target, bytes), riding out the instant the build swaps folders."""
    deadline = time.monotonic() + SWAP_WAIT_SECONDS
    while True:
        if site_dir.is_dir():  # absent only between the two renames of the swap
            code, where = _locate(site_dir, path, base_path)
            if code not in (200, 404) or not where:
                return code, where, b""
            try:
                return code, where, Path(where).read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                pass  # swapped out between the lookup and the read: look again
        if time.monotonic() > deadline:
            return 404, "", b""
        time.sleep(0.01)


def _locate(site_dir: Path, path: str, base_path: str) -> tuple[int, str]:
    """(status, file path or redirect target) for a raw request path; never leaves site_dir."""
    if not path.startswith("/") or "\\" in path or _ENCODED_SEPARATOR.search(path):
        return 403, ""
    decoded = unquote(path)
    segments = decoded.split("/")
    if "\\" in decoded or "\0" in decoded or any(s in (".", "..") for s in segments):
        return 403, ""
    if decoded in ("/", base_path.rstrip("/")) and decoded != base_path:
        return 302, base_path
    if not decoded.startswith(base_path):
        return _not_found(site_dir)
    target = site_dir.joinpath(*[s for s in decoded[len(base_path) :].split("/") if s])
    real, root = os.path.realpath(target), os.path.realpath(site_dir)
    if real != root and not real.startswith(root + os.sep):
        return 403, ""  # a symlink that points out of the site
    if os.path.isdir(real):
        if not path.endswith("/"):
            return 301, "/" + path.lstrip("/") + "/"  # never '//host/': no open redirect
        real = os.path.join(real, "index.html")
    if os.path.isfile(real):
        return 200, real
    if os.path.isfile(real + ".html"):
        return 200, real + ".html"  # as GitHub Pages serves /about from about.html
    return _not_found(site_dir)


def _not_found(site_dir: Path) -> tuple[int, str]:
    page = site_dir / "404.html"
    return 404, str(page) if page.is_file() else ""


def content_type(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
