"""How soon live fusion shows a blast: located (provisional) against released.

Each scenario is simulated from one seed (``truceline.fusion.simulate``) and fed to a
``live`` engine a minute at a time as it happens (``truceline.fusion.arriving.releases``,
the live worker's feed and watermark). After each minute the events the engine has
located (``FusionEngine.provisional()``) and those it released are stamped with the
minute's end; for every event given both ways, how long after its blast it was first
located and when released, side by side, with their ratio (docs/fusion.md, "Engine
API"). Events are counted in minutes of scenario time, not wall time. Usage::

    .venv/bin/python benchmarks/live_latency.py --seeds 11 --hours 4

Not part of the test suite.
"""

from __future__ import annotations

import argparse
from datetime import datetime

import numpy as np
from fusion_versions import parse_seeds  # benchmarks/ is the script's own folder
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from truceline.fusion.arriving import releases
from truceline.fusion.engine import FusionEngine
from truceline.fusion.simulate import SimulationConfig, simulate

QUANTILES = (0.1, 0.5, 0.9, 1.0)


def latencies(preset: str, seed: int, hours: float) -> tuple[list[float], list[float], int]:
    """Minutes from blast to first located and to released, per event given both ways;
    and how many events were released in all."""
    sc = simulate(SimulationConfig.from_preset(preset, seed=seed, hours=hours))
    engine = FusionEngine(list(sc.sensors), list(sc.weather), live=True)
    located: dict[str, datetime] = {}
    early, late, released = [], [], 0
    for now, events, _ in releases(engine, list(sc.detections), lambda d: d.time):
        for e in events:
            released += 1
            if e.id in located:
                early.append((located.pop(e.id) - e.time).total_seconds() / 60)
                late.append((now - e.time).total_seconds() / 60)
        for p in engine.provisional():
            located[p.id] = now
    return early, late, released


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="moderate", choices=["moderate", "hard"])
    ap.add_argument("--seeds", default="11", help="e.g. 11 or 1-3")
    ap.add_argument("--hours", type=float, default=4.0)
    args = ap.parse_args()
    console = Console()
    early: list[float] = []
    late: list[float] = []
    released = 0
    seeds = parse_seeds(args.seeds)
    with Progress(console=console) as progress:
        task = progress.add_task("scenarios", total=len(seeds))
        for seed in seeds:
            e, lt, n = latencies(args.preset, seed, args.hours)
            early += e
            late += lt
            released += n
            progress.advance(task)
    title = (f"minutes from blast to event, {args.preset} {args.seeds}, {args.hours} h: "
             f"{len(early)} of {released} events located first")  # fmt: skip
    table = Table(title=title)
    table.add_column("quantile")
    for name in ("located (provisional)", "released", "located / released"):
        table.add_column(name, justify="right")
    for q in QUANTILES:
        a, b = float(np.quantile(early, q)), float(np.quantile(late, q))
        table.add_row(f"{q:.0%}" if q < 1 else "max", f"{a:.2f}", f"{b:.2f}", f"{a / b:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
