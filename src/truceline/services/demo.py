"""Load the shipped, illustrative demo data set into a store."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from truceline.services import agreements
from truceline.services.ingest import IngestReport

DEMO_FILES = (
    "sensors.csv",
    "weather.ndjson",
    "detections.ndjson",
    "observations.ndjson",
    "tracks.ndjson",
)


def demo_dir() -> Path:
    """The folder of the demo data inside the installed package."""
    return Path(str(resources.files("truceline") / "demo" / "data"))


def load_demo(
    store: Any,
    *,
    ingest_file: Callable[[Any, str, Path], IngestReport],
    record_status: Callable[[Any, Path], int],
    now_us: int,
    directory: Path | None = None,
) -> list[str]:
    """Load agreement, sensors, status spans and one day of inputs; returns what happened.

    Loading is idempotent: a second run finds everything stored and changes nothing.
    """
    folder = directory or demo_dir()
    lines: list[str] = []
    doc = orjson.loads((folder / "agreement.geojson").read_bytes())
    result = agreements.load_agreement(store, doc, source="demo agreement.geojson", now_us=now_us)
    lines.append(
        f"agreement {result.id} v{result.version}: "
        f"{'stored' if result.created else 'already stored'}"
    )
    for name in DEMO_FILES:
        path = folder / name
        if not path.exists():
            continue
        kind = name.split(".")[0]
        report = ingest_file(store, kind, path)
        lines.append(f"{name}: {report.inserted} stored, {report.unchanged} already stored")
        if kind == "sensors" and (folder / "sensor_status.ndjson").exists():
            created = record_status(store, folder / "sensor_status.ndjson")
            lines.append(f"sensor_status.ndjson: {created} spans stored")
    return lines


def process(store: Any, *, now_us: int) -> list[str]:
    """Run what the live service runs, to completion: fusion, rules, incidents.

    The demo day lies in the past, so fusion is finished (no detection is still on its
    way) rather than held back by a watermark; a second run finds everything done.
    """
    from truceline.services.fusion_live import LiveFusion
    from truceline.services.judge import Judge

    events = LiveFusion(store, clock_us=lambda: now_us).step(final=True)
    judged = Judge(store, clock_us=lambda: now_us).step()
    return [
        f"fusion: {events} events located",
        f"rules: {judged['findings']} findings; incidents: {judged['incidents']} touched",
    ]
