"""The association walk alone: capture every walk of one ``truceline fuse`` run, replay them.

The partition walk (:func:`truceline.fusion.partition.walk`, the compiled
``_kernels.partition_dfs``) is a third of the fusion time on a long input, and every
change to it must leave its leaves exactly as they were or be evaluated as a change of
behaviour. End-to-end timings move by ±15 % on this shared machine; the walks alone, run
back to back in one process, move by a few per cent. So:

``capture`` fuses a scenario with this checkout and pickles the arguments of every walk
(the free picks, the block's geometry, the limits, the working sensors, the halo; the
events go beside the pickle, as ``.geojson``);
``replay`` runs those walks with whichever ``truceline`` is on ``PYTHONPATH`` (a
worktree of another revision, or a kernel being changed), times them ``--repeat`` times,
and with ``--compare`` says whether every walk's leaves and leftover boxes are
byte-identical to another replay's (``--save``). Usage::

    .venv/bin/truceline simulate --preset moderate --seed 11 --hours 4 --out /tmp/long
    .venv/bin/python benchmarks/walk_replay.py capture /tmp/long /tmp/walks.pkl
    .venv/bin/python benchmarks/walk_replay.py replay /tmp/walks.pkl --save /tmp/base.pkl
    PYTHONPATH=/tmp/wt/src .venv/bin/python benchmarks/walk_replay.py replay \\
        /tmp/walks.pkl --compare /tmp/base.pkl

The pickle holds this checkout's dataclasses (``PickSet``, ``Geometry``, ``Limits``,
``Halo``): a revision that changed them cannot read it. The first replay of a changed
kernel compiles it (about 15 s); ``--repeat`` runs after the first count.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress


def capture(scenario: Path, out: Path) -> int:
    """Fuse ``scenario`` and pickle every walk's arguments to ``out``; returns the count."""
    from truceline.cli.fuse_cmd import run_fuse
    from truceline.fusion import associate, partition

    calls: list[tuple[Any, ...]] = []
    real = partition.walk

    def recording(root: Any, ps: Any, geo: Any, lim: Any, alive: Any, halo: Any = None) -> Any:
        calls.append((root.copy(), ps, geo, lim, alive.copy(), halo))
        return real(root, ps, geo, lim, alive, halo)

    associate.walk = recording  # type: ignore[attr-defined]  # the name its passes call
    try:
        run_fuse(scenario / "sensors.csv", scenario / "detections.ndjson",
                 out.with_suffix(".geojson"), weather=scenario / "weather.ndjson",
                 agreement=scenario / "agreement.geojson", console=Console(quiet=True))  # fmt: skip
    finally:
        associate.walk = real  # type: ignore[attr-defined]
    out.write_bytes(pickle.dumps(calls))
    return len(calls)


def replay(walks: Path, repeat: int) -> tuple[list[float], list[bytes]]:
    """Run the captured walks ``1 + repeat`` times; the timed runs' seconds and each
    walk's output as bytes (leaves and leftover boxes)."""
    from truceline.fusion import partition

    calls = pickle.loads(walks.read_bytes())
    times: list[float] = []
    with Progress(transient=True) as progress:
        task = progress.add_task("walks", total=(1 + repeat) * len(calls))
        for run in range(1 + repeat):
            t0 = time.perf_counter()
            results = []
            for call in calls:
                results.append(partition.walk(*call))
                progress.advance(task)
            if run:
                times.append(time.perf_counter() - t0)
    out = [b"".join(a.tobytes() for a in (lv.box, lv.start, lv.picks, lv.count, rest))
           for lv, rest in results]  # fmt: skip
    return times, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    cap = sub.add_parser("capture", help="fuse a scenario, pickle its walks")
    cap.add_argument("scenario", type=Path)
    cap.add_argument("out", type=Path)
    rep = sub.add_parser("replay", help="time the captured walks")
    rep.add_argument("walks", type=Path)
    rep.add_argument("--repeat", type=int, default=3)
    rep.add_argument("--save", type=Path, help="write each walk's output here")
    rep.add_argument("--compare", type=Path, help="a --save file to compare outputs with")
    args = ap.parse_args()
    console = Console()
    if args.cmd == "capture":
        console.print(f"{capture(args.scenario, args.out)} walks captured in {args.out}")
        return
    times, out = replay(args.walks, args.repeat)
    console.print(f"{len(out)} walks: " + ", ".join(f"{t:.3f} s" for t in times))
    if args.save:
        args.save.write_bytes(pickle.dumps(out))
    if args.compare:
        base = pickle.loads(args.compare.read_bytes())
        differ = [i for i, (a, b) in enumerate(zip(base, out, strict=True)) if a != b]
        console.print("outputs byte-identical" if not differ else
                      f"{len(differ)} walks differ (first: {differ[:5]})")  # fmt: skip


if __name__ == "__main__":
    main()
