"""Sensors gone silent: are they found, how soon, and is a sending sensor ever taken for one?

Each scenario is simulated from one seed (``truceline.fusion.simulate``, with its own
outages: sensors silent for 1–3 hours, docs/simulation.md) and fed to the engine a minute
at a time, released a minute behind. After each minute the sensors the engine finds
silent (``FusionEngine.silences()``, docs/fusion.md "Silent sensors") are compared with
the truth's outages: an outage is *found* when its sensor is found silent while it lasts
(or within ten minutes of its end, the engine's lag), its delay counted from when it
began or the scenario did, whichever is later; a sensor newly found silent outside its
outages is a *false flag*; for one heard again, how long after its outage ended. The
longest run of misses of a sensor with no outage says how far the threshold is from
chance. ``--near-rank`` and ``--misses`` try other settings (``silence.NEAR_RANK`` and
``silence.DOWN_MISSES``). Usage::

    .venv/bin/python benchmarks/silence_eval.py --seeds 2-7 --hours 2

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from fusion_versions import parse_seeds  # benchmarks/ is the script's own folder
from rich.console import Console
from rich.progress import Progress

from truceline.fusion import silence
from truceline.fusion.engine import FusionEngine
from truceline.fusion.simulate import SimulationConfig, simulate

LAG = timedelta(minutes=10)  # a find this long after an outage's end still counts


@dataclass(frozen=True)
class Row:
    """One scenario's figures: its outages, the delays of those found (s, sorted), the
    sensors found silent outside any outage, the longest run of a sending sensor, and how
    long after an outage's end its sensor was heard again."""

    preset: str
    seed: int
    outages: int
    delays: list[float]
    false: list[str]
    longest: int
    cleared: list[float]  # s from an outage's end until its sensor was heard again


def run_one(preset: str, seed: int, hours: float, rank: int, misses: int) -> Row:
    """One scenario: its outages found (with their delays, s), false flags, longest run."""
    silence.NEAR_RANK, silence.DOWN_MISSES = rank, misses
    sc = simulate(SimulationConfig.from_preset(preset, seed=seed, hours=hours))
    engine = FusionEngine(sc.sensors, sc.weather)
    dets = sorted(sc.detections, key=lambda d: (d.time, d.id))
    start, end = dets[0].time, dets[-1].time
    outages = [o for o in sc.truth.outages if o.start < end and o.end > start]
    ids = [s.id for s in sc.sensors]
    sending = np.array([all(o.sensor != i for o in sc.truth.outages) for i in ids])
    first: dict[tuple[str, int], float] = {}
    false: set[str] = set()
    cleared: list[float] = []
    longest, i, now, before = 0, 0, start, set()
    while i < len(dets):
        now += timedelta(minutes=1)
        j = i
        while j < len(dets) and dets[j].time < now:
            j += 1
        engine.add(dets[i:j])
        i = j
        engine.ready(now - timedelta(minutes=1))
        longest = max(longest, int(engine.silence.run[sending].max(initial=0)))
        silent = {sensor for sensor, _, _ in engine.silences()}
        for sensor in silent - before:  # newly found silent: in an outage, or false
            hit = [k for k, o in enumerate(outages)
                   if o.sensor == sensor and o.start <= now <= o.end + LAG]  # fmt: skip
            for k in hit:
                first.setdefault((sensor, k), (now - max(outages[k].start, start)).total_seconds())
            if not hit:
                false.add(sensor)
        for sensor in before - silent:  # heard again: how long after its outage ended
            ended = [o.end for o in outages if o.sensor == sensor and o.end <= now]
            if ended:
                cleared.append((now - max(ended)).total_seconds())
        before = silent
    engine.finish()
    return Row(
        preset, seed, len(outages), sorted(first.values()), sorted(false), longest, sorted(cleared)
    )


def _min(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) / 60:.0f} min" if seconds else "–"


def markdown(rows: list[Row], rank: int, misses: int) -> str:
    lines = ["| scenario | outages | found | delays, min | false flags | longest run sending |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        shown = ", ".join(f"{x / 60:.0f}" for x in r.delays) or "–"
        lines.append(f"| {r.preset} {r.seed} | {r.outages} | {len(r.delays)} | {shown} | "
                     f"{', '.join(r.false) or 0} | {r.longest} |")  # fmt: skip
    delays = [d for r in rows for d in r.delays]
    back = [d for r in rows for d in r.cleared]
    lines += ["", f"NEAR_RANK {rank}, DOWN_MISSES {misses}: {len(delays)} of "
              f"{sum(r.outages for r in rows)} outages found, median delay {_min(delays)}; "
              f"false flags {sum(len(r.false) for r in rows)}; heard again a median "
              f"{_min(back)} after the outage ended ({len(back)})."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="2-7")
    ap.add_argument("--presets", default="moderate,hard")
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--near-rank", type=int, default=silence.NEAR_RANK)
    ap.add_argument("--misses", type=int, default=silence.DOWN_MISSES)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("/tmp/truceline-silence-eval.md"))
    args = ap.parse_args()
    todo = [(p, s) for p in args.presets.split(",") for s in parse_seeds(args.seeds)]
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool, Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("scenarios", total=len(todo))
        futures = [pool.submit(run_one, p, s, args.hours, args.near_rank, args.misses)
                   for p, s in todo]  # fmt: skip
        for fut in as_completed(futures):
            rows.append(fut.result())
            bar.advance(task)
    rows.sort(key=lambda r: (r.preset != "moderate", r.seed))
    text = markdown(rows, args.near_rank, args.misses)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
