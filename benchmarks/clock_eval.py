"""Sensor clocks that run off: are they found, and what does correcting them give back?

Each scenario is simulated twice from one seed (``truceline.fusion.simulate``): as is, and
with ``--faults`` sensors whose clocks step off (5 ms to 1 s either way, or as
``--fault-ms`` says) and ``--drifts``
whose clocks drift (2 to 100 ppm either way), each from a time in the scenario's first
half (docs/simulation.md). The faulty input is fused with the
clock corrections (``engine.CLOCK_FIX``) and without, and the sound input as it is; each
run is scored by the evaluator, and the clock checks at the end of the faulty input by
:func:`truceline.fusion.clock_scores.clock_scores`. A fourth run fuses the faulty input
again with the corrections the third made, each from when its fault began by the evidence
(``truceline fuse --refit-clocks``'s second pass; the third's figures where it made none).
With ``--live``, a fifth fuses the faulty input as the live worker gets it: each detection
handed over at its true time (its stamp less its clock's error), a minute at a time, and
released a minute behind the latest stamp or the minute's end, whichever is earlier (the
worker's watermark, capped at the wall clock; :func:`truceline.fusion.arriving.releases`):
a clock more than that minute slow has its detections come behind the floor; each
scenario's lags from origin to release are given too. An older engine is compared by
running this script with its tree first on ``PYTHONPATH``, this checkout's
``src/truceline/fusion/arriving.py`` copied into it. Usage::

    .venv/bin/python benchmarks/clock_eval.py --seeds 1-10 --hours 1 --faults 4 --drifts 2

The table (markdown, also written to ``--out``) has one row per scenario: faults found of
those simulated, false flags, and recall, precision and pairing of the four runs. Not
part of the test suite.
"""

from __future__ import annotations

import argparse
import math
import statistics
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from fusion_versions import parse_seeds  # benchmarks/ is the script's own folder
from rich.console import Console
from rich.progress import Progress

from truceline.agreement.parse import parse_agreement
from truceline.agreement.spatial import AgreementIndex
from truceline.formats.records import Detection
from truceline.fusion import engine as engine_module
from truceline.fusion.arriving import releases
from truceline.fusion.clock_scores import clock_scores
from truceline.fusion.clocks import Correction
from truceline.fusion.engine import FusionEngine
from truceline.fusion.evaluate import Report, evaluate, parse_events
from truceline.fusion.event import Event, event_to_feature
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate

RUNS = ("sound", "faulty", "corrected", "again")


def _fuse(sc: Scenario, detections: list, fix: bool, schedule: Correction | None = None
          ) -> tuple[Report, FusionEngine]:  # fmt: skip
    """Fuse ``detections`` as ``truceline fuse`` does (with ``schedule``: as its second
    pass, ``--refit-clocks``); the report and the engine."""
    engine = _engine(sc, fix)
    if schedule is not None:
        engine.follow_schedule(schedule)
    engine.add(detections)
    return _report(sc, engine.finish()), engine


def _engine(sc: Scenario, fix: bool, live: bool = False) -> FusionEngine:
    """An engine for ``sc`` as ``truceline fuse`` (or, ``live``, the worker) makes it,
    its clock corrections on or off (``fix``)."""
    engine_module.CLOCK_FIX = fix
    index = AgreementIndex(parse_agreement(sc.agreement, source="agreement"))
    if not live:
        return FusionEngine.for_agreement(sc.sensors, sc.weather, index)
    try:
        return FusionEngine.for_agreement(sc.sensors, sc.weather, index, live=True)
    except TypeError:  # an older engine, compared, which knew no live mode
        return FusionEngine.for_agreement(sc.sensors, sc.weather, index)


def _report(sc: Scenario, events: list[Event]) -> Report:
    """The evaluator's report on ``events`` against ``sc``'s truth."""
    doc = {"features": [event_to_feature(e) for e in events]}
    return evaluate(sc.truth, parse_events(doc, source="events"), sc.sensors, sc.weather)


def _fuse_live(sc: Scenario) -> tuple[Report, list[float], FusionEngine]:
    """Fuse ``sc``'s detections as they arrive (see the module's docstring): the report,
    each event's lag (s: from its origin time to the end of the minute that released it;
    ``finish`` releases the rest at the last minute's end) and the engine."""
    engine = _engine(sc, True, live=True)
    faults = {f.sensor: f for f in sc.truth.clock_faults}

    def arrives(d: Detection) -> datetime:
        """When ``d`` happened (its stamp less its clock's error then)."""
        f = faults.get(d.sensor)
        if f is None:
            return d.time
        stepped = d.time - timedelta(milliseconds=f.offset_ms)  # as if after the step
        return d.time - timedelta(milliseconds=f.offset_at(stepped))

    events: list[Event] = []
    lags: list[float] = []
    for now, released, _ in releases(engine, sc.detections, arrives):
        lags += [(now - e.time).total_seconds() for e in released]
        events += released
    return _report(sc, events), lags, engine


def run_one(
    preset: str,
    seed: int,
    hours: float,
    faults: int,
    drifts: int,
    fault_ms: tuple[float, float] = (5.0, 1000.0),
    live: bool = False,
) -> dict[str, object]:
    """One scenario's figures (see the module's docstring)."""
    config = SimulationConfig.from_preset(preset, seed=seed, hours=hours)
    sound = simulate(config)
    faulty = simulate(
        replace(config, clock_faults=faults, clock_drifts=drifts, clock_fault_ms=fault_ms)
    )
    base, _ = _fuse(sound, list(sound.detections), True)
    left, _ = _fuse(faulty, list(faulty.detections), False)
    fixed, engine = _fuse(faulty, list(faulty.detections), True)
    checks = [c.as_dict() for c in engine.clock_checks()]
    score = clock_scores(faulty.truth, checks, engine.clocks_as_of)
    schedule = engine.clock_schedule()
    again = fixed if schedule is None else _fuse(faulty, list(faulty.detections), True,
                                                 schedule)[0]  # fmt: skip
    runs = {"sound": base, "faulty": left, "corrected": fixed, "again": again}
    crashed, lag, kept = "", (math.nan, math.nan), (0, 0)
    if live:
        try:
            runs["live"], lags, live_engine = _fuse_live(faulty)
            lag = (statistics.median(lags), float(np.percentile(lags, 90)))
            kept = (live_engine.late, getattr(live_engine, "recovered", 0))
        except ValueError as exc:  # an older engine's crash (an older version, compared)
            crashed = str(exc)
    return {"preset": preset, "seed": seed, "faults": score.faults, "found": score.found,
            "false": score.false_flags,
            "detail": [(d.sensor, d.offset_ms, d.drift_ppm, d.status, d.found_ms, d.found)
                       for d in score.detail],
            "runs": {name: (r.recall, r.precision, r.pairing_accuracy, r.median_error_to_crb)
                     for name, r in runs.items()}
                    | ({"live": (math.nan,) * 4} if crashed else {}),
            "crashed": crashed, "lag": lag, "late": kept}  # fmt: skip


def markdown(rows: list[dict[str, object]]) -> str:
    """The table: one row per scenario, then the sums."""
    names = [n for n in (*RUNS, "live") if n in rows[0]["runs"]]  # type: ignore[operator]
    head = (f"| scenario | faults found | false flags | recall {' / '.join(names)} | "
            "precision | pairing |\n"
            "| --- | ---: | ---: | --- | --- | --- |")  # fmt: skip
    lines = [head]
    for r in rows:
        runs = r["runs"]
        assert isinstance(runs, dict)
        cells = [" / ".join(f"{runs[n][k]:.3f}" for n in names) for k in range(3)]
        lines.append(f"| {r['preset']} {r['seed']} | {r['found']} of {r['faults']} | "
                     f"{r['false']} | {' | '.join(cells)} |")  # fmt: skip
    found = sum(int(r["found"]) for r in rows)  # type: ignore[call-overload]
    total = sum(int(r["faults"]) for r in rows)  # type: ignore[call-overload]
    false = sum(int(r["false"]) for r in rows)  # type: ignore[call-overload]
    lines.append(f"\n{found} of {total} faults found, {false} false flags over {len(rows)} "
                 "scenarios.")  # fmt: skip
    missed = [f"{r['preset']} {r['seed']} {s} ({o:+.1f} ms{f', {d:+g} ppm' if d else ''}: "
              f"{st}, found {f})"
              for r in rows for s, o, d, st, f, ok in r["detail"]  # type: ignore[attr-defined]
              if not ok]  # fmt: skip
    lines.append("Not found: " + ("; ".join(missed) or "none") + ".")
    if "live" in names:
        lags = [f"{r['preset']} {r['seed']} {r['lag'][0]:.0f}/{r['lag'][1]:.0f} "  # type: ignore[index]
                f"({r['late'][0]} late, {r['late'][1]} of them recovered)"  # type: ignore[index]
                for r in rows]  # fmt: skip
        lines.append("Live lag, s, from origin to release (median/90th percentile): "
                     + "; ".join(lags) + ".")  # fmt: skip
    crashed = [f"{r['preset']} {r['seed']} ({r['crashed']})" for r in rows if r.get("crashed")]
    if crashed:
        lines.append("Live run crashed: " + "; ".join(crashed) + ".")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--presets", default="moderate,hard")
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--faults", type=int, default=4, help="sensors whose clock steps off")
    ap.add_argument("--drifts", type=int, default=0, help="sensors whose clock drifts")
    ap.add_argument(
        "--fault-ms", default="5,1000", help="the steps' sizes, ms: LO,HI (log-uniform, either way)"
    )
    ap.add_argument("--live", action="store_true", help="also fuse as the live worker gets it")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("/tmp/truceline-clock-eval.md"))
    args = ap.parse_args()
    todo = [(p, s) for p in args.presets.split(",") for s in parse_seeds(args.seeds)]
    lo, hi = (float(x) for x in args.fault_ms.split(","))
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool, Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task("scenarios", total=len(todo))
        futures = [pool.submit(run_one, p, s, args.hours, args.faults, args.drifts,
                               (lo, hi), args.live)
                   for p, s in todo]  # fmt: skip
        for fut in as_completed(futures):
            rows.append(fut.result())
            bar.advance(task)
    rows.sort(key=lambda r: (r["preset"] != "moderate", r["seed"]))
    text = markdown(rows)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
