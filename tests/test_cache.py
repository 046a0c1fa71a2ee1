"""The cache key, the frozen store and output grafting, without a kernel."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from generator.notebooks import freeze
from generator.config import SiteConfig
from generator.models import NotebookRequest, NotebookUse
from generator.notebooks.run import notebook_status

NOTEBOOKS = Path(__file__).parent / "notebooks"


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "counts_runs.ipynb", tmp_path / "notebooks" / "counts_runs.ipynb")
    (tmp_path / "notebooks" / "data.csv").write_text("a,b\n1,2\n")
    (tmp_path / "notebooks" / "requirements.txt").write_text(
        "# pins\nnumpy==2.4.6\npandas==3.1.1\n"
    )
    return SiteConfig(root=tmp_path)


def request(config: SiteConfig, **kwargs: object) -> NotebookRequest:
    deps = (config.root / "notebooks" / "data.csv",)
    return NotebookRequest(
        notebook=config.root / "notebooks" / "counts_runs.ipynb", deps=deps, **kwargs
    )


def source(config: SiteConfig) -> dict:
    return json.loads((config.root / "notebooks" / "counts_runs.ipynb").read_text())


def key(config: SiteConfig, nb: dict | None = None, **kwargs: object) -> freeze.CacheKey:
    return freeze.compute_key(nb or source(config), request(config, **kwargs), config, "python3")


def executed(nb: dict) -> dict:
    """A stand-in for papermill's result: the injected cell and one output per code cell."""
    ran = copy.deepcopy(nb)
    injected = nbformat.v4.new_code_cell("# Parameters\nn = 3\n")
    injected["metadata"]["tags"] = ["injected-parameters"]
    injected["id"] = "injected"
    ran["cells"].insert(1, dict(injected))
    for number, cell in enumerate(c for c in ran["cells"] if c["cell_type"] == "code"):
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"out {number}\n"}]
        cell["execution_count"] = number + 1
    return ran


def test_markdown_edit_keeps_the_key(config: SiteConfig) -> None:
    nb = source(config)
    nb["cells"][0]["source"] = ["A rewritten introduction."]
    assert key(config, nb).digest == key(config).digest


@pytest.mark.parametrize(
    ("change", "part"),
    [
        ("code", "code"),
        ("params", "params"),
        ("deps", "deps:notebooks/data.csv"),
        ("environment", "environment"),
        ("tag", "code"),
        ("allow_errors", "options"),
    ],
)
def test_each_part_changes_the_key_and_is_named(config: SiteConfig, change: str, part: str) -> None:
    before = key(config)
    nb, kwargs = source(config), {}
    if change == "code":
        nb["cells"][1]["source"] = ["print('changed')"]
    elif change == "params":
        kwargs = {"params": (("n", 4),)}
    elif change == "deps":
        (config.root / "notebooks" / "data.csv").write_text("a,b\n1,3\n")
    elif change == "environment":
        (config.root / "notebooks" / "requirements.txt").write_text("numpy==2.4.7\npandas==3.1.1\n")
    elif change == "tag":
        nb["cells"][1]["metadata"]["tags"] = ["raises-exception"]
    else:
        kwargs = {"allow_errors": True}
    after = key(config, nb, **kwargs)
    assert after.digest != before.digest
    assert freeze.changed_parts(before.parts, after.parts) == [part]


def test_requirements_are_normalised(config: SiteConfig) -> None:
    before = key(config)
    (config.root / "notebooks" / "requirements.txt").write_text(
        "pandas==3.1.1  # data\n\nnumpy==2.4.6\n"
    )
    assert key(config).digest == before.digest


def test_kernel_name_is_part_of_the_key(config: SiteConfig) -> None:
    other = freeze.compute_key(source(config), request(config), config, "ml-env")
    assert freeze.changed_parts(key(config).parts, other.parts) == ["kernel"]


def test_entry_layout(config: SiteConfig) -> None:
    path = freeze.entry_path(request(config, params=(("n", 3),)), config)
    assert path.parent == config.root / "_freeze" / "notebooks" / "counts_runs"
    assert len(path.stem) == 12 and path.suffix == ".ipynb"
    failed = freeze.failed_path(request(config), config)
    assert failed == config.root / "_freeze" / "failed" / "notebooks" / "counts_runs.ipynb"


def test_store_then_lookup_is_fresh_and_deterministic(config: SiteConfig) -> None:
    path = freeze.entry_path(request(config), config)
    k = key(config)
    assert freeze.lookup(path, k).state == "missing"
    freeze.store(path, executed(source(config)), k, {"python": "3.11.7"})
    first = path.read_bytes()
    freeze.store(path, executed(source(config)), k, {"python": "3.11.7"})
    assert path.read_bytes() == first
    found = freeze.lookup(path, k)
    assert found.state == "fresh"
    assert found.notebook["metadata"]["journey"]["run_info"] == {"python": "3.11.7"}


def test_stale_entry_names_the_changed_part(config: SiteConfig) -> None:
    path = freeze.entry_path(request(config), config)
    freeze.store(path, executed(source(config)), key(config), {})
    (config.root / "notebooks" / "data.csv").write_text("changed\n")
    found = freeze.lookup(path, key(config))
    assert (found.state, found.detail) == ("stale", "deps:notebooks/data.csv")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda b: b[: len(b) // 2], "not valid JSON"),
        (lambda b: b.replace(b"out 0", b"out 9"), "checksum mismatch"),
        (lambda b: b'{"cells": []}', "not a journey cache entry"),
    ],
)
def test_corrupt_entries_are_detected(config: SiteConfig, damage, reason: str) -> None:
    path = freeze.entry_path(request(config), config)
    freeze.store(path, executed(source(config)), key(config), {})
    path.write_bytes(damage(path.read_bytes()))
    found = freeze.lookup(path, key(config))
    assert found.state == "corrupt"
    assert found.detail.startswith(reason)


def test_graft_shows_current_prose_with_cached_outputs(config: SiteConfig) -> None:
    ran = executed(source(config))
    current = source(config)
    current["cells"][0]["source"] = ["New prose."]
    current["cells"][1]["metadata"]["tags"] = ["hide-input"]
    grafted = freeze.graft(current, ran)
    kinds = [(c["cell_type"], c["metadata"].get("tags", [])) for c in grafted["cells"]]
    assert kinds == [
        ("markdown", []),
        ("code", ["injected-parameters"]),
        ("code", ["hide-input"]),
        ("code", []),
    ]
    assert grafted["cells"][0]["source"] == ["New prose."]
    assert [c["outputs"][0]["text"] for c in grafted["cells"][1:]] == [
        "out 0\n",
        "out 1\n",
        "out 2\n",
    ]
    nbformat.validate(nbformat.from_dict(grafted))


def test_prune_keeps_live_entries_only(config: SiteConfig) -> None:
    live = freeze.entry_path(request(config, params=(("n", 3),)), config)
    old = freeze.entry_path(request(config, params=(("n", 2),)), config)
    other = freeze.entry_path(request(config, params=(("n", 1),)), config)
    for path in (live, old, other):
        freeze.store(path, executed(source(config)), key(config), {})
    freeze.prune_siblings(live, {live, other})
    assert sorted(p.name for p in live.parent.iterdir()) == sorted([live.name, other.name])


def test_status_names_the_changed_part(config: SiteConfig) -> None:
    req = request(config, params=(("n", 3),))
    use = NotebookUse(post="posts/p.md", line=4, request=req)
    assert notebook_status([use], config) == [
        "notebooks/counts_runs.ipynb {n=3}: missing (never executed)"
    ]
    path = freeze.entry_path(req, config)
    freeze.store(
        path,
        executed(source(config)),
        freeze.compute_key(source(config), req, config, "python3"),
        {},
    )
    assert notebook_status([use], config) == ["notebooks/counts_runs.ipynb {n=3}: fresh"]
    (config.root / "notebooks" / "requirements.txt").write_text("numpy==2.5.0\n")
    assert notebook_status([use], config) == [
        "notebooks/counts_runs.ipynb {n=3}: stale (changed: environment)"
    ]
    moved = NotebookUse(post="posts/p.md", line=4, request=request(config, params=(("n", 4),)))
    assert notebook_status([moved], config) == [
        "notebooks/counts_runs.ipynb {n=4}: stale (changed: environment, params)"
    ]
    path.write_bytes(path.read_bytes()[:100])
    assert notebook_status([use], config) == [
        "notebooks/counts_runs.ipynb {n=3}: corrupt (not valid JSON: "
        + str(_json_error(path.read_bytes()))
        + ")"
    ]


def _json_error(data: bytes) -> Exception:
    try:
        json.loads(data)
    except json.JSONDecodeError as exc:
        return exc
    raise AssertionError("expected invalid JSON")
