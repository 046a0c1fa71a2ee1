"""Kernel processes: started through a tracking kernel manager, killed from any thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any


class KernelTracker:
    """The kernels this run started, so that any of them can be killed from any thread. A
    tracker with a `parent` (one notebook's, inside a build's) reports its kernels to it too."""

    def __init__(self, parent: KernelTracker | None = None) -> None:
        self._lock = threading.Lock()
        self._kernels: list[Any] = []  # psutil.Process: kill() refuses a reused pid
        self._closed = False
        self._parent = parent

    def add(self, pid: int) -> None:
        import psutil

        try:
            process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return
        with self._lock:
            self._kernels.append(process)
            closed = self._closed
        if closed:  # started after Ctrl-C: it must not live
            kill_tree(process)
        if self._parent is not None:
            self._parent.add(pid)

    def kill_all(self) -> None:
        """Kill every kernel (and its children) still alive; later starts are killed at once."""
        with self._lock:
            self._closed = True
            kernels = list(self._kernels)
        for process in kernels:
            kill_tree(process)


@contextmanager
def stop_after(seconds: int, tracker: KernelTracker) -> Iterator[threading.Event]:
    """Kill `tracker`'s kernels once `seconds` have passed (0: never); the event says it happened."""
    spent = threading.Event()
    if seconds <= 0:
        yield spent
        return

    def stop() -> None:
        spent.set()
        tracker.kill_all()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield spent
    finally:
        timer.cancel()


def kill_tree(root: Any) -> None:
    """SIGKILL a kernel process and every process below it."""
    import psutil

    try:
        victims = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return
    for proc in victims:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(victims, timeout=5)


def chosen_kernel(notebook: dict[str, Any], setting: str) -> str:
    """The kernel a notebook runs in: the one its kernelspec names; for a notebook that names
    none, or names `python3`, the `kernel` setting ("" = the Python running the build)."""
    spec = notebook.get("metadata", {}).get("kernelspec")
    name = spec.get("name") if isinstance(spec, dict) else None
    if not isinstance(name, str) or not name.strip() or name == "python3":
        return setting
    return name.strip()


def kernel_to_start(kernel: str, notebook: dict[str, Any], shown: str) -> tuple[str, str]:
    """(the kernel to start, "" for the Python running the build; "" or why none can be), decided
    before any kernel starts, for `kernel` as `chosen_kernel` gave it. A Python kernel named after
    another machine's environment (a conda env's, say) that is not installed here runs in the
    build's Python; any other is an error."""
    if not kernel:
        return "", ""
    installed = installed_kernels()
    if kernel in installed:
        return kernel, ""
    spec = notebook.get("metadata", {}).get("kernelspec", {})
    if spec.get("name") == kernel and str(spec.get("language", "")).lower() == "python":
        return "", ""  # named by the notebook, not by the `kernel` setting
    return "", f"{shown} needs the Jupyter kernel '{kernel}', which is not installed (installed: {', '.join(installed)})"


# What running a notebook imports: journey's `notebooks` extra (pyproject.toml). Rendering frozen
# results needs none of them.
EXECUTION_MODULES = ("papermill", "nbclient", "jupyter_client", "ipykernel", "psutil")


def missing_for_execution() -> list[str]:
    """The modules of the notebooks extra that are not installed here."""
    from importlib.util import find_spec

    return [name for name in EXECUTION_MODULES if find_spec(name) is None]


def installed_kernels() -> list[str]:
    """The names of the Jupyter kernels installed here; `python3` always (the build's own)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return sorted(set(KernelSpecManager().find_kernel_specs()) | {"python3"})


def manager_class(tracker: KernelTracker, own_python: bool, log: IO[bytes]) -> type:
    """A kernel manager that reports its kernel to `tracker`; with `own_python`, the native
    `python3` kernel is resolved to sys.executable whatever kernelspecs are installed; the
    kernel process's own stderr (not the cells') goes to `log`, kept for a death report."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    from traitlets import default

    class TrackedKernelManager(AsyncKernelManager):  # type: ignore[misc,valid-type]
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            if own_python:
                return KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
            return KernelSpecManager(data_dir=self.data_dir)

        async def start_kernel(self, **kwargs: Any) -> None:
            kwargs.setdefault("stderr", log)
            await super().start_kernel(**kwargs)
            process = getattr(self.provisioner, "process", None)
            if process is not None:
                tracker.add(process.pid)

    return TrackedKernelManager
