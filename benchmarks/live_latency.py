"""How soon live fusion shows a blast: located (provisional) against released.

Each scenario is simulated from one seed (``truceline.fusion.simulate``) and fed to a
``live`` engine a minute at a time as it happens (``truceline.fusion.arriving.releases``,
the live worker's feed and watermark). After each minute the events the engine has
located (``FusionEngine.provisional()``) and those it released are stamped with the
minute's end; for every event given both ways, how long after its blast it was first
located (also apart for those heard by ``EARLY_PICKS`` sensors or more, given from their
block's strong or middle stage) and when released, side by side, with their ratio, and
how many events given were withdrawn (docs/fusion.md, "Engine
API"). Events are counted in minutes of scenario time, not wall time. Usage::

    .venv/bin/python benchmarks/live_latency.py --seeds 11 --hours 4

Not part of the test suite.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from fusion_versions import parse_seeds  # benchmarks/ is the script's own folder
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from truceline.fusion.arriving import releases
from truceline.fusion.engine import EARLY_PICKS, FusionEngine
from truceline.fusion.simulate import SimulationConfig, simulate

QUANTILES = (0.1, 0.5, 0.9, 1.0)


@dataclass
class Latency:
    """Minutes from blast to first located and to released, per event given both ways
    (``early`` marks those heard by ``EARLY_PICKS`` sensors or more); how many events
    were released and how many given were withdrawn."""

    located: list[float] = field(default_factory=list)
    released: list[float] = field(default_factory=list)
    early: list[bool] = field(default_factory=list)
    n_released: int = 0
    n_withdrawn: int = 0

    def add(self, other: Latency) -> None:
        self.located += other.located
        self.released += other.released
        self.early += other.early
        self.n_released += other.n_released
        self.n_withdrawn += other.n_withdrawn


def latencies(preset: str, seed: int, hours: float) -> Latency:
    """One scenario fed to a live engine a minute at a time as it happens."""
    sc = simulate(SimulationConfig.from_preset(preset, seed=seed, hours=hours))
    engine = FusionEngine(list(sc.sensors), list(sc.weather), live=True)
    located: dict[str, datetime] = {}
    out = Latency()
    for now, events, _ in releases(engine, list(sc.detections), lambda d: d.time):
        for e in events:
            out.n_released += 1
            if e.id in located:
                out.located.append((located.pop(e.id) - e.time).total_seconds() / 60)
                out.released.append((now - e.time).total_seconds() / 60)
                out.early.append(e.n_sensors >= EARLY_PICKS)
        out.n_withdrawn += len(engine.withdrawn())
        for p in engine.provisional():
            located[p.id] = now
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="moderate", choices=["moderate", "hard"])
    ap.add_argument("--seeds", default="11", help="e.g. 11 or 1-3")
    ap.add_argument("--hours", type=float, default=4.0)
    args = ap.parse_args()
    console = Console()
    total = Latency()
    seeds = parse_seeds(args.seeds)
    with Progress(console=console) as progress:
        task = progress.add_task("scenarios", total=len(seeds))
        for seed in seeds:
            total.add(latencies(args.preset, seed, args.hours))
            progress.advance(task)
    early = np.array(total.early)
    title = (f"minutes from blast to event, {args.preset} {args.seeds}, {args.hours} h: "
             f"{len(early)} of {total.n_released} events located first, "
             f"{total.n_withdrawn} withdrawn")  # fmt: skip
    table = Table(title=title)
    table.add_column("quantile")
    heads = ("located (provisional)", f"of them heard by {EARLY_PICKS}+",
             "by fewer", "released", "located / released")  # fmt: skip
    for name in heads:
        table.add_column(name, justify="right")
    located, released = np.array(total.located), np.array(total.released)
    for q in QUANTILES:
        a, b = float(np.quantile(located, q)), float(np.quantile(released, q))
        tiers = [f"{float(np.quantile(located[m], q)):.2f}" if m.any() else "-"
                 for m in (early, ~early)]  # fmt: skip
        table.add_row(f"{q:.0%}" if q < 1 else "max", f"{a:.2f}", *tiers, f"{b:.2f}",
                      f"{a / b:.2f}")  # fmt: skip
    console.print(table)
    console.print(f"heard by {EARLY_PICKS}+: {int(early.sum())} of {len(early)}")


if __name__ == "__main__":
    main()
