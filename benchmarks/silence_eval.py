"""Sensors gone silent: are they found, how soon, and is a sending sensor ever taken for one?

Each scenario is simulated from one seed (``truceline.fusion.simulate``, with its own
outages: sensors silent for 1–3 hours, docs/simulation.md) and fed to the engine a minute
at a time, released a minute behind. After each minute the sensors the engine finds
silent (``FusionEngine.silences()``, docs/fusion.md "Silent sensors") are compared with
the truth's outages: an outage is *found* when its sensor is found silent while it lasts
(or within ten minutes of its end, the engine's lag), its delay counted from when it
began or the scenario did, whichever is later; a sensor newly found silent outside its
outages is a *false flag*; for one heard again, how long after its outage ended; for an
outage that began within the scenario, how far from its start the silence was found to
begin. For each outage not found, its minutes within the scenario and the most evidence
its sensor gathered; the most evidence any sensor without an outage gathered ("peak
sending") says how far the threshold is from chance. ``--beyond`` and ``--evidence`` try
other settings (``silence.BEYOND`` and ``silence.DOWN_EVIDENCE``); ``--deaf F`` drops a
fraction F of the detections of five sending sensors a scenario (hard of hearing, not
down), to see whether they are taken for silent. Usage::

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

from truceline.formats.records import Detection
from truceline.fusion import silence
from truceline.fusion.engine import FusionEngine
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate

DEAF = 5  # sensors made hard of hearing with --deaf
LAG = timedelta(minutes=10)  # a find this long after an outage's end still counts


@dataclass(frozen=True)
class Row:
    """One scenario's figures: its outages, the delays of those found (s, sorted), the
    sensors found silent outside any outage, the most evidence a sending sensor gathered,
    and how long after an outage's end its sensor was heard again."""

    preset: str
    seed: int
    outages: int
    delays: list[float]
    false: list[str]
    peak_sending: float
    cleared: list[float]  # s from an outage's end until its sensor was heard again
    missed: list[tuple[float, float]]  # each outage not found: minutes in the scenario, peak
    onset: list[float]  # s from an outage's start to the found start of its silence
    deaf: list[str]  # the sensors made hard of hearing (--deaf)


def _deafen(sc: Scenario, fraction: float, seed: int) -> tuple[list[Detection], list[str]]:
    """The scenario's detections, time-ordered, with ``fraction`` of those of ``DEAF``
    sensors without an outage (drawn by ``seed``) dropped at random: sensors that hear
    less than their neighbours (a worse microphone, a valley) but are sending."""
    rng = np.random.default_rng(seed)
    down = {o.sensor for o in sc.truth.outages}
    pool = sorted({s.id for s in sc.sensors} - down)
    deaf = sorted(rng.choice(pool, size=DEAF, replace=False).tolist()) if fraction else []
    kept = [d for d in sc.detections if d.sensor not in deaf or rng.random() >= fraction]
    return sorted(kept, key=lambda d: (d.time, d.id)), deaf


def run_one(preset: str, seed: int, hours: float, beyond: int, evidence: float,
            deaf: float = 0.0) -> Row:  # fmt: skip
    """One scenario: its outages found (with their delays, s), false flags, peaks."""
    silence.BEYOND, silence.DOWN_EVIDENCE = beyond, evidence
    sc = simulate(SimulationConfig.from_preset(preset, seed=seed, hours=hours))
    engine = FusionEngine(sc.sensors, sc.weather)
    dets, deafened = _deafen(sc, deaf, seed)
    start, end = dets[0].time, dets[-1].time
    outages = [o for o in sc.truth.outages if o.start < end and o.end > start]
    down = {o.sensor for o in sc.truth.outages}
    sending = np.array([s.id not in down for s in sc.sensors])
    first: dict[tuple[str, int], float] = {}
    false: set[str] = set()
    cleared: list[float] = []
    onset: dict[int, float] = {}
    peak = [0.0] * len(outages)
    index = engine.net.index
    peak_sending, i, now, before = 0.0, 0, start, set()
    while i < len(dets):
        now += timedelta(minutes=1)
        j = i
        while j < len(dets) and dets[j].time < now:
            j += 1
        engine.add(dets[i:j])
        i = j
        engine.ready(now - timedelta(minutes=1))
        evidence = engine.silence.evidence
        peak_sending = max(peak_sending, float(evidence[sending].max(initial=0)))
        silences = engine.silences()
        silent = {sensor for sensor, _, _ in silences}
        for k, o in enumerate(outages):
            if o.start <= now <= o.end + LAG:
                peak[k] = max(peak[k], float(evidence[index[o.sensor]]))
        for sensor in silent - before:  # newly found silent: in an outage, or false
            hit = [k for k, o in enumerate(outages)
                   if o.sensor == sensor and o.start <= now <= o.end + LAG]  # fmt: skip
            since = next(t for s, t, _ in silences if s == sensor)
            for k in hit:
                first.setdefault((sensor, k), (now - max(outages[k].start, start)).total_seconds())
                if outages[k].start >= start:
                    onset.setdefault(k, (since - outages[k].start).total_seconds())
            if not hit:
                false.add(sensor)
        for sensor in before - silent:  # heard again: how long after its outage ended
            ended = [o.end for o in outages if o.sensor == sensor and o.end <= now]
            if ended:
                cleared.append((now - max(ended)).total_seconds())
        before = silent
    engine.finish()
    found = {k for _, k in first}
    missed = [((min(o.end, end) - max(o.start, start)).total_seconds() / 60, peak[k])
              for k, o in enumerate(outages) if k not in found]  # fmt: skip
    return Row(preset, seed, len(outages), sorted(first.values()), sorted(false), peak_sending,
               sorted(cleared), missed, sorted(onset.values()), deafened)  # fmt: skip


def _min(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) / 60:.0f} min" if seconds else "–"


def _span(seconds: list[float]) -> str:
    return f"{min(seconds) / 60:.1f} to {max(seconds) / 60:.1f} min" if seconds else "–"


def markdown(rows: list[Row], beyond: int, evidence: float) -> str:
    lines = ["| scenario | outages | found | delays, min | not found: min, peak | false flags | "
             "peak sending |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        shown = ", ".join(f"{x / 60:.0f}" for x in r.delays) or "–"
        gone = ", ".join(f"{m:.0f}: {e:.1f}" for m, e in r.missed) or "–"
        lines.append(f"| {r.preset} {r.seed} | {r.outages} | {len(r.delays)} | {shown} | {gone} | "
                     f"{', '.join(r.false) or 0} | {r.peak_sending:.1f} |")  # fmt: skip
    delays = [d for r in rows for d in r.delays]
    back = [d for r in rows for d in r.cleared]
    onset = [d for r in rows for d in r.onset]
    early = sum(d < -300 for d in onset)
    lines += ["", f"BEYOND {beyond}, DOWN_EVIDENCE {evidence}: {len(delays)} of "
              f"{sum(r.outages for r in rows)} outages found, median delay {_min(delays)}; "
              f"false flags {sum(len(r.false) for r in rows)} ("
              f"{sum(len(set(r.false) & set(r.deaf)) for r in rows)} of "
              f"{sum(len(r.deaf) for r in rows)} sensors made deaf); silent from a median "
              f"{_min(onset)} after the outage began ({len(onset)}; {_span(onset)}; {early} "
              f"over 5 min early); heard again a median {_min(back)} after the outage ended "
              f"({len(back)})."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="2-7")
    ap.add_argument("--presets", default="moderate,hard")
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--beyond", type=int, default=silence.BEYOND)
    ap.add_argument("--evidence", type=float, default=silence.DOWN_EVIDENCE)
    ap.add_argument("--deaf", type=float, default=0.0,
                    help=f"drop this fraction of {DEAF} sending sensors' detections")  # fmt: skip
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("/tmp/truceline-silence-eval.md"))
    args = ap.parse_args()
    todo = [(p, s) for p in args.presets.split(",") for s in parse_seeds(args.seeds)]
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool, Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("scenarios", total=len(todo))
        futures = [pool.submit(run_one, p, s, args.hours, args.beyond, args.evidence,
                               args.deaf) for p, s in todo]  # fmt: skip
        for fut in as_completed(futures):
            rows.append(fut.result())
            bar.advance(task)
    rows.sort(key=lambda r: (r.preset != "moderate", r.seed))
    text = markdown(rows, args.beyond, args.evidence)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
