"""Fusion speed and accuracy of this checkout beside an earlier git revision, same inputs.

Each evaluator scenario (``truceline simulate --preset P --seed S --hours H``, written once
by this checkout's simulator) is fused and scored by both versions, one Python process per
(scenario, version) with ``PYTHONPATH`` pointing at that version's sources, ``--jobs`` of
them at once. Fusion time is ``run_fuse`` alone (start-up excluded; each version's numba
kernels are compiled once by a warm-up run first), both versions running the same form
of the kernels (:func:`_same_kernels`). With ``--repeat
N`` each (scenario, version) runs N times, the versions alternating, and the fastest run
counts (single runs on a shared machine move by ±15 %). The table gives each version's
recall, precision, pairing and pure recall (``truceline evaluate``; computed for both by
this checkout's evaluator), as in docs/benchmarks.md; ``--report`` prints it again from
the last run's results without fusing. Usage::

    .venv/bin/python benchmarks/fusion_versions.py --base 85c6b2b --seeds 1-9 --repeat 2

Not part of the test suite: it takes minutes (the hard load dominates).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

ROOT = Path(__file__).resolve().parents[1]


def _worker(scen: Path, out: Path) -> None:
    """Fuse and score one scenario with whichever ``truceline`` is on the path."""
    from truceline.cli.fuse_cmd import read_sensors, read_weather, run_fuse
    from truceline.fusion.evaluate import evaluate, read_events
    from truceline.fusion.truth import read_truth

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run_fuse(scen / "sensors.csv", scen / "detections.ndjson", out / "events.geojson",
             weather=scen / "weather.ndjson", agreement=scen / "agreement.geojson",
             console=Console(quiet=True))  # fmt: skip
    wall = time.perf_counter() - t0
    report = evaluate(read_truth(scen / "truth.ndjson"), read_events(out / "events.geojson"),
                      read_sensors(scen / "sensors.csv"),
                      read_weather(scen / "weather.ndjson")).as_dict()  # fmt: skip
    report["fusion_s"] = wall
    report["detections"] = sum(1 for _ in (scen / "detections.ndjson").open())
    (out / "eval.json").write_text(json.dumps(report, default=str))


def _report(args: argparse.Namespace, work: Path) -> None:
    """The table of the results a run left in ``work`` (its scenarios and events)."""
    saved = json.loads((work / "results.json").read_text())
    results = {(k.partition("/")[0], k.partition("/")[2]): v for k, v in saved.items()}
    scenarios = [work / "scen" / f"{p}-{s}-{args.hours}" for p in args.presets.split(",")
                 for s in parse_seeds(args.seeds)]  # fmt: skip
    _print(args.base, scenarios, results, work / "runs")


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``1-9`` (a range) or ``5`` (one), or several of them: ``1-3,7``."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def _same_kernels(base_tree: Path, console: Console) -> dict[str, str]:
    """Give both versions the same form of the compiled kernels; returns the environment
    that makes it so.

    This checkout runs the kernels built ahead of time (``make install``), and a fresh
    worktree has no build: its kernels ran under the JIT, whose dispatch costs some
    microseconds a call more, and on half-hour inputs that alone had made this checkout
    look 1.2–1.4× faster than a base of the same kernels. Where the base's kernel sources
    are this checkout's, its build is copied into the worktree (it serves only the
    sources it was built from); otherwise both versions run under the JIT."""
    from truceline.fusion import kernels

    here = kernels.HERE
    there = base_tree / "src" / "truceline" / "fusion"
    same = all((there / n).exists() and (there / n).read_bytes() == (here / n).read_bytes()
               for n in kernels.SOURCES)  # fmt: skip
    if same and kernels.current():
        for built in [*here.glob(f"{kernels.MODULE}.*.so"), kernels.STAMP]:
            shutil.copy2(built, there / built.name)
        console.print("kernels: both versions run this checkout's ahead-of-time build")
        return {}
    console.print("kernels: the versions' kernel sources differ (or this checkout has no "
                  "build): both run under the JIT")  # fmt: skip
    return {"TRUCELINE_KERNELS": "jit"}


def _run(src: Path, scen: Path, out: Path, extra: dict[str, str] | None = None
         ) -> dict[str, float]:  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(src), **(extra or {})}
    cmd = [sys.executable, __file__, "--worker", str(scen), str(out)]
    subprocess.run(cmd, env=env, check=True)
    return dict(json.loads((out / "eval.json").read_text()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="HEAD~1", help="git revision to compare with")
    ap.add_argument("--presets", default="moderate,hard")
    ap.add_argument("--seeds", default="1-3", help="e.g. 1-9")
    ap.add_argument("--hours", type=float, default=0.5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per scenario and version, alternating; the fastest counts",
    )
    ap.add_argument("--workdir", type=Path, default=ROOT / ".bench" / "fusion_versions")
    ap.add_argument("--report", action="store_true",
                    help="print the table of the last run's results, fusing nothing")  # fmt: skip
    ap.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(*args.worker)
        return
    console = Console()
    work = args.workdir
    if args.report:
        _report(args, work)
        return
    base_tree = work / "base"
    if base_tree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT,
                       check=False, capture_output=True)  # fmt: skip
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(base_tree), args.base],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    versions = {"base": base_tree / "src", "this": ROOT / "src"}
    kernels_env = _same_kernels(base_tree, console)
    scenarios = []
    for preset in args.presets.split(","):
        for seed in parse_seeds(args.seeds):
            scen = work / "scen" / f"{preset}-{seed}-{args.hours}"
            if not (scen / "detections.ndjson").exists():
                subprocess.run([str(ROOT / ".venv" / "bin" / "truceline"), "simulate", "--preset",
                                preset, "--seed", str(seed), "--hours", str(args.hours),
                                "--out", str(scen)], check=True, capture_output=True)  # fmt: skip
            scenarios.append(scen)
    for name, src in versions.items():  # compile each version's kernels once
        _run(src, scenarios[0], work / "runs" / "warmup" / name, kernels_env)
    jobs = [(scen, name, r) for scen in scenarios for r in range(args.repeat) for name in versions]
    results: dict[tuple[str, str], dict[str, float]] = {}
    with Progress(console=console) as bar, ThreadPoolExecutor(args.jobs) as pool:
        task = bar.add_task("fusing", total=len(jobs))
        futures = {}
        for s, n, r in jobs:
            out = work / "runs" / n / f"{s.name}.{r}"
            futures[pool.submit(_run, versions[n], s, out, kernels_env)] = (s.name, n)
        for fut, key in futures.items():
            got = fut.result()
            if key in results:  # the same events each run: only the time differs
                got["fusion_s"] = min(got["fusion_s"], results[key]["fusion_s"])
            results[key] = got
            bar.advance(task)
    _print(args.base, scenarios, results, work / "runs")
    (work / "results.json").write_text(json.dumps({f"{k[0]}/{k[1]}": v for k, v in results.items()},
                                                  default=str, indent=1))  # fmt: skip


def _pure_recall(scen: Path, events: Path) -> float:
    """The share of blasts whose event draws most of its detections from them, by this
    checkout's evaluator (an earlier version's may not report it)."""
    from truceline.cli.fuse_cmd import read_sensors
    from truceline.fusion.evaluate import evaluate, read_events
    from truceline.fusion.truth import read_truth

    report = evaluate(read_truth(scen / "truth.ndjson"), read_events(events),
                      read_sensors(scen / "sensors.csv"))  # fmt: skip
    return report.pure_recall


def _print(base: str, scenarios: list[Path], results: dict[tuple[str, str], dict[str, float]],
           runs: Path) -> None:  # fmt: skip
    """The markdown table of docs/benchmarks.md and each load's totals."""
    print(f"| scenario | detections | `{base}` s | this s | ratio | detections/s (this) "
          f"| recall `{base}` → this | precision | pairing | pure recall |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    totals: dict[str, list[float]] = {}
    for scen in scenarios:
        a, b = results[(scen.name, "base")], results[(scen.name, "this")]
        pure = [_pure_recall(scen, runs / v / f"{scen.name}.0" / "events.geojson")
                for v in ("base", "this")]  # fmt: skip
        n = b["detections"]
        cells = [f"{a[k]:.3f} → {b[k]:.3f}" for k in ("recall", "precision", "pairing_accuracy")]
        print(f"| {scen.name} | {n:.0f} | {a['fusion_s']:.1f} | {b['fusion_s']:.1f} | "
              f"{a['fusion_s'] / b['fusion_s']:.2f}× | {n / b['fusion_s']:.0f} | "
              f"{' | '.join(cells)} | {pure[0]:.3f} → {pure[1]:.3f} |")  # fmt: skip
        t = totals.setdefault(scen.name.split("-")[0], [0.0, 0.0, math.inf, 0.0])
        t[0] += a["fusion_s"]
        t[1] += b["fusion_s"]
        t[2] = min(t[2], n / b["fusion_s"])
        t[3] = max(t[3], n / b["fusion_s"])
    for load, (x, y, lo, hi) in totals.items():
        print(f"{load}: {x:.1f} s → {y:.1f} s ({x / y:.2f}×), {lo:.0f}–{hi:.0f} detections/s")


if __name__ == "__main__":
    main()
