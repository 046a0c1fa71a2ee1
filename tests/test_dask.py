"""`journey build --executor dask`: notebooks on a real Dask cluster on 127.0.0.1.

A scheduler and single-threaded workers are started by these tests with the `dask` command
line and stopped by pid (tests/dask_support.py); the builds run through the CLI as real
processes, the notebooks in real kernels on the workers. What is faked, and only because one
machine cannot hold it: "another machine's environment" is a folder on a worker's PYTHONPATH
holding the metadata of a made-up package at another version (journey-fixture-pkg 2.0 where
the driver has 1.0), and a "GPU worker" is a worker started with `--resources GPU=1`.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import EPOCH, make_blog, post, read_tree, run_journey, tree_hash

from tests.dask_support import DaskProcess, dask_env, start_scheduler, start_worker, start_workers

pytest.importorskip("distributed")

SETTINGS = '[tool.journey]\ntitle = "Cluster journey"\nworker_wait = 3\n'
REQUIREMENTS = "# pinned notebook environment\njourney-fixture-pkg==1.0\n"


def notebook(*cells: str, parameters: str = "") -> str:
    """A small notebook as an author saves it: fixed cell ids, a python3 kernelspec."""
    nb = nbformat.v4.new_notebook()
    sources = ([parameters] if parameters else []) + list(cells)
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for number, cell in enumerate(nb.cells, start=1):
        cell["id"] = f"cell-{number}"
    if parameters:
        nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nbformat.writes(nb)


def package_metadata(folder: Path, version: str) -> Path:
    """A folder that makes importlib.metadata see journey-fixture-pkg at `version`."""
    info = folder / f"journey_fixture_pkg-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: journey-fixture-pkg\nVersion: {version}\n")
    return folder


def dask_post(title: str, name: str, **meta: str) -> str:
    return post(title, "2024-03-01", f"The run of {name}.\n", notebook=f"notebooks/{name}.ipynb", **meta)


MEASURES = notebook(
    "import statistics\nrows = [line.split(',') for line in open('data/points.csv').read().split()]",
    "values = [float(b) * scale for _, b in rows]\nprint('mean', statistics.mean(values))",
    "{'n': len(values), 'max': max(values)}",
    parameters="scale = 1",
)
SQUARES = notebook("squares = [n * n for n in range(8)]\nsquares", "print(sum(squares))")
SLEEPS = notebook("import time\ntime.sleep(60)")
COUNTS = notebook("import os\nwith open(os.environ['JOURNEY_TEST_RUNS'], 'a') as runs:\n    runs.write('run\\n')",
                  "import time\ntime.sleep(4)", "print('done')")


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package_metadata(tmp_path_factory.mktemp("site-packages"), "1.0")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, fixture_site: Path) -> Iterator[dict[str, object]]:
    """A scheduler, a worker `cpu` and a worker `gpu` with `--resources GPU=1`."""
    folder = tmp_path_factory.mktemp("cluster")
    env = dask_env(fixture_site)
    scheduler, address = start_scheduler(folder, env)
    started: list[DaskProcess] = [scheduler]
    try:
        started.append(start_worker(folder, address, "cpu", env))
        started.append(start_worker(folder, address, "gpu", env, resources="GPU=1"))
        yield {"address": address, "env": env, "folder": folder, "workers": {p.name: p for p in started[1:]}}
    finally:
        for process in reversed(started):
            process.stop()


def measured_times_removed(tree: dict[str, bytes]) -> dict[str, bytes]:
    """The files with measured wall times (and the frozen entries' checksums over them) blanked."""
    blanked = {}
    for name, data in tree.items():
        text = data.decode("utf-8", errors="surrogateescape")
        text = re.sub(r'"wall_time_s": [0-9.]+', '"wall_time_s": 0', text)
        text = re.sub(r'"checksum": "[0-9a-f]+"', '"checksum": ""', text)
        text = re.sub(r"<dt>Wall time</dt><dd>[0-9.]+&nbsp;s", "<dt>Wall time</dt><dd>0&nbsp;s", text)
        blanked[name] = text.encode("utf-8", errors="surrogateescape")
    return blanked


def deterministic_blog(root: Path) -> Path:
    return make_blog(root, {
        "pyproject.toml": SETTINGS,
        "notebooks/requirements.txt": REQUIREMENTS,
        "notebooks/measures.ipynb": MEASURES,
        "notebooks/squares.ipynb": SQUARES,
        "notebooks/data/points.csv": "a,1.5\nb,2.5\nc,4.0\n",
        "posts/2024-03-01-measures.md": dask_post("Measures", "measures", deps="notebooks/data/points.csv",
                                                   params="{scale: 2}"),
        "posts/2024-03-02-squares.md": dask_post("Squares", "squares"),
    })


@pytest.fixture(scope="module")
def three_builds(tmp_path_factory: pytest.TempPathFactory, cluster: dict[str, object]) -> dict[str, Path]:
    """The same blog built locally, on the scheduler's workers and on a LocalCluster."""
    env = cluster["env"]  # type: ignore[assignment]
    blogs = {}
    for how, flags in {"local": ["--jobs", "2"], "scheduler": ["--scheduler", str(cluster["address"])],
                       "localcluster": ["--executor", "dask", "--jobs", "1"]}.items():
        root = deterministic_blog(tmp_path_factory.mktemp(how))
        status, _, stderr = run_journey("build", "--source", str(root), *flags, cwd=root, env=env)
        assert status == 0, stderr
        blogs[how] = root
        blogs[how + "-stderr"] = stderr  # type: ignore[assignment]
    return blogs


def test_a_dask_build_gives_the_local_build_s_site_and_freeze(three_builds: dict[str, Path]) -> None:
    local = three_builds["local"]
    for how in ("scheduler", "localcluster"):
        for folder in ("site", "_freeze"):
            assert measured_times_removed(read_tree(three_builds[how] / folder)) == \
                measured_times_removed(read_tree(local / folder)), (how, folder)
    entry = next((three_builds["scheduler"] / "_freeze" / "notebooks" / "measures").glob("*.ipynb"))
    outputs = json.dumps(json.loads(entry.read_text())["cells"])
    assert "mean 5.333333333333333" in outputs  # the dep's bytes reached the worker; params too


def test_progress_and_status_name_the_worker_of_each_notebook(
    three_builds: dict[str, Path], cluster: dict[str, object]
) -> None:
    stderr = str(three_builds["scheduler-stderr"])
    assert re.search(r"^journey: executing notebooks/squares\.ipynb on (cpu|gpu)$", stderr, re.MULTILINE)
    assert re.search(r"^journey: executed notebooks/measures\.ipynb on (cpu|gpu) in [0-9.]+ s$", stderr,
                     re.MULTILINE)
    root = three_builds["scheduler"]
    status, stdout, _ = run_journey("status", "--source", str(root), cwd=root, env=cluster["env"])  # type: ignore[arg-type]
    assert status == 0
    assert [re.sub(r"on (cpu|gpu)\)", "on W)", line) for line in stdout.splitlines()] == [
        "notebooks/measures.ipynb {scale=2}: fresh (ran on W)", "notebooks/squares.ipynb: fresh (ran on W)"]
    root = three_builds["local"]
    assert run_journey("status", "--source", str(root), cwd=root)[1].splitlines() == [
        "notebooks/measures.ipynb {scale=2}: fresh", "notebooks/squares.ipynb: fresh"]


def test_failures_are_reported_together_and_gpu_posts_run_on_the_gpu_worker(
    tmp_path: Path, cluster: dict[str, object]
) -> None:
    """Five posts in one build: each failure its own diagnostic, the others still run. The
    worker `odd` would take any job; each post here names resources, so only `odd.md` goes there."""
    odd = start_worker(Path(str(cluster["folder"])), str(cluster["address"]), "odd",
                       dask_env(package_metadata(tmp_path / "other-site", "2.0")), resources="ODD=1")
    try:
        root = make_blog(tmp_path / "blog", {
            "pyproject.toml": SETTINGS,
            "notebooks/requirements.txt": REQUIREMENTS,
            "notebooks/gpu.ipynb": notebook("print('trained')"),
            "notebooks/other.ipynb": notebook("print('anywhere')"),
            "notebooks/raises.ipynb": notebook("x = 1", "raise ValueError('bad input')"),
            "notebooks/slow.ipynb": notebook("import time", "time.sleep(30)"),
            "notebooks/tpu.ipynb": notebook("print('never')"),
            "posts/gpu.md": dask_post("GPU", "gpu", resources="{GPU: 1}"),
            "posts/odd.md": dask_post("Odd", "other", resources="{ODD: 1}"),
            "posts/raises.md": dask_post("Raises", "raises", resources="{GPU: 1}"),
            "posts/slow.md": dask_post("Slow", "slow", time_budget="6", resources="{GPU: 1}"),
            "posts/tpu.md": dask_post("TPU", "tpu", resources="{TPU: 1}"),
        })
        status, _, stderr = run_journey("build", "--source", str(root), "--scheduler", str(cluster["address"]),
                                        cwd=root, env=cluster["env"])  # type: ignore[arg-type]
    finally:
        odd.stop()
    address = cluster["address"]
    assert status == 1
    assert [line for line in stderr.splitlines() if ": error: " in line] == [
        ("posts/odd.md:4:1: error: notebook notebooks/other.ipynb: worker odd has another notebook environment "
        "than the cache key (package journey-fixture-pkg is 2.0 there, 1.0 here); its result was refused"),
        ("posts/raises.md:4:1: error: notebook notebooks/raises.ipynb: cell 2 raised ValueError: bad input "
        "(executed notebook kept at _freeze/failed/notebooks/raises.ipynb)"),
        ("posts/slow.md:4:1: error: notebook notebooks/slow.ipynb: the notebook ran past its time budget of 6 s "
        "(stopped in cell 2) (executed notebook kept at _freeze/failed/notebooks/slow.ipynb)"),
        (f"posts/tpu.md:4:1: error: notebook notebooks/tpu.ipynb: no Dask worker of {address} has the resources "
        "it needs (TPU=1)"),
    ]
    assert re.search(r"^journey: executed notebooks/gpu\.ipynb on gpu in [0-9.]+ s$", stderr, re.MULTILINE)
    assert not (root / "site").exists()
    assert list((root / "_freeze" / "notebooks" / "gpu").glob("*.ipynb"))  # its result is kept for next time


def test_a_worker_lost_mid_notebook_gets_the_notebook_run_again_once(
    tmp_path: Path, cluster: dict[str, object], fixture_site: Path
) -> None:
    runs = tmp_path / "runs.txt"
    env = {**dask_env(fixture_site), "JOURNEY_TEST_RUNS": str(runs)}
    folder, address = Path(str(cluster["folder"])), str(cluster["address"])
    workers = {w.name: w for w in start_workers(folder, address, ["lose-a", "lose-b"], env, resources="LOSE=1")}
    try:
        root = make_blog(tmp_path / "blog", {
            "pyproject.toml": SETTINGS, "notebooks/requirements.txt": REQUIREMENTS,
            "notebooks/counts.ipynb": COUNTS, "posts/counts.md": dask_post("Counts", "counts", resources="{LOSE: 1}"),
        })
        build, stderr = _start_build(root, address, cluster["env"])  # type: ignore[arg-type]
        first = _wait_for_line(stderr, r"executing notebooks/counts\.ipynb on (lose-a|lose-b)$")
        _wait_for(lambda: runs.is_file() and runs.read_text() == "run\n")  # its first cell ran
        workers[first].kill()
        assert build.wait(timeout=60) == 0, stderr.read_text()
    finally:
        for worker in workers.values():
            worker.stop()
    other = "lose-b" if first == "lose-a" else "lose-a"
    assert runs.read_text() == "run\nrun\n"
    shown = stderr.read_text()
    assert f"journey: failed notebooks/counts.ipynb on {first} (the worker was lost; running it again)" in shown
    assert re.search(rf"^journey: executed notebooks/counts\.ipynb on {other} in", shown, re.MULTILINE)
    assert len(list((root / "_freeze" / "notebooks" / "counts").glob("*.ipynb"))) == 1


def test_losing_every_worker_is_a_clean_error_and_the_site_stays(
    tmp_path: Path, cluster: dict[str, object], fixture_site: Path
) -> None:
    folder, address = Path(str(cluster["folder"])), str(cluster["address"])
    env = {**dask_env(fixture_site), "JOURNEY_TEST_RUNS": str(tmp_path / "runs.txt")}
    root = make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS, "posts/hello.md": post("Hello", "2024-01-01")})
    assert run_journey("build", "--source", str(root), cwd=root)[0] == 0
    before = tree_hash(root / "site")
    make_blog(root, {
        "notebooks/requirements.txt": REQUIREMENTS, "notebooks/one.ipynb": COUNTS, "notebooks/two.ipynb": COUNTS,
        "posts/one.md": dask_post("One", "one", resources="{DOOMED: 1}"),
        "posts/two.md": dask_post("Two", "two", resources="{DOOMED: 1}"),
    })
    workers = start_workers(folder, address, ["doomed-a", "doomed-b"], env, resources="DOOMED=1")
    kernels: list[psutil.Process] = []
    try:
        build, stderr = _start_build(root, address, cluster["env"])  # type: ignore[arg-type]
        _wait_for_line(stderr, r"executing notebooks/one\.ipynb on (doomed-a|doomed-b)$")
        _wait_for_line(stderr, r"executing notebooks/two\.ipynb on (doomed-a|doomed-b)$")
        for worker in workers:
            kernels += _wait_for_kernel(worker)
        for worker in workers:
            worker.kill()
        assert build.wait(timeout=60) == 1
    finally:
        for worker in workers:
            worker.stop()
    errors = [re.sub(r"doomed-[ab]", "W", line) for line in stderr.read_text().splitlines() if ": error: " in line]
    # Which of the two a notebook gets depends on whether the scheduler had moved it to the other
    # worker's queue before that one was killed too.
    assert len(errors) == 2
    for name, line in zip(("one", "two"), errors, strict=True):
        assert line in (
            (f"posts/{name}.md:4:1: error: notebook notebooks/{name}.ipynb: no Dask worker of {address} with the "
            "resources it needs (DOOMED=1) is left to run it (it was running on W, which was lost)"),
            (f"posts/{name}.md:4:1: error: notebook notebooks/{name}.ipynb: the Dask workers it was sent to were "
            "lost before it finished (W, W); it was not run again"),
        ), line
    assert tree_hash(root / "site") == before
    _assert_gone(kernels)


def test_an_unreachable_scheduler_fails_within_ten_seconds_naming_it(tmp_path: Path, fixture_site: Path) -> None:
    root = deterministic_blog(tmp_path / "blog")
    with _free_port() as port:
        started = time.monotonic()
        status, _, stderr = run_journey("build", "--source", str(root), "--scheduler", f"tcp://127.0.0.1:{port}",
                                        cwd=root, env=dask_env(fixture_site))
    assert time.monotonic() - started < 10
    assert status == 1
    assert stderr.splitlines()[0] == (
        f"<command line>:1:1: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 4 s")
    assert not (root / "site").exists()


def test_ctrl_c_cancels_the_cluster_s_run_and_no_kernel_survives(
    tmp_path: Path, cluster: dict[str, object]
) -> None:
    root = make_blog(tmp_path / "blog", {
        "pyproject.toml": SETTINGS, "notebooks/requirements.txt": REQUIREMENTS, "notebooks/sleeps.ipynb": SLEEPS,
        "posts/sleeps.md": dask_post("Sleeps", "sleeps", resources="{GPU: 1}"),
    })
    gpu = cluster["workers"]["gpu"]  # type: ignore[index]
    build, stderr = _start_build(root, str(cluster["address"]), cluster["env"])  # type: ignore[arg-type]
    _wait_for_line(stderr, r"executing notebooks/sleeps\.ipynb on (gpu)$")
    kernels = _wait_for_kernel(gpu)
    build.send_signal(signal.SIGINT)
    assert build.wait(timeout=30) == 130
    assert "journey: interrupted" in stderr.read_text()
    _assert_gone(kernels)
    from distributed import Client

    with Client(str(cluster["address"]), timeout=10) as client:  # the scheduler holds no task of it
        _wait_for(lambda: not any(client.processing().values()))
    assert not (root / "_freeze" / "notebooks").exists()


def test_without_the_dask_extra_the_option_names_it(tmp_path: Path) -> None:
    """`import distributed` is made to fail, as on a machine without the extra."""
    blocker = ("import sys\nclass Block:\n    def find_spec(self, name, path=None, target=None):\n"
               "        if name.split('.')[0] in ('distributed', 'dask'):\n"
               "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
               "sys.meta_path.insert(0, Block())\nfrom generator.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    root = deterministic_blog(tmp_path / "blog")
    result = subprocess.run([sys.executable, "-c", blocker, "build", "--source", str(root), "--executor", "dask"],
                            capture_output=True, text=True, timeout=60, env=dask_env(), check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "journey build: --executor dask needs the 'dask' extra: pip install "
        "'journey-ssg[dask] @ git+https://github.com/journey-blog/journey@v0.1.0'")


def _start_build(root: Path, address: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    stderr = root.parent / f"{root.name}-stderr.txt"
    with stderr.open("wb") as out:
        build = subprocess.Popen([sys.executable, "-m", "generator", "build", "--source", str(root),
                                  "--scheduler", address], cwd=root, stdout=subprocess.DEVNULL, stderr=out,
                                 env={**env, "SOURCE_DATE_EPOCH": EPOCH})
    return build, stderr


def _wait_for_line(stderr: Path, pattern: str, timeout: float = 60) -> str:
    """Wait for a progress line matching `pattern`; its first group (a worker's name)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search("^journey: " + pattern, stderr.read_text(), re.MULTILINE)
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no line /{pattern}/ in: {stderr.read_text()}")


def _wait_for(ready: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.1)


def _wait_for_kernel(worker: DaskProcess, timeout: float = 30) -> list[psutil.Process]:
    """The kernel processes a worker started (they come a moment after the job does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kernels = [p for p in psutil.Process(worker.pid).children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]
        if kernels:
            return kernels
        time.sleep(0.1)
    raise AssertionError(f"worker {worker.name} started no kernel")


def _assert_gone(processes: list[psutil.Process], timeout: float = 15) -> None:
    _gone, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:  # a failure, but leave nothing behind
        process.kill()
    assert not alive, f"kernels still running: {[p.pid for p in alive]}"


class _free_port:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


def test_bad_resources_and_time_budgets_are_errors_at_their_keys(tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {
        "pyproject.toml": SETTINGS, "notebooks/squares.ipynb": SQUARES,
        "posts/a.md": dask_post("A", "squares", resources="GPU"),
        "posts/b.md": dask_post("B", "squares", resources="{GPU: 0}", time_budget="-1"),
        "posts/c.md": post("C", "2024-03-01", time_budget="60"),
    })
    status, _, stderr = run_journey("build", "--source", str(root), "--executor", "local", cwd=root)
    assert status == 1
    assert [line for line in stderr.splitlines() if line.startswith("posts/")] == [
        ("posts/a.md:5:1: error: 'resources' must map Dask resource names to positive amounts, such as {GPU: 1}, "
        "got 'GPU'"),
        ("posts/b.md:5:1: error: 'resources' must map Dask resource names to positive amounts, such as {GPU: 1}, "
        "got {'GPU': 0}"),
        "posts/b.md:6:1: error: 'time_budget' must be a positive number of seconds, got -1",
        "posts/c.md:4:1: warning: 'time_budget' has no effect without 'notebook'",
    ]


def test_a_time_budget_holds_for_local_kernels_too(tmp_path: Path) -> None:
    """The budget is kept by `execute` itself, wherever it runs: here, in this process's kernel."""
    from generator.notebooks.execute import Job, run_jobs

    source = json.loads(notebook("x = 1", "import time\ntime.sleep(60)"))
    job = Job("notebooks/slow.ipynb", source, tmp_path, {}, "", timeout=120, allow_errors=False, time_budget=4)
    started = time.monotonic()
    [outcome] = run_jobs([job], 1, progress=False)
    assert time.monotonic() - started < 30
    assert outcome.failure is not None
    assert outcome.failure.describe() == "the notebook ran past its time budget of 4 s (stopped in cell 2)"


def test_scheduler_options_that_cannot_work_are_usage_errors(tmp_path: Path) -> None:
    root = make_blog(tmp_path / "blog", {"pyproject.toml": SETTINGS})
    status, _, stderr = run_journey("build", "--source", str(root), "--executor", "local", "--scheduler",
                                    "tcp://127.0.0.1:8786", cwd=root)
    assert (status, stderr.splitlines()[0]) == (2, "journey build: --scheduler needs --executor dask")
    status, _, stderr = run_journey("build", "--source", str(root), "--scheduler", "127.0.0.1:8786", cwd=root)
    assert (status, stderr.splitlines()[0]) == (
        2, "journey build: argument --scheduler: expected an address such as tcp://10.0.0.5:8786, got '127.0.0.1:8786'")
    make_blog(root, {"pyproject.toml": SETTINGS + 'executor = "cluster"\nscheduler = "somewhere"\n'})
    status, _, stderr = run_journey("build", "--source", str(root), cwd=root)
    assert status == 1
    assert stderr.splitlines()[:2] == [
        "pyproject.toml:4:1: error: setting 'executor': expected local or dask, got 'cluster'",
        ("pyproject.toml:5:1: error: setting 'scheduler': expected a Dask scheduler address such as "
        "tcp://10.0.0.5:8786, got 'somewhere'"),
    ]
