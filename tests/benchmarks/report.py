"""Build benchmark report: best figures, ratios to the floors, targets, and the printed table."""

from __future__ import annotations

from .measure import Measurement

# (name, limit, numerator, denominator); a ratio target passes when value <= limit.
RATIO_TARGETS = (
    ("cold build --jobs 1 vs floor", 1.2, "build --jobs 1 (cold)", "floor"),
    ("cold build --jobs 2 vs floor", 0.6, "build --jobs 2 (cold)", "floor"),
    ("no-change build vs hash script", 2.5, "build (no change)", "hash sources"),
    ("one-post-edit build vs hash script", 5.0, "build (one-post edit)", "hash sources"),
)
PEAK_LIMIT_MIB = 100.0
WARM = ("build (no change)", "build (one-post edit)")


def summarize(results: dict[str, list[Measurement]]) -> dict[str, dict[str, object]]:
    """Best time and peak memory per command, with ratios to the floor and the hash script."""
    best = {
        name: min((r.seconds for r in runs if r.returncode == 0), default=None)
        for name, runs in results.items()
    }
    cpu = {
        name: min((r.cpu_seconds for r in runs if r.returncode == 0), default=None)
        for name, runs in results.items()
    }
    rows: dict[str, dict[str, object]] = {}
    for name, runs in results.items():
        seconds = best[name]
        rows[name] = {
            "seconds": seconds,
            # CPU time barely moves with the machine's load, unlike wall time: a second opinion.
            "cpu_seconds": None if cpu[name] is None else round(cpu[name], 3),
            "cpu_ratio_floor": _ratio(cpu[name], cpu["floor"]),
            "runs": [round(r.seconds, 4) for r in runs],
            "failed_runs": sum(r.returncode != 0 for r in runs),
            # Only successful runs count: a build that died early says nothing about memory.
            "peak_mib": _peak([r.peak_mib for r in runs if r.returncode == 0]),
            "ratio_floor": _ratio(seconds, best["floor"]),
            "ratio_hash": _ratio(seconds, best["hash sources"]) if name in WARM else None,
        }
    return rows


def _peak(values: list[float]) -> float | None:
    return round(max(values), 1) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def targets(rows: dict[str, dict[str, object]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for label, limit, num, den in RATIO_TARGETS:
        value = _ratio(rows[num]["seconds"], rows[den]["seconds"])  # type: ignore[arg-type]
        out.append(
            {
                "target": f"{label} <= {limit}",
                "value": value,
                "pass": value is not None and value <= limit,
            }
        )
    peaks = [rows[n]["peak_mib"] for n in rows if n.startswith("build")]
    peak = None if None in peaks else _peak(peaks)  # type: ignore[arg-type]
    out.append(
        {
            "target": f"peak RSS of any build process < {PEAK_LIMIT_MIB:.0f} MiB",
            "value": peak,
            "pass": peak is not None and peak < PEAK_LIMIT_MIB,
        }
    )
    return out


def print_report(rows: dict[str, dict[str, object]], goals: list[dict[str, object]]) -> None:
    head = ["best s", "x floor", "x hash", "cpu s", "cpu x fl", "peak MiB"]
    print(f"{'command':<24} " + " ".join(f"{h:>9}" for h in head) + "  runs")
    for name, row in rows.items():
        cells = [
            _fmt(row["seconds"], ".3f"),
            _fmt(row["ratio_floor"], ".2f"),
            _fmt(row["ratio_hash"], ".2f"),
            _fmt(row["cpu_seconds"], ".2f"),
            _fmt(row["cpu_ratio_floor"], ".2f"),
            _fmt(row["peak_mib"], ".1f"),
        ]
        failed = f"  ({row['failed_runs']} FAILED)" if row["failed_runs"] else ""
        runs = ", ".join(f"{s:.2f}" for s in row["runs"])  # type: ignore[union-attr]
        print(f"{name:<24} " + " ".join(f"{c:>9}" for c in cells) + f"  {runs}{failed}")
    print()
    for goal in goals:
        print(
            f"{'PASS' if goal['pass'] else 'MISS'}  {goal['target']}: {_fmt(goal['value'], '.3f')}"
        )


def _fmt(value: object, spec: str) -> str:
    return "-" if value is None else format(value, spec)
