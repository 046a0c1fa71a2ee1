"""The journey command line as a process: `python -m generator`, and the `journey` command
(`run`). The commands themselves are cli.py's."""

import os
import sys

from .cli import main


def run() -> None:
    """`main`, then an exit that skips tearing down the interpreter's objects one by one (a build
    holds a few hundred thousand: ~40 ms of a cold build of 4,000 posts), after the exit handlers
    have run and the output is flushed. With another thread still running, output that cannot be
    flushed, or a profiler or tracer that writes its results after the command returns
    (`python -m cProfile -m generator`), the ordinary exit."""
    code = main()
    import threading

    if threading.active_count() == 1 and sys.getprofile() is None and sys.gettrace() is None:
        import atexit

        atexit._run_exitfuncs()  # what the ordinary exit runs: temporary folders, child processes
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
