"""Detections fed to an engine as they arrive, the way the live worker feeds them (pure).

Tests and benchmarks measure what the worker does with detections that do not come in
stamp order (clocks minutes off, links that hold detections back) without a store: each
detection is handed over at its arrival time, a minute at a time, and events are asked
for a minute behind the latest stamp or the minute's end, whichever is earlier (the
worker's watermark, capped at the wall clock: :meth:`LiveFusion._watermark
<truceline.services.fusion_live.LiveFusion._watermark>`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import groupby

from truceline.formats.records import Detection
from truceline.fusion.engine import FusionEngine
from truceline.fusion.event import Event

MINUTE = timedelta(seconds=60)  # the batches, and the worker's allowance


def releases(engine: FusionEngine, detections: Sequence[Detection],
             arrives: Callable[[Detection], datetime]
             ) -> Iterator[tuple[datetime, list[Event], bool]]:  # fmt: skip
    """Feed ``detections`` to ``engine`` as they arrive (``arrives``); for each minute, its
    end and the events released then, and last, that minute's end again and the events
    :meth:`~FusionEngine.finish` releases (``True``: the end of the input)."""
    order = sorted(detections, key=lambda d: (arrives(d), d.id))
    start, latest = arrives(order[0]), order[0].time
    now = start
    for n, batch in groupby(order, key=lambda d: (arrives(d) - start) // MINUTE):
        got = list(batch)
        engine.add(got)
        latest = max(latest, *(d.time for d in got))
        now = start + (n + 1) * MINUTE
        yield now, engine.ready(min(latest, now) - MINUTE), False
    yield now, engine.finish(), True
