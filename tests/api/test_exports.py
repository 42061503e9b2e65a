"""Streamed exports: formats, filters, access control, audit, and memory that does not grow
with the number of rows."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.conftest import TokenFor
from tests.conftest import bearer, serving
from tests.ogc.conftest import EVENT_POINTS, FAR_EVENTS, PUBLIC, event_row, seed
from truceline.api import create_app
from truceline.ogc.acled import ACLED_COLUMNS
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store

ALL_EVENTS = {f"ev-{i:03d}" for i in range(len(EVENT_POINTS))} | set(FAR_EVENTS)
PUBLIC_EVENTS = {f"ev-{i:03d}" for i in range(0, len(EVENT_POINTS), 2)} | set(FAR_EVENTS)


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(store)
    return store


def _geojson_ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return {f["id"] for f in orjson.loads(response.content)["features"]}


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_geojson_export_releases_what_the_list_releases(
    seeded: Store, anon: TestClient, token_for: TokenFor
) -> None:
    assert _geojson_ids(anon.get("/api/v1/exports/events.geojson")) == PUBLIC_EVENTS
    analyst = bearer(token_for("analyst"))
    assert _geojson_ids(anon.get("/api/v1/exports/events.geojson", headers=analyst)) == ALL_EVENTS
    listed = anon.get("/api/v1/events?limit=1000", headers=analyst).json()["items"]
    assert {f["properties"]["id"] for f in listed} == ALL_EVENTS


def test_filters_match_the_list_endpoints(seeded: Store, anon: TestClient) -> None:
    query = "from=2026-03-02T04:00:00Z&to=2026-03-02T05:00:00Z&bbox=37.4,47.9,38.2,48.4"
    exported = _geojson_ids(anon.get(f"/api/v1/exports/events.geojson?{query}"))
    listed = {f["properties"]["id"] for f in anon.get(f"/api/v1/events?{query}").json()["items"]}
    assert exported == listed and exported
    across = _geojson_ids(anon.get("/api/v1/exports/events.geojson?bbox=179,0,-179,20"))
    assert across == set(FAR_EVENTS)


def test_findings_csv_uses_the_acled_columns(seeded: Store, anon: TestClient) -> None:
    rows = _csv(anon.get("/api/v1/exports/findings.csv"))
    assert list(rows[0])[: len(ACLED_COLUMNS)] == list(ACLED_COLUMNS)
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"f-1", "f-3", "f-nowhere"}  # public ones, located or not
    fire = by_id["f-1"]
    assert (fire["event_type"], fire["actor1"], fire["actor2"]) == (
        "Explosions/Remote violence",
        "Side B",
        "Side A",
    )
    assert fire["admin1"] and fire["location"]  # from the gazetteer
    assert fire["notes"].startswith("'=")  # a formula from outside is defused
    assert by_id["f-nowhere"]["latitude"] == ""


def test_incidents_csv_uses_the_acled_columns_too(seeded: Store, anon: TestClient) -> None:
    rows = _csv(anon.get("/api/v1/exports/incidents.csv"))
    assert list(rows[0])[: len(ACLED_COLUMNS)] == list(ACLED_COLUMNS)
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {"inc-1", "inc-3"}  # public ones, located or not
    assert by_id["inc-1"]["time_precision"] == "1" and by_id["inc-3"]["time_precision"] == "2"
    assert by_id["inc-1"]["actor1"] == "Side B" and by_id["inc-1"]["state"] == "triaged"
    assert by_id["inc-3"]["latitude"] == "" and by_id["inc-3"]["event_date"] == "2026-03-01"
    doc = orjson.loads(anon.get("/api/v1/exports/incidents.geojson").content)
    assert {f["id"]: f["geometry"] is None for f in doc["features"]} == {
        "inc-1": False,
        "inc-3": True,
    }


def test_observations_and_detections_export(seeded: Store, anon: TestClient) -> None:
    rows = _csv(anon.get("/api/v1/exports/observations.csv"))
    assert {r["id"] for r in rows} == {"mr-0", "mr-2", "mr-place"}
    assert next(r for r in rows if r["id"] == "mr-place")["lat"] == ""
    doc = orjson.loads(anon.get("/api/v1/exports/observations.geojson").content)
    geometry = {f["id"]: f["geometry"] for f in doc["features"]}
    assert geometry["mr-place"] is None and geometry["mr-0"]["type"] == "Point"
    assert _csv(anon.get("/api/v1/exports/detections.csv")) == []


def test_bad_requests(seeded: Store, anon: TestClient, token_for: TokenFor) -> None:
    for url in (
        "/api/v1/exports/tracks.csv",
        "/api/v1/exports/events.csv?bbox=1,2",
        "/api/v1/exports/events.geojson?from=yesterday",
    ):
        r = anon.get(url)
        assert r.status_code == 400, (url, r.text)
    feed = bearer(token_for("sensor_feed", nation="USA"))
    assert anon.get("/api/v1/exports/events.csv", headers=feed).status_code == 403


def test_an_export_of_restricted_records_is_audited(
    seeded: Store, anon: TestClient, token_for: TokenFor
) -> None:
    headers = bearer(token_for("analyst"))
    assert anon.get("/api/v1/exports/events.csv", headers=headers).status_code == 200
    with seeded.read() as conn:
        rows = conn.execute(
            select(tables.audit_log.c.detail).where(tables.audit_log.c.action == "export")
        ).all()
    assert len(rows) == 1
    detail = orjson.loads(rows[0].detail)
    assert detail["count"] == len(ALL_EVENTS - PUBLIC_EVENTS)


# --- bounded memory ------------------------------------------------------------------------


def _bulk(store: Store, n: int) -> None:
    """``n`` public events, inserted directly (executemany) in chunks."""
    template = event_row("x", "2026-03-02T00:00:00Z", 48.0, 37.5, PUBLIC)
    base_us = template["time_us"]
    with store.write() as conn:
        for start in range(0, n, 20_000):
            rows = []
            for i in range(start, min(n, start + 20_000)):
                row = dict(template)
                row.update(
                    id=f"bulk-{i:07d}",
                    time_us=base_us + i * 1_000_000,
                    lat=47.0 + (i % 1000) / 1000,
                    lon=37.0 + (i % 997) / 997,
                )
                rows.append(row)
            conn.execute(tables.events.insert(), rows)


def _export_peak(url: str, query: str) -> tuple[int, int]:
    """Features received and peak traced memory (server and client) of one streamed export."""
    lines = 0
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with httpx.stream(
            "GET", f"{url}/api/v1/exports/events.geojson?{query}", timeout=600
        ) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines - 2, peak  # one feature a line, between the opening and closing lines


@pytest.mark.slow
def test_export_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    """200k rows stream in the memory 50k take (a buffered export needs four times more)."""
    store = Store(f"sqlite:///{tmp_path / 'bulk.db'}")
    store.migrate()
    _bulk(store, 200_000)
    app = create_app(Settings.from_env({}, home=str(tmp_path / "home")), store=store)
    with serving(app, lifespan="off") as url:
        # the first 50 000 one-second-apart rows end at 2026-03-02T13:53:20Z
        small_rows, small_peak = _export_peak(url, "to=2026-03-02T13:53:20Z")
        large_rows, large_peak = _export_peak(url, "")
    store.dispose()
    assert (small_rows, large_rows) == (50_000, 200_000)
    assert large_peak < 1.5 * small_peak + 2_000_000, (small_peak, large_peak)
    assert large_peak < 64 * 1024 * 1024, large_peak
    print(
        f"peak traced memory: 50k rows {small_peak / 1e6:.1f} MB, "
        f"200k rows {large_peak / 1e6:.1f} MB"
    )
