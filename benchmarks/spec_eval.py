"""Truceline's fusion on scenarios it has never seen, made by an independent generator.

Each scenario is written by ``benchmarks/spec_scenarios.py`` (from the specs alone, no
code shared with ``truceline simulate``), fused by ``truceline fuse`` and scored by
``truceline evaluate`` (the processes this checkout installs), ``--jobs`` at once. The
table gives the issue's figures per scenario against its targets (moderate: recall and
precision ≥ 0.97, error ≤ 1.5 × the Cramér–Rao RMS, pairing ≥ 0.85, side ≥ 0.99 beyond
500 m of the line, no detection in two events; hard: recall and precision ≥ 0.93,
pairing ≥ 0.75) and the fusion rate (wall time of the ``fuse`` process, start-up
included). Usage::

    .venv/bin/python benchmarks/spec_eval.py --seeds 1-10 --hours 0.5 --jobs 2

Scenarios and results stay in ``--work`` (default ``/tmp/truceline-spec-eval``; the
table as markdown in its ``results.md``); a scenario already there is not written
again. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fusion_versions import parse_seeds  # benchmarks/ is the script's own folder
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from spec_scenarios import WIND_FRAMES

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TARGETS = {
    "moderate": {"recall": 0.97, "precision": 0.97, "pairing_accuracy": 0.85,
                 "side_accuracy_far": 0.99, "median_error_to_crb": 1.5},
    "hard": {"recall": 0.93, "precision": 0.93, "pairing_accuracy": 0.75},
}  # fmt: skip


def run_one(work: Path, preset: str, seed: int, hours: float, sensors: int = 90,
            wind_frame: str = "sensor") -> dict[str, object]:  # fmt: skip
    """Generate (once), fuse and score one scenario; returns the evaluator's figures."""
    name = f"{preset}-{seed}" + (f"-s{sensors}" if sensors != 90 else "")
    scen = work / (name + (f"-{wind_frame}" if wind_frame != "sensor" else ""))
    if not (scen / "truth.ndjson").exists():
        subprocess.run([sys.executable, str(HERE / "spec_scenarios.py"), "--preset", preset,
                        "--seed", str(seed), "--hours", str(hours), "--sensors", str(sensors),
                        "--wind-frame", wind_frame, "--out", str(scen)],
                       check=True, capture_output=True)  # fmt: skip
    files = ["--sensors", str(scen / "sensors.csv"), "--weather", str(scen / "weather.ndjson")]
    t0 = time.perf_counter()
    fused = subprocess.run([str(BIN / "truceline"), "fuse", *files, "--detections",
                            str(scen / "detections.ndjson"), "--agreement",
                            str(scen / "agreement.geojson"), "--out", str(scen / "events.geojson")],
                           capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - t0
    if fused.returncode:
        raise RuntimeError(f"{scen}: truceline fuse failed: {fused.stderr.strip()}")
    res = subprocess.run([str(BIN / "truceline"), "evaluate", *files, "--truth",
                          str(scen / "truth.ndjson"), "--events", str(scen / "events.geojson"),
                          "--json"], check=True, capture_output=True)  # fmt: skip
    report: dict[str, object] = json.loads(res.stdout)
    with (scen / "detections.ndjson").open("rb") as fh:
        report["detections"] = sum(1 for _ in fh)
    report["fuse_s"] = wall
    (scen / "eval.json").write_text(json.dumps(report))
    return report


def _below(preset: str, r: dict[str, object]) -> list[str]:
    out = []
    for key, bound in TARGETS[preset].items():
        value = float(r[key])  # type: ignore[arg-type]
        bad = value > bound if key == "median_error_to_crb" else value < bound
        if bad:
            out.append(f"{key} {value:.3f}")
    if int(r["detections_in_several_events"]) > 0:  # type: ignore[call-overload]
        out.append("detections in two events")
    return out


COLUMNS = ("scenario", "detections", "fuse s", "detections/s", "recall", "precision",
           "err/CRB", "pairing", "attribution", "resp. side", "side far",
           "below target")  # fmt: skip


def _rows(results: dict[tuple[str, int], dict[str, object]]) -> list[list[str]]:
    """One row of ``COLUMNS`` per scenario, moderate first."""
    rows = []
    for (preset, seed), r in sorted(
        results.items(), key=lambda kv: (kv[0][0] != "moderate", kv[0])
    ):
        det, wall = int(r["detections"]), float(r["fuse_s"])  # type: ignore[call-overload, arg-type]
        figures = [f"{float(r[k]):.3f}" for k in ("recall", "precision",  # type: ignore[arg-type]
                   "median_error_to_crb", "pairing_accuracy", "attribution_accuracy",
                   "responsible_side_accuracy", "side_accuracy_far")]  # fmt: skip
        rows.append([f"{preset} {seed}", f"{det:,}", f"{wall:.1f}", f"{det / wall:,.0f}",
                     *figures, ", ".join(_below(preset, r)) or "-"])  # fmt: skip
    return rows


def table(results: dict[tuple[str, int], dict[str, object]]) -> Table:
    t = Table(title="independent scenarios (benchmarks/spec_scenarios.py)")
    for col in COLUMNS:
        t.add_column(col, justify="left" if col in ("scenario", "below target") else "right")
    for row in _rows(results):
        t.add_row(*row)
    return t


def markdown(results: dict[tuple[str, int], dict[str, object]]) -> str:
    """The table as markdown (docs/benchmarks.md)."""
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "| --- | " + "---: | " * (len(COLUMNS) - 2) + "--- |"]  # fmt: skip
    lines += ["| " + " | ".join(row) + " |" for row in _rows(results)]
    return "\n".join(lines) + "\n"


def salvo_lines(preset: str, results: dict[tuple[str, int], dict[str, object]]) -> list[str]:
    """The evaluator's pairing by salvo (``salvos``, docs/simulation.md) summed over one
    load's scenarios, and its salvos of which fewer than 70 % of the rounds found at both
    ends paired right; and how many of the rounds found at impact name a launch of their
    salvo (``attributed``)."""
    total = dict.fromkeys(("both", "right", "shifted", "other", "unpaired", "impacts",
                           "attributed"), 0)  # fmt: skip
    weak, n = [], 0
    for (p, seed), r in sorted(results.items()):
        if p != preset:
            continue
        for sv in r.get("salvos", []):  # type: ignore[attr-defined]
            n += 1
            for key in total:
                total[key] += int(sv[key])
            if sv["both"] and sv["right"] < 0.7 * sv["both"]:
                shift = f", {sv['at_shift']} by {sv['shift']:+d}" if sv["shift"] is not None else ""
                weak.append(f"{p} {seed} {sv['salvo']} ({sv['right']} of {sv['both']}, "
                            f"{sv['launches']} launches and {sv['impacts']} impacts of "
                            f"{sv['rounds']}{shift})")  # fmt: skip
    if not n:
        return []
    share = total["right"] / total["both"] if total["both"] else float("nan")
    return [f"{preset}: {n} salvos; of their rounds found at both ends {total['right']} of "
            f"{total['both']} paired right ({share:.3f}), {total['shifted']} with another "
            f"round of the salvo, {total['other']} with other fire, {total['unpaired']} "
            f"unpaired; of {total['impacts']} rounds found at impact {total['attributed']} "
            f"name a launch of their salvo ({total['attributed'] / max(total['impacts'], 1):.3f})",
            f"{preset}: below 70 % right: " + ("; ".join(weak) or "none")]  # fmt: skip


def margin_line(preset: str, results: dict[tuple[str, int], dict[str, object]]) -> list[str]:
    """The evaluator's pairing by margin (``pairing_by_margin``, docs/simulation.md) summed
    over one load's scenarios: pairs, and the share right, in each margin bin."""
    bins: dict[tuple[float, float | None], list[int]] = {}
    for (p, _), r in sorted(results.items()):
        if p != preset:
            continue
        for b in r.get("pairing_by_margin", []):  # type: ignore[attr-defined]
            got = bins.setdefault((b["low"], b["high"]), [0, 0, 0])
            for i, key in enumerate(("pairs", "right", "launcher_right")):
                got[i] += int(b[key])
    if not bins:
        return []
    parts = [f"{lo:g}–{hi:g}" if hi is not None else f"≥ {lo:g}" for lo, hi in bins]
    cells = [f"{span} nats: {n} pairs, {r / n:.3f} right ({lr / n:.3f} launcher)" if n
             else f"{span} nats: none" for span, (n, r, lr) in zip(parts, bins.values(),
                                                                    strict=True)]  # fmt: skip
    return [f"{preset}: pairing by margin: " + "; ".join(cells)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--presets", default="moderate,hard")
    ap.add_argument("--hours", type=float, default=0.5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sensors", type=int, default=90, help="sensors in the network")
    ap.add_argument("--wind-frame", default="sensor", choices=WIND_FRAMES,
                    help="where the generator takes the wind along a path")  # fmt: skip
    ap.add_argument("--work", type=Path, default=Path("/tmp/truceline-spec-eval"))
    a = ap.parse_args()
    jobs = [(p, s) for p in a.presets.split(",") for s in parse_seeds(a.seeds)]
    results: dict[tuple[str, int], dict[str, object]] = {}
    console = Console(width=max(Console().width, 132))
    with Progress(console=console) as progress, ThreadPoolExecutor(a.jobs) as pool:
        task = progress.add_task("generate, fuse, evaluate", total=len(jobs))
        futures = {pool.submit(run_one, a.work, p, s, a.hours, a.sensors, a.wind_frame): (p, s)
                   for p, s in jobs}  # fmt: skip
        for fut, key in futures.items():
            results[key] = fut.result()
            progress.advance(task)
    console.print(table(results))
    presets = sorted({p for p, _ in results})
    salvos = [line for preset in presets for line in salvo_lines(preset, results)]
    salvos += [line for preset in presets for line in margin_line(preset, results)]
    (a.work / "results.md").write_text(markdown(results) + "".join(f"\n{x}\n" for x in salvos))
    console.print(f"markdown table: {a.work / 'results.md'}")
    for preset in presets:
        rows = [r for (p, _), r in results.items() if p == preset]
        ok = sum(1 for r in rows if not _below(preset, r))
        console.print(f"{preset}: {ok} of {len(rows)} scenarios meet every target")
    for line in salvos:
        console.print(line)


if __name__ == "__main__":
    main()
