"""The sample blog's notebooks, executed for real: published values present, sane, and used by posts."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import papermill
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO / "notebooks"
POSTS_DIR = REPO / "posts"
VALUE_MIME = "application/vnd.journey.value+json"
NOTEBOOKS = sorted(path.stem for path in NOTEBOOKS_DIR.glob("*.ipynb"))
POSTS = sorted(path.name for path in POSTS_DIR.glob("*.md"))

FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`[^`\n]*`")
VALUE_SHORTCODE = re.compile(r"\{\{<\s*value\s+([A-Za-z_][\w.-]*)")
TAG_SHORTCODE = re.compile(r"\{\{<\s*(?:cell|output)\s+tag=\"?([\w-]+)\"?\s*>\}\}")


def read_post(name: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a post in posts/."""
    text = (POSTS_DIR / name).read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def shortcode_text(body: str) -> str:
    """The body without fenced code and code spans, where shortcodes are not processed."""
    return CODE_SPAN.sub("", FENCE.sub("", body))


def published(executed: dict[str, Any]) -> dict[str, Any]:
    """Every value a notebook published with glue(), by name."""
    values: dict[str, Any] = {}
    for cell in executed["cells"]:
        for output in cell.get("outputs", []):
            bundle = output.get("data", {}).get(VALUE_MIME)
            if bundle is not None:
                values[bundle["name"]] = bundle["value"]
    return values


@pytest.fixture(scope="module")
def run_notebook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], dict]]:
    """Execute a sample notebook once per test module (lazily, so `-k` runs only what it needs)."""
    out_dir = tmp_path_factory.mktemp("executed")
    cache: dict[str, dict[str, Any]] = {}
    # The kernel imports generator.glue: make the checkout importable even without `pip install -e`.
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)

    def run(stem: str, tag: str = "") -> dict[str, Any]:
        key = stem + tag
        if key not in cache:
            output = out_dir / f"{key}.ipynb"
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("PYTHONPATH", path)
                papermill.execute_notebook(
                    str(NOTEBOOKS_DIR / f"{stem}.ipynb"),
                    str(output),
                    cwd=str(NOTEBOOKS_DIR),
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=300,
                )
            cache[key] = json.loads(output.read_text(encoding="utf-8"))
        return cache[key]

    yield run


def finite_positive(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in values)


def fraction(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in values)


def check_linear_regression(v: dict[str, Any]) -> None:
    assert v["n_train"] + v["n_test"] == v["n_samples"]
    assert finite_positive(v["gd_test_mse"], v["closed_test_mse"], v["sklearn_test_mse"])
    assert v["closed_test_mse"] == pytest.approx(v["sklearn_test_mse"], rel=1e-9)
    assert v["gd_test_mse"] == pytest.approx(v["closed_test_mse"], rel=1e-3)
    assert 0.5 * v["noise_var"] < v["gd_test_mse"] < 2 * v["noise_var"]
    assert 0.8 < v["test_r2"] < 1.0
    assert v["cond_raw"] > 1000 * v["cond_std"]
    assert v["lr_max_raw"] < v["learning_rate"] < v["lr_max_std"]
    assert v["raw_blowup_iter"] >= 1
    assert 0 < v["iters_to_converge"] <= v["n_iterations"]
    assert v["smallest_val_mse"] > v["noise_var"]  # the tiny training set overfits


def check_backprop(v: dict[str, Any]) -> None:
    assert v["n_params"] == 4 * v["hidden"] + 1
    assert v["loss_manual"] == pytest.approx(v["loss_autograd"], abs=1e-12)
    assert 0 <= v["max_grad_diff"] < 1e-12
    assert 0 <= v["max_fd_rel_err"] < 1e-5
    assert 0 <= v["max_curve_diff"] < 1e-10
    assert v["final_loss"] < v["loss_manual"]
    assert 0.9 < v["train_accuracy"] <= 1.0


def check_spam(v: dict[str, Any]) -> None:
    assert 0.1 < v["spam_rate"] < 0.5
    for prefix in ("nb", "lr", "strict", "nohost"):
        assert fraction(*(v[f"{prefix}_{k}"] for k in ("precision", "recall", "f1", "accuracy")))
        assert v[f"{prefix}_f1"] > 0.7
    assert v["nb_accuracy"] > v["majority_accuracy"] and v["lr_accuracy"] > v["majority_accuracy"]
    assert v["strict_precision"] >= v["lr_precision"] and v["strict_recall"] <= v["lr_recall"]
    assert v["nohost_f1"] < v["lr_f1"]  # the post: keeping the URL's host helps
    assert 0 <= v["errors_on_noise"] <= v["lr_errors"]


def check_sentiment(v: dict[str, Any]) -> None:
    accuracies = [v[k] for k in v if "_acc_" in k]
    assert len(accuracies) == 12 and fraction(*accuracies)
    assert v["lstm_acc_all"] > v["bigram_acc_all"] > v["unigram_acc_all"]
    assert 0.9 < v["lstm_acc_all"] <= v["ceiling"] + 0.02
    assert v["unigram_acc_negated"] < 0.5  # the post: below a coin flip
    assert v["bigram_acc_negated"] > v["unigram_acc_negated"]
    assert v["lstm_acc_contrast"] > v["bigram_acc_contrast"] + 0.2


def check_cnn(v: dict[str, Any]) -> None:
    keys = [
        "acc_small_plain",
        "acc_small_aug",
        "acc_full_aug",
        "source_acc",
        "acc_scratch",
        "acc_frozen",
        "acc_finetuned",
    ]
    assert fraction(*(v[k] for k in keys)) and all(v[k] > 0.5 for k in keys)
    assert v["acc_full_aug"] > v["acc_small_plain"]
    assert v["aug_gain_small"] == pytest.approx(v["acc_small_aug"] - v["acc_small_plain"])
    assert v["aug_gain_small"] > 0 and 0 <= v["aug_wins"] <= v["repeats"]
    assert v["source_acc"] > 0.9
    assert v["acc_frozen"] > v["acc_scratch"] and v["acc_frozen"] >= v["acc_finetuned"]
    assert v["n_shots_total"] == 5 * v["shots"]
    assert 0 < v["n_misclassified"] < v["n_test"]


def check_time_series(v: dict[str, Any]) -> None:
    maes = ["mae_naive_daily", "mae_naive_weekly", "mae_ar", "mae_lstm"]
    assert finite_positive(*(v[k] for k in maes))
    assert v["n_hours"] == 24 * v["n_days"] and v["n_train_hours"] == v["n_hours"] - v["horizon"]
    assert v["mae_lstm"] < v["mae_naive_weekly"] < v["mae_ar"] < v["mae_naive_daily"]
    assert v["best_model"] == "LSTM" and v["last_train_day"] == "Sunday"
    assert 0 < v["lstm_rel_mae"] < 0.1


def check_service(v: dict[str, Any]) -> None:
    assert 0.9 < v["acc_torch"] <= 1 and 0.9 < v["acc_sklearn"] <= 1
    assert v["n_rejected"] == v["n_bad_inputs"] > 0
    assert finite_positive(v["joblib_kib"], v["export_kib"])
    assert v["hashes_match"] is True
    assert re.fullmatch(r"[0-9a-f]{12}", v["hash_prefix"])
    assert isinstance(v["single_equals_batch"], bool) and 0 <= v["single_vs_batch_diff"] < 1e-4
    # Latencies are measurements: only their order and signs are checked.
    assert finite_positive(v["single_p50_ms"], v["batch_p50_ms"], v["sk_single_p50_ms"])
    assert v["single_p50_ms"] <= v["single_p95_ms"] <= v["single_p99_ms"]
    assert v["batch_p50_ms"] <= v["batch_p95_ms"] <= v["batch_p99_ms"]
    assert v["per_row_speedup"] > 1


def check_monitoring(v: dict[str, Any]) -> None:
    assert v["false_alarms"] == 0
    assert v["drift_start"] <= v["first_ks_alarm"] <= v["first_trigger"]
    assert (
        v["drift_start"] <= v["first_psi_alarm"] and v["drift_start"] <= v["first_accuracy_alarm"]
    )
    assert v["detection_delay"] == v["first_trigger"] - v["drift_start"] <= v["drift_days"]
    assert v["n_retrains"] == len(v["triggers"].split(", ")) >= 1
    assert v["last_trigger"] <= v["drift_end"]
    assert v["max_psi_age"] < v["psi_threshold"] and v["min_ks_p_age"] > v["ks_alpha"]
    assert v["monitored_acc_settled"] > v["static_acc_settled"] + 0.05
    assert v["new_world_accuracy"] < v["reference_accuracy"]
    assert fraction(v["reference_accuracy"], v["static_acc_final"], v["monitored_acc_final"])


def check_quantization(v: dict[str, Any]) -> None:
    assert 0 < v["int8_kib"] < v["fp32_kib"] and 3.0 < v["size_ratio"] < 4.1
    assert 0.9 < v["acc_fp32"] <= 1 and abs(v["acc_delta"]) <= 0.02
    assert v["agreement"] >= 0.97 and v["n_disagree"] == round((1 - v["agreement"]) * v["n_test"])
    assert 0 < v["max_weight_error_steps"] <= 0.5 + 1e-3
    assert finite_positive(
        v["fp32_ms_batch"], v["int8_ms_batch"], v["fp32_ms_row"], v["int8_ms_row"]
    )
    assert v["n_params"] > 1_000_000


def check_document_qa(v: dict[str, Any]) -> None:
    assert v["n_posts"] == len([p for p in POSTS if "document-qa" not in p])
    assert v["n_passages"] > 5 * v["n_posts"] and v["n_terms"] > 1000
    assert fraction(v["hit_at_1"], v["hit_at_3"], v["mrr"]) and v["hit_at_1"] <= v["hit_at_3"]
    assert v["hit_at_1"] >= 0.7 and v["n_correct"] + v["n_misses"] == v["n_questions"]
    assert v["min_margin"] < 0 and v["first_miss"] != "none"  # the post discusses its misses


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "01-linear-regression": check_linear_regression,
    "02-backprop-by-hand": check_backprop,
    "03-spam-detector": check_spam,
    "04-sentiment-lstm": check_sentiment,
    "05-cnn-digits": check_cnn,
    "06-time-series": check_time_series,
    "07-notebook-to-service": check_service,
    "08-monitoring-drift": check_monitoring,
    "09-int8-quantization": check_quantization,
    "10-document-qa": check_document_qa,
}


def test_every_notebook_has_checks() -> None:
    assert NOTEBOOKS == sorted(CHECKS)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_is_committed_clean_with_parameters(stem: str) -> None:
    nb = json.loads((NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_publishes_sane_values(stem: str, run_notebook: Callable[..., dict]) -> None:
    values = published(run_notebook(stem))
    assert values, f"{stem} published no values"
    for name, value in values.items():
        assert isinstance(value, (bool, int, float, str)), name
        assert not isinstance(value, float) or math.isfinite(value), name
    CHECKS[stem](values)


def test_results_are_deterministic(run_notebook: Callable[..., dict]) -> None:
    """Two runs of a notebook publish identical values and identical figures."""
    first, second = run_notebook("01-linear-regression"), run_notebook("01-linear-regression", "-2")
    assert published(first) == published(second)
    images = [
        [
            o["data"].get("image/png")
            for c in nb["cells"]
            for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})
        ]
        for nb in (first, second)
    ]
    assert images[0] and images[0] == images[1]


@pytest.mark.parametrize("name", POSTS)
def test_post_uses_only_published_values(name: str, run_notebook: Callable[..., dict]) -> None:
    meta, body = read_post(name)
    used = set(VALUE_SHORTCODE.findall(shortcode_text(body)))
    if "notebook" not in meta:
        assert not used, f"{name} has no notebook but uses values {sorted(used)}"
        return
    values = published(run_notebook(Path(meta["notebook"]).stem))
    assert used, f"{name} states no computed value"
    assert sorted(used - set(values)) == []


@pytest.mark.parametrize("name", POSTS)
def test_post_front_matter_and_placed_tags(name: str) -> None:
    meta, body = read_post(name)
    assert {"title", "date", "description", "tags", "categories"} <= set(meta)
    assert meta["categories"][0] in {"Foundations", "Classical ML", "Deep learning", "Production"}
    words = len(shortcode_text(body).split())
    assert 600 <= words <= 1300, f"{name}: {words} words"
    if "notebook" in meta:
        nb = json.loads((REPO / meta["notebook"]).read_text(encoding="utf-8"))
        tags = {tag for cell in nb["cells"] for tag in cell["metadata"].get("tags", [])}
        assert sorted(set(TAG_SHORTCODE.findall(body)) - tags) == []
    for dep in meta.get("deps", []):
        assert (REPO / dep).is_file(), dep


def test_posts_are_in_journey_order() -> None:
    dates = [str(read_post(name)[0]["date"]) for name in POSTS]
    assert dates == sorted(dates) and all(d.startswith("2026-") for d in dates)
    notebooks = [read_post(name)[0].get("notebook") for name in POSTS]
    assert [Path(n).stem for n in notebooks if n] == NOTEBOOKS


def test_document_qa_declares_every_post_it_reads() -> None:
    qa = next(name for name in POSTS if "document-qa" in name)
    deps = set(read_post(qa)[0]["deps"])
    assert deps == {f"posts/{name}" for name in POSTS if name != qa}
