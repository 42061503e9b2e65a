"""Fixtures for the OGC API tests: a small store with records of every collection, half of
them public, and the real app served by uvicorn on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import AGREEMENT, FIXED_NOW_US, serving
from truceline.api import create_app
from truceline.formats.readers import iter_body
from truceline.formats.records import Markings
from truceline.services.agreements import load_agreement
from truceline.services.ingest import KINDS, ingest
from truceline.services.principals import add_principal
from truceline.services.rows import audience, markings_json
from truceline.services.sensors import StatusSpan, record_status
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import parse_time, to_micros

PUBLIC = Markings(releasable_to=["PUBLIC"], tlp="CLEAR")
MISSION = Markings(releasable_to=["MISSION"])
# Twelve events, every 10 minutes from 04:00, on a diagonal across the agreement's area;
# the even ones public. Two more straddle the antimeridian.
EVENT_POINTS = [(48.0 + 0.04 * i, 37.5 + 0.06 * i) for i in range(12)]
FAR_EVENTS = {"ev-east": (10.0, 179.9), "ev-west": (10.0, -179.9)}


def _marked(m: Markings, originator: str = "MISSION") -> dict[str, Any]:
    return {"originator": originator, "markings": markings_json(m), "audience": audience(m)}


def event_row(eid: str, when: str, lat: float, lon: float, marks: Markings) -> dict[str, Any]:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": eid,
            "time": when,
            "phase": "impact",
            "weapon": "artillery",
            "detections": ["d-1", "d-2", "d-3"],
            "n_sensors": 3,
            "error_ellipse": {"semi_major_m": 40.0, "semi_minor_m": 20.0, "azimuth_deg": 10.0},
            "side": "A",
            "paired_with": None,
            "rms_residual_ms": 1.5,
        },
    }
    return {
        "id": eid,
        "time_us": to_micros(parse_time(when)),
        "lat": lat,
        "lon": lon,
        "phase": "impact",
        "weapon": "artillery",
        "side": "A",
        "paired_with": None,
        "n_sensors": 3,
        "record": orjson.dumps(feature).decode(),
        "created_us": FIXED_NOW_US,
        **_marked(marks),
    }


def finding_row(
    fid: str, when: str, lat: float | None, lon: float | None, marks: Markings, rule: str = "fire"
) -> dict[str, Any]:
    record = {
        "id": fid,
        "rule": rule,
        "subjects": ["ev-000"],
        "time": when,
        "location": {"lat": lat, "lon": lon} if lat is not None else None,
        "responsible_side": "B",
        "affected_side": "A",
        "grave": False,
        "agreement": {"id": "example-2026", "version": 1},
        "instrument": "Art. 1",
        "basis": "=impact 2.1 km inside side A's area",
        "facts": {"weapon": "artillery"},
    }
    return {
        "id": fid,
        "rule": rule,
        "time_us": to_micros(parse_time(when)),
        "lat": lat,
        "lon": lon,
        "responsible_side": "B",
        "affected_side": "A",
        "grave": 0,
        "agreement_id": "example-2026",
        "agreement_version": 1,
        "record": orjson.dumps(record).decode(),
        "created_us": FIXED_NOW_US,
        **_marked(marks),
    }


def sensor_row(sid: str, lat: float, lon: float, marks: Markings) -> dict[str, Any]:
    raw = {
        "id": sid,
        "kind": "acoustic",
        "lat": lat,
        "lon": lon,
        "alt_m": 200.0,
        "owner": "USA",
        "timing_sigma_ms": 1.5,
        "active_from": "2026-01-01T00:00:00Z",
    }
    columns = ("id", "kind", "lat", "lon", "alt_m", "owner", "timing_sigma_ms")
    return {
        **{k: raw[k] for k in columns},
        "bearing_sigma_deg": 5.0,
        "active_from_us": to_micros(parse_time(str(raw["active_from"]))),
        "active_to_us": None,
        **_marked(marks, originator="USA"),
        "raw": orjson.dumps(raw).decode(),
        "content_hash": sid,
        "ingested_us": FIXED_NOW_US,
    }


def incident_row(
    iid: str, start: str, end: str, lat: float | None, lon: float | None, marks: Markings
) -> dict[str, Any]:
    return {
        "id": iid,
        "state": "triaged",
        "version": 2,
        "state_json": "{}",
        "title": f"Shelling reported ({iid})",
        "category": "explosion",
        "time_from_us": to_micros(parse_time(start)),
        "time_to_us": to_micros(parse_time(end)),
        "lat": lat,
        "lon": lon,
        "uncertainty_m": 500.0 if lat is not None else None,
        "sector": "North",
        "grade": "fair",
        "grade_reason": "two sources",
        "grave": 0,
        "responsible_side": "B",
        "affected_side": "A",
        "since_us": FIXED_NOW_US,
        "updated_us": FIXED_NOW_US,
        "record": "{}",
        "created_us": FIXED_NOW_US,
        **_marked(marks),
    }


INCIDENTS = [
    incident_row("inc-1", "2026-03-02T04:00:00Z", "2026-03-02T04:30:00Z", 48.3, 37.9, PUBLIC),
    incident_row("inc-2", "2026-03-02T05:00:00Z", "2026-03-02T05:10:00Z", 48.4, 38.0, MISSION),
    incident_row("inc-3", "2026-03-01T22:00:00Z", "2026-03-04T02:00:00Z", None, None, PUBLIC),
]

OBSERVATIONS: list[dict[str, Any]] = [
    {
        "id": f"mr-{i}",
        "type": "monitor_report",
        "originator": "MISSION",
        "time_from": f"2026-03-02T0{i}:00:00Z",
        "time_to": f"2026-03-02T0{i}:30:00Z",
        "location": {"lat": 48.2 + 0.05 * i, "lon": 37.7 + 0.05 * i, "uncertainty_m": 500},
        "category": "explosion",
        "markings": {"releasable_to": ["PUBLIC"] if i % 2 == 0 else ["MISSION"]},
    }
    for i in range(4)
] + [
    {
        "id": "mr-place",
        "type": "monitor_report",
        "originator": "MISSION",
        "time_from": "2026-03-02T05:00:00Z",
        "time_to": "2026-03-02T05:00:00Z",
        "place": "Avdiivka",
        "category": "explosion",
        "markings": {"releasable_to": ["PUBLIC"]},
    },
]


def seed(store: Store) -> None:
    """The agreement, sensors, events, findings and observations the tests rely on."""
    load_agreement(store, AGREEMENT, source="test", now_us=FIXED_NOW_US)
    events = [
        event_row(
            f"ev-{i:03d}",
            f"2026-03-02T{4 + i // 6:02d}:{i % 6 * 10:02d}:00Z",
            lat,
            lon,
            PUBLIC if i % 2 == 0 else MISSION,
        )
        for i, (lat, lon) in enumerate(EVENT_POINTS)
    ]
    events += [
        event_row(eid, "2026-03-02T06:00:00Z", lat, lon, PUBLIC)
        for eid, (lat, lon) in FAR_EVENTS.items()
    ]
    findings = [
        finding_row("f-1", "2026-03-02T04:00:00Z", 48.1, 37.7, PUBLIC),
        finding_row("f-2", "2026-03-02T04:10:00Z", 48.3, 37.9, MISSION),
        finding_row(
            "f-3", "2026-03-02T04:20:00Z", 48.2, 37.8, PUBLIC, rule="presence_in_disengagement_area"
        ),
        finding_row(
            "f-nowhere", "2026-03-02T04:30:00Z", None, None, PUBLIC, rule="restriction_on_monitors"
        ),
    ]
    sensors = [
        sensor_row("AC-0001", 48.16, 37.74, PUBLIC),
        sensor_row("AC-0002", 48.20, 37.90, Markings(releasable_to=["USA", "MISSION"])),
        sensor_row("AC-0003", 48.05, 37.80, PUBLIC),
    ]
    provisional = [
        event_row(eid, "2026-03-02T06:20:00Z", 48.3, 37.9, marks)
        for eid, marks in (("pv-public", PUBLIC), ("pv-mission", MISSION))
    ]
    for row in provisional:  # located by live fusion, not released yet
        record = orjson.loads(row["record"])
        record["properties"]["provisional"] = True
        row["record"] = orjson.dumps(record).decode()
    with store.write() as conn:
        conn.execute(tables.events.insert(), events)
        conn.execute(tables.provisional_events.insert(), provisional)
        conn.execute(tables.findings.insert(), findings)
        conn.execute(tables.sensors.insert(), sensors)
        conn.execute(tables.incidents.insert(), INCIDENTS)
    record_status(
        store,
        [
            StatusSpan(
                "AC-0003",
                "degraded",
                parse_time("2026-03-02T00:00:00Z"),
                parse_time("2026-03-03T00:00:00Z"),
                "wind",
            )
        ],
        source="test",
        now_us=FIXED_NOW_US,
    )
    report = ingest(
        store,
        KINDS["observations"],
        iter_body(orjson.dumps(OBSERVATIONS), KINDS["observations"].model, source="test"),
        source="test",
        now_us=FIXED_NOW_US,
    )
    assert report.inserted == len(OBSERVATIONS), report.as_dict()


@pytest.fixture(scope="session")
def ogc_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("ogc") / "truceline.db"
    store = Store(f"sqlite:///{path}")
    store.migrate()
    seed(store)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def ogc_app(ogc_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("home")
    return create_app(Settings.from_env({}, home=str(home)), store=ogc_store)


@pytest.fixture(scope="session")
def analyst_token(ogc_store: Store) -> str:
    return add_principal(
        ogc_store,
        name="ogc-analyst",
        nation="GBR",
        roles=["analyst"],
        side=None,
        expires_us=None,
        now_us=FIXED_NOW_US,
        actor="test",
    ).token


@pytest.fixture
def ogc(ogc_app: Any) -> Iterator[TestClient]:
    """The app in-process, as the anonymous public."""
    with TestClient(ogc_app) as client:
        yield client


@pytest.fixture(scope="session")
def live_url(ogc_app: Any) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    with serving(ogc_app, lifespan="off") as url:
        yield url
