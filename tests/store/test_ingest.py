"""Ingest on both backends: idempotence, immutability, transactions, skip mode."""

import io
import threading
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from tests.conftest import FIXED_NOW_US, SENSORS_CSV, detection
from truceline.errors import ConflictError, InputError
from truceline.formats.readers import iter_body, iter_sensor_csv
from truceline.services.ingest import KINDS, ingest
from truceline.services.queries import list_records
from truceline.store import tables
from truceline.store.engine import Store


def _load_sensors(store: Store) -> None:
    results = iter_sensor_csv(io.StringIO(SENSORS_CSV), source="sensors.csv")
    report = ingest(store, KINDS["sensors"], results, source="sensors.csv", now_us=FIXED_NOW_US)
    assert report.inserted == 3


def _ingest(store: Store, kind: str, records: list[dict[str, Any]], **kw: Any):  # type: ignore[no-untyped-def]
    body = b"\n".join(orjson.dumps(r) for r in records)
    results = iter_body(body, KINDS[kind].model, source=f"{kind}.ndjson")
    return ingest(store, KINDS[kind], results, source=f"{kind}.ndjson", now_us=FIXED_NOW_US, **kw)


def _count(store: Store, table: Any) -> int:
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_same_content_again_is_a_no_op(store: Store) -> None:
    _load_sensors(store)
    records = [detection(i) for i in range(10)]
    assert _ingest(store, "detections", records).inserted == 10
    again = _ingest(store, "detections", records)
    assert (again.inserted, again.unchanged) == (0, 10)
    assert _count(store, tables.detections) == 10


def test_equal_meaning_is_equal_content(store: Store) -> None:
    _load_sensors(store)
    _ingest(store, "detections", [detection(1, time="2026-03-02T04:00:01.5Z")])
    again = _ingest(store, "detections", [detection(1, time="2026-03-02T04:00:01.500000Z")])
    assert again.unchanged == 1


def test_same_id_different_content_is_refused_and_nothing_written(store: Store) -> None:
    _load_sensors(store)
    _ingest(store, "detections", [detection(1)])
    with pytest.raises(ConflictError) as info:
        _ingest(store, "detections", [detection(2), detection(1, phase="launch")])
    [problem] = info.value.problems
    assert (problem.line, problem.field, problem.record_id) == (2, "id", "d-000001")
    assert _count(store, tables.detections) == 1  # d-000002 was not written either


def test_unknown_sensor_and_inactive_span(store: Store) -> None:
    _load_sensors(store)
    bad = [detection(1, sensor="XX-9"), detection(2, sensor="SE-0003", time="2026-02-01T00:00:00Z")]
    with pytest.raises(InputError) as info:
        _ingest(store, "detections", [detection(0), *bad])
    fields = [(p.line, p.field) for p in info.value.problems]
    assert fields == [(2, "sensor"), (3, "time")]
    assert _count(store, tables.detections) == 0


def test_bearing_only_from_arrays(store: Store) -> None:
    _load_sensors(store)
    with pytest.raises(InputError) as info:
        _ingest(store, "detections", [detection(1, bearing_deg=120.0)])
    assert info.value.problems[0].field == "bearing_deg"
    assert (
        _ingest(store, "detections", [detection(2, sensor="AA-0002", bearing_deg=120.0)]).inserted
        == 1
    )


def test_skip_mode_writes_good_records_and_reports_bad(store: Store) -> None:
    _load_sensors(store)
    records = [detection(1), detection(2, sensor="nope"), detection(3, time="late")]
    report = _ingest(store, "detections", records, skip_bad=True)
    assert report.inserted == 1
    assert sorted(p.line for p in report.rejected) == [2, 3]
    assert _count(store, tables.detections) == 1


def test_large_batch_spanning_chunks_rolls_back_entirely(store: Store) -> None:
    _load_sensors(store)
    records = [detection(i) for i in range(4500)] + [detection(9999, sensor="nope")]
    with pytest.raises(InputError):
        _ingest(store, "detections", records)
    assert _count(store, tables.detections) == 0


def test_duplicate_ids_inside_one_batch(store: Store) -> None:
    _load_sensors(store)
    report = _ingest(store, "detections", [detection(1), detection(1)])
    assert (report.inserted, report.unchanged) == (1, 1)
    with pytest.raises(ConflictError):
        _ingest(store, "detections", [detection(5), detection(5, weapon="mortar")])


def test_default_markings_from_sensor_owner_and_raw_kept(store: Store) -> None:
    _load_sensors(store)
    rec = detection(1, vendor_field={"a": 1})
    _ingest(store, "detections", [rec])
    with store.read() as conn:
        [item] = list_records(conn, "detections").items
    assert item["vendor_field"] == {"a": 1}
    assert item["markings"]["releasable_to"] == ["MISSION", "USA"]
    assert item["markings"]["originator"] == "USA"


def test_listing_filters_and_cursor_paging(store: Store) -> None:
    _load_sensors(store)
    recs = [detection(i, sensor="AC-0001" if i % 2 else "AA-0002") for i in range(25)]
    _ingest(store, "detections", recs)
    seen: list[str] = []
    cursor = None
    with store.read() as conn:
        while True:
            page = list_records(conn, "detections", limit=7, cursor=cursor)
            seen += [i["id"] for i in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [r["id"] for r in recs]
        only = list_records(conn, "detections", sensor="AA-0002", limit=100).items
        assert len(only) == 13
        from truceline.services.queries import BBox

        boxed = list_records(conn, "detections", bbox=BBox(37.85, 48.15, 37.95, 48.25)).items
        assert {i["sensor"] for i in boxed} == {"AA-0002"}
        # a box crossing the antimeridian that excludes these longitudes
        assert list_records(conn, "detections", bbox=BBox(170, 40, -170, 50)).items == []


def test_observations_tracks_weather(store: Store) -> None:
    _load_sensors(store)
    obs = {
        "id": "mr-1",
        "type": "monitor_report",
        "originator": "MISSION",
        "time_from": "2026-03-02T14:05:00Z",
        "time_to": "2026-03-02T14:20:00Z",
        "observer": {"lat": 48.3012, "lon": 38.0150},
        "direction_deg": 135,
        "distance_m": [3000, 5000],
        "category": "explosion",
        "count": 12,
        "means": "heard",
    }
    assert _ingest(store, "observations", [obs]).inserted == 1
    with store.read() as conn:
        row = conn.execute(select(tables.observations.c.lat, tables.observations.c.lon)).one()
    assert 48.26 < row.lat < 48.30 and 38.03 < row.lon < 38.08  # ~4 km south-east
    weather = [
        {"time": "2026-03-02T00:00:00Z", "temperature_c": 4.5, "wind_u_ms": 3.0, "wind_v_ms": -1.0}
    ]
    assert _ingest(store, "weather", weather).inserted == 1
    assert _ingest(store, "weather", weather).unchanged == 1
    track = {
        "id": "tr-1",
        "sensor": "AA-0002",
        "object": "uav",
        "points": [
            {"time": "2026-03-02T02:10:00Z", "lat": 48.402, "lon": 38.120},
            {"time": "2026-03-02T02:11:30Z", "lat": 48.361, "lon": 38.011},
        ],
    }
    assert _ingest(store, "tracks", [track]).inserted == 1


def test_concurrent_ingest_and_reads_never_lock(sqlite_store: Store) -> None:
    """SQLite: writers from several threads and readers together, no 'database is locked'."""
    _load_sensors(sqlite_store)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for j in range(10):
                _ingest(
                    sqlite_store,
                    "detections",
                    [detection(k * 1000 + j * 10 + i) for i in range(10)],
                )
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(40):
                with sqlite_store.read() as conn:
                    list_records(conn, "detections", limit=50)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(sqlite_store, tables.detections) == 400
