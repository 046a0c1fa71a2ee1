"""Serve: build into a private folder, serve it locally, rebuild on change, reload the browser.

The HTTP side lives in serve_http.py and the file watcher in watch.py; this module is the loop
that ties them together: build, announce, poll, rebuild.
"""

from __future__ import annotations

import os
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ..build import BuildOptions, build_site, quiet_collector
from ..config import SiteConfig, load_config
from ..errors import JourneyError
from ..files import CACHE_FOLDER
from ..incremental.session import BuildSession
from .http import Status, bind, url_host
from .notify import make_notifier
from .watch import differs, ignored, scan, watched


def serve_dir(source: Path) -> Path:
    """Where `serve` builds: private to the server, never the published site/ folder."""
    return source.resolve() / CACHE_FOLDER / "serve-site"


def serve(
    options: BuildOptions,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    poll_interval: float = 0.1,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Build (drafts and future posts included), serve, and rebuild on change until stopped."""
    stop = stop or threading.Event()
    quiet_collector(one_shot=False)
    options = replace(
        options,
        source=options.source.resolve(),
        out=serve_dir(options.source),
        drafts=True,
        future=True,
    )
    status = Status(secrets.token_hex(4))
    server = bind(host, port, options.out, status)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="journey-serve")
    thread.start()
    origin = f"http://{url_host(host)}:{server.server_address[1]}"
    session = BuildSession(options.source, resident=True)  # one for the whole run: rebuilds reuse what it decoded
    try:
        _build_and_watch(options, session, status, stop, poll_interval, origin, ready)
    except KeyboardInterrupt:
        pass
    finally:
        _save(session)
        status.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    print("journey: stopped serving", file=sys.stderr)
    return 0


def _build_and_watch(
    options: BuildOptions,
    session: BuildSession,
    status: Status,
    stop: threading.Event,
    poll_interval: float,
    origin: str,
    ready: Callable[[str], None] | None,
) -> None:
    """The first build, then a poll for changes (woken early when a file is saved) and a
    rebuild per change, until stopped."""
    roots = watched(options.source, _config_or_none(options))
    notifier = make_notifier(roots, ignored)  # wakes the poll below the moment a file is saved
    try:
        snapshot = scan(roots, session.stats)  # taken first, so an edit saved during the first build counts
        config = _rebuild(options, session, status, ())
        base_path = status.base_path
        _announce(origin + base_path, ready)
        while not stop.is_set():
            notifier.wait(stop, poll_interval)
            fresh = scan(roots, session.stats)
            changed = sorted(
                os.path.relpath(path, options.source)
                for path in fresh.keys() | snapshot.keys()
                if differs(fresh, snapshot, path)
            )
            snapshot = fresh
            if not changed or stop.is_set():
                continue
            config = _rebuild(options, session, status, changed) or config
            if watched(options.source, config) != roots:  # the settings moved a folder
                roots = watched(options.source, config)
                notifier.watch(roots)
            if status.base_path != base_path:  # base_url was edited in pyproject.toml
                base_path = status.base_path
                _announce(origin + base_path, None)
    finally:
        notifier.close()


def _save(session: BuildSession) -> None:
    """Close the build store; a cache that cannot be written is not worth a traceback on the way out."""
    try:
        session.close()
    except OSError as exc:
        print(f"journey: could not save the build cache: {exc}", file=sys.stderr)


def _announce(url: str, ready: Callable[[str], None] | None) -> None:
    print(f"Serving on {url} (Ctrl-C to stop)", file=sys.stderr)
    if ready:
        ready(url)


# -- building ----------------------------------------------------------------------------


def _rebuild(options: BuildOptions, session: BuildSession, status: Status, changed: Sequence[str]) -> SiteConfig | None:
    """One build into the serve folder; a failure is shown, and the last good site stays."""
    started = time.perf_counter()
    base_path = None
    try:
        config, _ = load_config(options.source, options.base_url)
        base_path = config.base_path
        # Built under the base path alone, so every link works on localhost as it will on Pages;
        # with the JSON search index, which a save updates in milliseconds (Pagefind re-indexes
        # every post: seconds for a large blog).
        result = build_site(replace(options, base_url=base_path, search="json"), session)
    except JourneyError as exc:
        _fail(status, "\n".join(str(d) for d in exc.diagnostics), base_path)
        return None
    except Exception as exc:  # noqa: BLE001 -- a bug in a stage must not take down the server
        detail = "".join(traceback.format_exception(exc)).rstrip() if options.verbose else (
            f"journey: internal error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)")
        _fail(status, detail, base_path)
        return None
    for diagnostic in result.diagnostics:
        print(diagnostic, file=sys.stderr)
    status.succeed(config.base_path)
    if changed:
        names = ", ".join(changed[:3]) + (
            f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        )
        elapsed = time.perf_counter() - started
        print(f"journey: rebuilt in {elapsed * 1000:.0f} ms ({names} changed)", file=sys.stderr)
    return config


def _config_or_none(options: BuildOptions) -> SiteConfig | None:
    try:
        return load_config(options.source, options.base_url)[0]
    except JourneyError:
        return None


def _fail(status: Status, text: str, base_path: str | None) -> None:
    print(f"{text}\njourney: the build failed; still serving the last good site", file=sys.stderr)
    status.fail(text, base_path)

