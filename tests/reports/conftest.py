"""The demo day for report tests: the demo's agreement, sensors, status spans, people's
reports and tracks, a few fused events stored directly (fusing 4,000 detections would take
a minute), judged into findings and incidents; plus one restricted and two public records
with distinctive ids, to check what a public report leaves out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXED_NOW_US, TokenFor, load_demo_agreement
from truceline.cli.ingest_cmds import ingest_file
from truceline.cli.sensors_cmds import read_status_file
from truceline.fusion.event import Event
from truceline.services import sensors as sensors_svc
from truceline.services.demo import demo_dir
from truceline.services.events import store_events
from truceline.services.judge import Judge
from truceline.store.engine import Store

DAY = "2026-03-02"
SECRET_ID = "mr-2026-03-02-9901"  # restricted to MISSION: never in a public report
SECRET_TEXT = "CANARY-restricted-text-7c1e"
AMBER_PUBLIC_ID = "mr-2026-03-02-9902"  # PUBLIC but AMBER: located only coarsely
CLEAR_PUBLIC_ID = "mr-2026-03-02-9903"  # PUBLIC and CLEAR: located exactly
UA_GROUND = (48.4620445, 38.2811255)  # held by side UA (demo agreement)
RU_GROUND = (48.4123697, 38.5453410)  # held by side RU


def _event(
    eid: str,
    when: str,
    where: tuple[float, float],
    phase: str,
    side: str,
    paired: str | None,
    weapon: str = "artillery",
    salvo: str | None = None,
) -> Event:
    return Event(
        id=eid, time=datetime.fromisoformat(when).replace(tzinfo=UTC), lat=where[0],
        lon=where[1], height_m=100.0, phase=phase, weapon=weapon, detections=(), n_sensors=5,
        semi_major_m=40.0, semi_minor_m=20.0, azimuth_deg=30.0, side=side,
        paired_with=paired, rms_residual_ms=1.0, salvo=salvo,
    )  # fmt: skip


EVENTS = [
    # a paired launch (RU) and impact (UA): one finding, two explosions
    _event("ev-t01", "2026-03-02T03:00:00", RU_GROUND, "launch", "RU", "ev-t02"),
    _event("ev-t02", "2026-03-02T03:00:40", UA_GROUND, "impact", "UA", "ev-t01"),
    # an impact of the same salvo left unpaired: attributed by its salvo's first launch
    _event("ev-t06", "2026-03-02T03:00:43", UA_GROUND, "impact", "UA", None, "mlrs", "ev-t01"),
    # a lone launch from UA ground, and small-arms fire from RU ground
    _event("ev-t03", "2026-03-02T05:00:00", UA_GROUND, "launch", "UA", None, "mortar"),
    _event("ev-t04", "2026-03-02T06:00:00", RU_GROUND, "unknown", "RU", None, "small_arms"),
    # the day before (the agreement holds from 1 March): previous day and 7-day baseline
    _event("ev-t05", "2026-03-01T10:00:00", UA_GROUND, "impact", "UA", None),
]


def _observation(
    oid: str, markings: dict[str, Any], text: str, where: tuple[float, float]
) -> dict[str, Any]:
    return {
        "id": oid, "type": "monitor_report", "originator": "MISSION",
        "time_from": f"{DAY}T12:00:00Z", "time_to": f"{DAY}T12:05:00Z",
        "location": {"lat": where[0], "lon": where[1], "uncertainty_m": 50},
        "category": "explosion", "subtype": "impact", "count": 3, "means": "heard",
        "text": text, "language": "en", "markings": markings,
    }  # fmt: skip


def load_demo_day(store: Store, tmp: Path) -> dict[str, int]:
    """Load the demo day's reports and a few events into ``store``; judge them."""
    folder = demo_dir()
    load_demo_agreement(store)
    ingest_file(store, "sensors", folder / "sensors.csv")
    spans = read_status_file(folder / "sensor_status.ndjson")
    sensors_svc.record_status(store, spans, source="demo", now_us=FIXED_NOW_US)
    for kind in ("observations", "tracks"):
        ingest_file(store, kind, folder / f"{kind}.ndjson")
    extra = [
        _observation(SECRET_ID, {"releasable_to": ["MISSION"]}, SECRET_TEXT, (48.30, 38.00)),
        _observation(
            AMBER_PUBLIC_ID,
            {"releasable_to": ["PUBLIC"], "tlp": "AMBER"},
            "Three impacts heard.",
            (48.2612, 37.9381),
        ),
        _observation(
            CLEAR_PUBLIC_ID,
            {"releasable_to": ["PUBLIC"], "tlp": "CLEAR"},
            "Three impacts heard.",
            (48.5012, 38.0410),
        ),
    ]
    path = tmp / "extra.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(o) for o in extra) + b"\n")
    ingest_file(store, "observations", path)
    with store.write() as conn:
        store_events(conn, EVENTS, side_codes=("UA", "RU"), now_us=FIXED_NOW_US)
    return Judge(store, clock_us=lambda: FIXED_NOW_US + 3_600_000_000).step()


@pytest.fixture
def demo_day(store: Store, tmp_path: Path) -> Store:
    load_demo_day(store, tmp_path)
    return store


@pytest.fixture
def reports_client(client: TestClient, demo_day: Store) -> Iterator[TestClient]:
    """The admin client over the loaded demo day."""
    yield client


__all__ = ["TokenFor"]
