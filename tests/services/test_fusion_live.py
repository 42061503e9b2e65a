"""The live fusion worker and `truceline fuse` give the same events on the same input.

The worker reads detections from the store as they are ingested, in several arrivals, and
releases events as its watermark passes them; the offline command reads the file at once.
Both run one engine (``truceline.fusion.engine``), so every event, its pair and its salvo
label included, must be the same, on both backends.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from truceline.access.policy import Principal
from truceline.api.routes import stream
from truceline.cli.fuse_cmd import run_fuse
from truceline.cli.ingest_cmds import ingest_file
from truceline.cli.simulate_cmd import write_scenario
from truceline.formats.records import to_json_dict
from truceline.fusion.engine import FusionEngine
from truceline.fusion.event import Event
from truceline.fusion.simulate import SimulationConfig, simulate
from truceline.services import agreements, fusion_live
from truceline.services.events import store_provisional
from truceline.services.fusion_live import LATE_FLAG, LiveFusion
from truceline.services.sensors import StatusSpan, record_status, status_spans
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import from_micros, parse_time, to_micros

ADMIN = Principal("admin", "MISSION", frozenset({"admin"}))
ARRIVALS = 3  # the detections are ingested in this many parts, a worker step after each


def _offline(folder: Path) -> dict[str, dict[str, Any]]:
    out = folder / "events.geojson"
    run_fuse(folder / "sensors.csv", folder / "detections.ndjson", out,
             weather=folder / "weather.ndjson", agreement=folder / "agreement.geojson")  # fmt: skip
    return {f["properties"]["id"]: f for f in orjson.loads(out.read_bytes())["features"]}


def _by_picks(events: dict[str, dict[str, Any]]) -> dict[frozenset[str], dict[str, Any]]:
    """Events keyed by their detections."""
    return {frozenset(f["properties"]["detections"]): f for f in events.values()}


def _stored(store: Store) -> dict[str, dict[str, Any]]:
    with store.read() as conn:
        records = [orjson.loads(r) for r in conn.execute(select(tables.events.c.record)).scalars()]
    for f in records:
        del f["properties"]["markings"]  # the store's, derived from the detections'
    return {f["properties"]["id"]: f for f in records}


def test_the_live_worker_stores_the_events_the_offline_command_writes(
    store: Store, tmp_path: Path
) -> None:
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=5, hours=0.4,
                                                     salvos_per_hour=5.0))  # fmt: skip
    folder = tmp_path / "scenario"
    write_scenario(scenario, folder)
    offline = _offline(folder)
    assert any(f["properties"]["salvo"] for f in offline.values()), "the salvo is labelled"

    end_us = to_micros(max(d.time for d in scenario.detections))
    now_us = end_us + 60_000_000
    doc = orjson.loads((folder / "agreement.geojson").read_bytes())
    agreements.load_agreement(store, doc, source="scenario", now_us=now_us)
    for kind, name in (("sensors", "sensors.csv"), ("weather", "weather.ndjson")):
        ingest_file(store, kind, folder / name)
    lines = (folder / "detections.ndjson").read_bytes().splitlines(keepends=True)
    worker = LiveFusion(store, clock_us=lambda: now_us)
    released = []
    for i in range(ARRIVALS):
        part = tmp_path / f"arrival-{i}.ndjson"
        part.write_bytes(
            b"".join(lines[i * len(lines) // ARRIVALS : (i + 1) * len(lines) // ARRIVALS])
        )
        ingest_file(store, "detections", part)
        released.append(worker.step())
    released.append(worker.step(final=True))
    # Events are final some 11 minutes after their blast (docs/fusion.md, "Engine API"):
    # the second arrival (16 minutes in) releases the first minutes' events.
    assert sum(released[:-1]) > 0 and released[-1] > 0, "events come out as data arrives"
    assert _stored(store) == offline


def _half_hour(store: Store, tmp_path: Path) -> tuple[Any, datetime]:
    """Half an hour of the moderate load (seed 21): its agreement, sensors and weather
    in the store; the scenario and its first detection's time."""
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=0.5))
    folder = tmp_path / "scenario"
    write_scenario(scenario, folder)
    start = min(d.time for d in scenario.detections)
    doc = orjson.loads((folder / "agreement.geojson").read_bytes())
    agreements.load_agreement(store, doc, source="scenario", now_us=to_micros(start))
    for kind, name in (("sensors", "sensors.csv"), ("weather", "weather.ndjson")):
        ingest_file(store, kind, folder / name)
    return scenario, start


def _arrive(store: Store, tmp_path: Path, scenario: Any, now_us: int) -> None:
    """Ingest the ``scenario``'s detections of the minute before ``now_us``."""
    part = [d for d in scenario.detections if now_us - 60_000_000 <= to_micros(d.time) < now_us]
    if part:
        path = tmp_path / "arrival.ndjson"
        path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n" for d in part))
        ingest_file(store, "detections", path)


def test_the_events_say_when_they_are_complete_to(
    store: Store, tmp_path: Path, client: TestClient
) -> None:
    """An event is released some 13 minutes after its blast (its pairs settled), so the
    last minutes hold none yet, which a reader took for calm. Each step stores how far
    the events are complete (the engine's release front), in the transaction that
    stores them, and GET /api/v1/events says it: no event stored later lies before it,
    it only moves on, it moves through a quiet stretch (no event stored, the front still
    on), and a restarted worker keeps it, and stores no event before it that its replay
    decides otherwise."""
    scenario, start = _half_hour(store, tmp_path)
    assert client.get("/api/v1/events").json()["complete_to"] is None
    now = [to_micros(start)]
    worker = LiveFusion(store, clock_us=lambda: now[0])
    fronts: list[datetime] = []
    for minute in range(45):  # the half hour as it happens, then a quarter hour of quiet
        now[0] += 60_000_000
        _arrive(store, tmp_path, scenario, now[0])
        before = set(_stored(store))
        worker.step()
        page = client.get("/api/v1/events", params={"limit": 100_000}).json()
        times = {f["properties"]["id"]: parse_time(f["properties"]["time"]) for f in page["items"]}
        if fronts:
            assert all(times[k] >= fronts[-1] for k in times.keys() - before), minute
        if page["complete_to"] is not None:
            fronts.append(parse_time(page["complete_to"]))
            assert to_micros(fronts[-1]) <= now[0]
    assert fronts == sorted(fronts) and len(set(fronts)) > 20
    # The quiet quarter hour after the last detection: fewer events, the front on.
    last = max(d.time for d in scenario.detections)
    assert fronts[-1] > last - timedelta(minutes=2)
    # A replay after a restart can decide otherwise: an event it releases past the last
    # one stored but before the front (the quiet stretch moved it on) is not stored.
    last_event = max(parse_time(f["properties"]["time"]) for f in _stored(store).values())
    assert last_event < fronts[-1]
    restarted = LiveFusion(store, clock_us=lambda: now[0])
    restarted.step()
    assert parse_time(client.get("/api/v1/events").json()["complete_to"]) == fronts[-1]
    engine = FusionEngine(list(scenario.sensors), list(scenario.weather))
    engine.add(list(scenario.detections))
    other = replace(engine.finish()[-1], id="ev-0000000000000000",
                    time=last_event + (fronts[-1] - last_event) / 2)  # fmt: skip
    assert restarted._store([other]) == 0 and other.id not in _stored(store)


def _provisional(store: Store) -> dict[str, dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(select(tables.provisional_events.c.record)).scalars()
        return {f["properties"]["id"]: f for f in map(orjson.loads, rows)}


def test_events_are_shown_provisional_once_located_until_released(
    store: Store, tmp_path: Path, client: TestClient
) -> None:
    """Live, an event is stored provisional (located, its pairs not settled) some 7
    minutes before it is released; released, it leaves the provisional events in the
    same transaction, the same id, place and detections. Half an hour fed a minute at a
    time as it happens; GET /api/v1/provisional-events and the stream give them. None
    lies before the release front, a restarted worker's (at 25 minutes) included; the
    stream says which the restarted worker withdrew."""
    scenario, start = _half_hour(store, tmp_path)
    now = [to_micros(start)]
    worker = LiveFusion(store, clock_us=lambda: now[0])
    seen: dict[str, tuple[dict[str, Any], int]] = {}  # provisional, and when first stored
    ahead: list[float] = []
    streamed: set[str] = set()
    withdrawn: set[str] = set()
    for minute in range(40):
        now[0] += 60_000_000
        if minute == 25:  # its replay, starting cold, releases at once what it locates
            worker = LiveFusion(store, clock_us=lambda: now[0])
            # One the old worker left that the new one decides otherwise (the latest, past
            # the front): it is replaced.
            latest = max((f["properties"] for f in _provisional(store).values()),
                         key=lambda q: parse_time(q["time"]))  # fmt: skip
            ghost = Event("ev-ghost", parse_time(latest["time"]), 48.3, 37.9, 0.0, "impact",
                          "artillery", tuple(latest["detections"][:2]), 2, 100.0, 50.0, 0.0,
                          None, None, 1.0)  # fmt: skip
            with store.write() as conn:
                store_provisional(conn, [ghost], side_codes=("UA", "RU"), now_us=now[0])
        _arrive(store, tmp_path, scenario, now[0])
        before = set(_stored(store))
        worker.step()
        provisional, stored = _provisional(store), _stored(store)
        assert "ev-ghost" not in provisional
        assert not provisional.keys() & stored.keys(), "never both"
        held = Counter(d for f in [*provisional.values(), *stored.values()]
                       for d in f["properties"]["detections"])  # fmt: skip
        assert max(held.values(), default=1) == 1, "no detection in two events"
        for k, f in provisional.items():
            assert f["properties"]["provisional"] is True and f["properties"]["paired_with"] is None
            seen.setdefault(k, (f, now[0]))
        for k in stored.keys() - before:
            if minute == 25 and k not in seen:
                continue
            early, at = seen[k]  # KeyError: released without being shown first
            for key in ("time", "detections", "n_sensors", "error_ellipse", "side"):
                assert early["properties"][key] == stored[k]["properties"][key], key
            assert early["geometry"] == stored[k]["geometry"]
            ahead.append((now[0] - at) / 60e6)
        page = client.get("/api/v1/provisional-events", params={"limit": 100_000}).json()
        assert {f["properties"]["id"] for f in page["items"]} == provisional.keys()
        front = client.get("/api/v1/events", params={"limit": 1}).json()["complete_to"]
        if front is not None:
            done = parse_time(front)
            assert all(parse_time(f["properties"]["time"]) >= done for f in provisional.values())
        items, _ = stream.changes_since(store, ADMIN, now[0] - 60_000_000)
        streamed |= {p["properties"]["id"] for k, p in items if k == "provisional"}
        withdrawn |= {p["id"] for k, p in items if k == "withdrawn"}
    assert len(ahead) > 150 and float(np.median(ahead)) >= 5.0, "shown minutes before"
    assert streamed == set(seen)
    assert "ev-ghost" in withdrawn, "the stream tells an open map the ghost went"
    assert not withdrawn & _stored(store).keys(), "none withdrawn was released"
    worker.step(final=True)
    assert _provisional(store) == {}, "every one released or gone"


def test_an_event_the_engine_withdraws_leaves_the_provisional_events(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event given early that its block's later stages change is withdrawn by the
    engine (``FusionEngine.withdrawn``): the worker deletes it in that step's
    transaction and the stream says so (``revised``). The engine's own withdrawals are
    tested in tests/fusion/test_engine.py; here one is made to order."""
    scenario, start = _half_hour(store, tmp_path)
    now = [to_micros(start)]
    worker = LiveFusion(store, clock_us=lambda: now[0])
    for _ in range(12):
        now[0] += 60_000_000
        _arrive(store, tmp_path, scenario, now[0])
        worker.step()
    victim = sorted(_provisional(store))[0]
    monkeypatch.setattr(FusionEngine, "withdrawn", lambda self: [victim])
    now[0] += 60_000_000
    _arrive(store, tmp_path, scenario, now[0])
    worker.step()
    assert victim not in _provisional(store)
    items, _ = stream.changes_since(store, ADMIN, now[0] - 1)
    assert ("withdrawn", victim, "revised") in {(k, p["id"], p["reason"]) for k, p in items
                                               if k == "withdrawn"}  # fmt: skip


def _its_own(spans: list[Any], busiest: str, hours: float = 0.5) -> list[Any]:
    """The spans (rows with ``sensor`` or ``sensor_id``, and ``reason``) of ``busiest``; every
    other is the silence check's, on a sensor down in the scenario's own truth (moderate
    seed 21, ``hours`` long)."""
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=hours))
    down = {o.sensor for o in scenario.truth.outages}
    mine = []
    for s in spans:
        sensor = getattr(s, "sensor", None) or s.sensor_id
        if sensor == busiest:
            mine.append(s)
        else:
            assert sensor in down and "blasts" in str(s.reason), s
    return mine


def _fuse_stored(store: Store, tmp_path: Path, scenario: Any) -> int:
    """Store the scenario whole (its detections in time order) and fuse it with one final
    worker step a minute after its last detection; that time (µs)."""
    dets = sorted(scenario.detections, key=lambda d: (d.time, d.id))
    folder = tmp_path / "scenario"
    write_scenario(replace(scenario, detections=tuple(dets)), folder)
    now_us = to_micros(dets[-1].time) + 60_000_000
    for kind, name in (("sensors", "sensors.csv"), ("weather", "weather.ndjson"),
                       ("detections", "detections.ndjson")):  # fmt: skip
        ingest_file(store, kind, folder / name)
    LiveFusion(store, clock_us=lambda: now_us).step(final=True)
    return now_us


def test_a_clock_found_off_is_recorded_once_as_a_degraded_span(
    store: Store, tmp_path: Path
) -> None:
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=0.5))
    busiest = Counter(d.sensor for d in scenario.detections).most_common(1)[0][0]
    late = [d.model_copy(update={"time": d.time + timedelta(milliseconds=60)})
            if d.sensor == busiest else d for d in scenario.detections]  # fmt: skip
    scenario = replace(scenario, detections=tuple(late))
    now_us = _fuse_stored(store, tmp_path, scenario)
    with store.read() as conn:
        spans = _its_own(status_spans(conn), busiest)
    assert [(s.sensor, s.status) for s in spans] == [(busiest, "degraded")]
    assert "fusion clock check" in str(spans[0].reason) and "ms late" in str(spans[0].reason)
    # From its first evidence, not from the check that found it minutes later.
    first = min(d.time for d in scenario.detections)
    assert first <= spans[0].start <= first + timedelta(minutes=5)
    assert "off since" in str(spans[0].reason)
    # The correction in force is kept with the watermark, for a restarted worker.
    with store.read() as conn:
        saved = orjson.loads(conn.execute(select(tables.fusion_progress.c.clocks)).scalar_one())
    assert list(saved["sensors"]) == [busiest]
    assert abs(saved["sensors"][busiest][0] - 0.06) < 0.002
    restarted = LiveFusion(store, clock_us=lambda: now_us)
    restarted.step(final=True)
    assert restarted._engine is not None
    before = restarted._engine.clock_corrections()["sensors"]
    assert isinstance(before, dict) and abs(before[busiest][0] - 0.06) < 0.002
    with store.read() as conn:
        assert len(_its_own(status_spans(conn), busiest)) == 1
        kinds = conn.execute(select(tables.ledger_leaves.c.kind)).scalars().all()
    assert "sensor_status" in kinds


def test_a_sensor_whose_picks_meet_no_event_is_recorded_degraded(
    store: Store, tmp_path: Path
) -> None:
    """The busiest sensor stamps half an hour late, beyond every clock search, and its
    detections are all stored before the worker reads them (none comes late). It was
    judged ``few``, as if quiet, and its status stayed operational; now the worker
    records it ``degraded``, with what to check."""
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=1.0))
    busiest = Counter(d.sensor for d in scenario.detections).most_common(1)[0][0]
    late = [d.model_copy(update={"time": d.time + timedelta(minutes=30)})
            if d.sensor == busiest else d for d in scenario.detections]  # fmt: skip
    _fuse_stored(store, tmp_path, replace(scenario, detections=tuple(late)))
    with store.read() as conn:
        spans = _its_own(status_spans(conn), busiest, hours=1.0)
    assert [(s.sensor, s.status) for s in spans] == [(busiest, "degraded")]
    assert "its picks meet none of the" in str(spans[0].reason)
    assert "check its clock (a time zone taken for UTC?) and position" in str(spans[0].reason)


def test_a_sensor_gone_silent_is_recorded_non_operational_and_back(
    store: Store, tmp_path: Path
) -> None:
    """The busiest sensor sends nothing from 10 to 40 minutes into a moderate hour, and
    nobody says so. Its status stayed operational, and the coverage showed a working
    sensor over a quiet stretch. Now the worker, fed a minute at a time, records it
    ``non_operational`` from its first blast missed, and ``operational`` once it
    hears them again, though restarted in between."""
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=1.0))
    busiest = Counter(d.sensor for d in scenario.detections).most_common(1)[0][0]
    t0 = min(d.time for d in scenario.detections)
    down = (t0 + timedelta(minutes=10), t0 + timedelta(minutes=40))
    kept = [d for d in scenario.detections
            if d.sensor != busiest or not down[0] <= d.time < down[1]]  # fmt: skip
    folder = tmp_path / "scenario"
    write_scenario(replace(scenario, detections=tuple(kept)), folder)
    doc = orjson.loads((folder / "agreement.geojson").read_bytes())
    agreements.load_agreement(store, doc, source="scenario", now_us=to_micros(t0))
    for kind, name in (("sensors", "sensors.csv"), ("weather", "weather.ndjson")):
        ingest_file(store, kind, folder / name)
    now = [to_micros(t0)]
    worker = LiveFusion(store, clock_us=lambda: now[0])
    path = tmp_path / "arrival.ndjson"
    for m in range(70):
        part = [d for d in kept if t0 + timedelta(minutes=m) <= d.time
                < t0 + timedelta(minutes=m + 1)]  # fmt: skip
        if m == 30:  # restarted while the sensor is down: the new worker still clears it
            worker = LiveFusion(store, clock_us=lambda: now[0])
        now[0] = to_micros(t0 + timedelta(minutes=m + 1))
        if part:
            path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n" for d in part))
            ingest_file(store, "detections", path)
        worker.step()
    with store.read() as conn:
        found = status_spans(conn)
    spans = [s for s in found if s.sensor == busiest]
    assert [s.status for s in spans] == ["non_operational", "operational"]
    assert down[0] <= spans[0].start <= down[0] + timedelta(minutes=5)
    assert "heard none of the" in str(spans[0].reason) and "is it down?" in str(spans[0].reason)
    assert down[1] <= spans[1].start <= down[1] + timedelta(minutes=15)
    # The others found are the scenario's own outages, each while it lasted.
    outages = {o.sensor: o for o in scenario.truth.outages}
    for s in found:
        if s.sensor != busiest:
            o = outages[s.sensor]
            assert (
                o.start <= s.start <= o.end
                if s.status == "non_operational"
                else (o.end <= s.start <= o.end + timedelta(minutes=15))
            ), s


def _as_it_happens(store: Store, tmp_path: Path, shift_s: float, after_s: float = 0.0,
                   restart_s: float = math.inf
                   ) -> tuple[LiveFusion, str, dict[str, dict[str, Any]]]:  # fmt: skip
    """Half an hour of the moderate load ingested a minute at a time as it happens (the
    wall clock at each minute's end), the busiest sensor's detections stamped ``shift_s``
    off from ``after_s`` in, a worker step after each minute (a new worker from
    ``restart_s`` in); the worker, that sensor, and the events the offline command writes
    for the same detections."""
    scenario = simulate(SimulationConfig.from_preset("moderate", seed=21, hours=0.5))
    busiest = Counter(d.sensor for d in scenario.detections).most_common(1)[0][0]
    shift = timedelta(seconds=shift_s)
    step = min(d.time for d in scenario.detections) + timedelta(seconds=after_s)
    arrivals = [(d.time, d.model_copy(update={"time": d.time + shift})
                 if d.sensor == busiest and d.time >= step else d)
                for d in scenario.detections]  # fmt: skip
    stamped = sorted((d for _, d in arrivals), key=lambda d: (d.time, d.id))
    folder = tmp_path / "scenario"
    write_scenario(replace(scenario, detections=tuple(stamped)), folder)
    offline = _offline(folder)
    start = to_micros(min(t for t, _ in arrivals))
    doc = orjson.loads((folder / "agreement.geojson").read_bytes())
    agreements.load_agreement(store, doc, source="scenario", now_us=start)
    for kind, name in (("sensors", "sensors.csv"), ("weather", "weather.ndjson")):
        ingest_file(store, kind, folder / name)
    now = [start]
    worker = LiveFusion(store, clock_us=lambda: now[0])
    minute = 60_000_000
    while now[0] <= to_micros(max(t for t, _ in arrivals)):
        part = [d for t, d in arrivals if now[0] <= to_micros(t) < now[0] + minute]
        now[0] += minute
        if now[0] - start > restart_s * 1e6:
            worker, restart_s = LiveFusion(store, clock_us=lambda: now[0]), math.inf
        if part:
            path = tmp_path / "arrival.ndjson"
            path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n" for d in part))
            ingest_file(store, "detections", path)
        worker.step()
    worker.step(final=True)
    return worker, busiest, offline


@pytest.mark.parametrize("fast_s", [150.0, 7200.0])
def test_a_sensor_stamping_ahead_does_not_make_the_others_late(
    store: Store, tmp_path: Path, fast_s: float
) -> None:
    """The busiest sensor's clock runs 150 s (or two hours) fast: its detections are
    stamped in the future. The watermark followed the latest time seen, so it ran that far
    ahead of every other sensor, whose detections, arriving on time, were then late and
    dropped (139 of the 238 events stored at 150 s). Capped at the wall clock while the
    data is live (by the median of what was read, which one sensor does not move),
    nothing is late, the worker stores what the offline command writes, and a clock
    150 s fast is found and corrected (two hours is beyond the far search). Either way
    the sensor is flagged ``degraded`` as soon as its detections come stamped ahead of
    the worker's clock."""
    worker, busiest, offline = _as_it_happens(store, tmp_path, fast_s)
    assert worker._engine is not None and worker._engine.late == 0
    if fast_s < 600.0:
        checks = {c.sensor: c for c in worker._engine.clock_checks()}
        assert abs(checks[busiest].correction - fast_s) < 0.003
    assert _stored(store) == offline
    # No detection comes before it happened: the sensor is flagged at once (two hours
    # fast, it was counted as down by association, and nothing said so); a clock the
    # checks then find off says how far, and that it is corrected.
    t = tables.sensor_status
    with store.read() as conn:
        spans = conn.execute(select(t.c.sensor_id, t.c.status, t.c.reason)
                             .order_by(t.c.recorded_us, t.c.seq)).all()  # fmt: skip
    spans = _its_own(spans, busiest)
    assert spans and all(s.status == "degraded" for s in spans)
    ahead = "1 h 59 min" if fast_s > 600.0 else "2 min [23]\\d s"  # read at a minute's end
    assert re.search(f"stamped up to {ahead} after they reached the mission", spans[0].reason)
    assert len(spans) == (1 if fast_s > 600.0 else 2)
    if fast_s < 600.0:
        assert "fusion clock check" in spans[1].reason and "ms late" in spans[1].reason


@pytest.mark.parametrize(("slow_s", "after_s"), [(150.0, 0.0), (300.0, 600.0)])
def test_a_sensor_whose_detections_come_too_late_is_flagged_found_and_kept(
    store: Store, tmp_path: Path, slow_s: float, after_s: float
) -> None:
    """The busiest sensor's clock runs 150 s slow (or steps 300 s slow ten minutes in):
    its detections arrive behind the watermark. They were dropped, unfused and
    unchecked: the clock was found only offline. Now the worker flags the sensor
    (``degraded``; no other sensor: rows read again for the commit slack are not fed
    twice), the late detections still serve the far clock search (their sensor counts
    as sending, so events predict its arrivals, though association counts it as down),
    the clock is found and corrected, and its detections are kept from then on; those
    that came too late but that a pool still spans are recovered (17 of 17, 7 of 36).
    The stored events hold the offline command's pick sets but for three (all 239 at
    150 s; before: 195 of 239 events alike), and lie within 1e-6° of them (the picks are
    summed in another order)."""
    worker, busiest, offline = _as_it_happens(store, tmp_path, -slow_s, after_s)
    engine = worker._engine
    assert engine is not None
    assert list(engine.late_by) == [busiest] and 5 <= engine.late_by[busiest] < 40
    assert engine.recovered >= 5
    checks = {c.sensor: c for c in engine.clock_checks()}
    assert abs(checks[busiest].correction + slow_s) < 0.003
    stored, in_file = (_by_picks(d) for d in (_stored(store), offline))
    assert len(stored.keys() & in_file.keys()) >= len(in_file) - (0 if after_s == 0 else 3)
    for key in stored.keys() & in_file.keys():
        here, there = (np.array(d[key]["geometry"]["coordinates"]) for d in (stored, in_file))
        assert np.abs(here - there).max() < 1e-6
    t = tables.sensor_status
    with store.read() as conn:  # in the order recorded: the latest says the status
        spans = conn.execute(select(t.c.sensor_id, t.c.status, t.c.reason)
                             .order_by(t.c.recorded_us, t.c.seq)).all()  # fmt: skip
    spans = _its_own(spans, busiest)
    assert [(s.sensor_id, s.status) for s in spans] == [(busiest, "degraded")] * 2
    assert "behind the latest and were left out: check its clock" in str(spans[0].reason)
    assert "fusion clock check" in str(spans[1].reason) and "ms early" in str(spans[1].reason)


def test_a_restarted_worker_stores_no_second_version_of_an_event(
    store: Store, tmp_path: Path
) -> None:
    """The busiest sensor's clock runs 150 s slow; the worker is restarted 20 minutes in.
    The new one replays the last quarter hour before the released watermark with the
    correction in force from its start, so it fused that sensor's detections that the
    first worker had lost before it found the clock: other picks, so other event ids,
    and 11 pairs of stored events shared a detection. Only events past the watermark
    are stored now."""
    _, _, offline = _as_it_happens(store, tmp_path, -150.0, restart_s=1200.0)
    stored = _stored(store)
    held = Counter(d for f in stored.values() for d in f["properties"]["detections"])
    assert max(held.values()) == 1
    assert abs(len(stored) - len(offline)) <= 2


def test_a_sensor_flagged_late_is_cleared_once_on_time_again(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``LATE_FLAG`` late detections flag a sensor (once), more late ones keep it so, and
    ``LATE_FLAG`` taken with none late since clear it; a status already so is not
    recorded again (a restarted worker)."""
    status = {"S1": "operational"}
    monkeypatch.setattr(fusion_live, "status_at", lambda conn, sensor, at: status[sensor])
    worker = LiveFusion(sqlite_store, clock_us=lambda: 0)
    at = from_micros(1_000_000)
    with sqlite_store.read() as conn:
        assert worker._late_span(conn, "S1", LATE_FLAG - 1, 10, at) is None
        span = worker._late_span(conn, "S1", LATE_FLAG, 10, at)
        assert span is not None and span.status == "degraded"
        assert f"{LATE_FLAG} of sensor S1's detections came more than 60 s behind" in str(
            span.reason
        )
        status["S1"] = "degraded"
        assert worker._late_span(conn, "S1", LATE_FLAG + 2, 12, at) is None  # still late
        assert worker._late_span(conn, "S1", LATE_FLAG + 2, 12 + LATE_FLAG - 1, at) is None
        span = worker._late_span(conn, "S1", LATE_FLAG + 2, 12 + LATE_FLAG, at)
        assert span is not None and span.status == "operational"
        status["S1"] = "operational"
        # Flagged again only on LATE_FLAG new late ones; not recorded where already so.
        assert worker._late_span(conn, "S1", 2 * LATE_FLAG + 1, 30, at) is None
        status["S1"] = "degraded"
        assert worker._late_span(conn, "S1", 2 * LATE_FLAG + 2, 30, at) is None
        assert worker._late_span(conn, "S1", 2 * LATE_FLAG + 2, 30 + LATE_FLAG, at) is not None


class _Cold:
    """An engine just restarted: it finds no sensor silent yet, and has heard ``S1``
    where ``heard`` says."""

    def __init__(self, heard: datetime | None) -> None:
        self.net = type("Net", (), {"index": {"S1": 0}})()
        self._heard = heard

    def silences(self) -> list[tuple[str, datetime, int]]:
        return []

    def heard(self, sensor: str) -> datetime | None:
        return self._heard


def test_a_restarted_worker_clears_a_silence_recorded_before_once_heard(
    store: Store, tmp_path: Path
) -> None:
    """A worker recorded ``S1`` down for its silence, then stopped. Its successor's engine
    starts cold: it neither finds ``S1`` silent nor has heard it. It records nothing
    until ``S1`` hears a blast near it, then clears it, once."""
    (tmp_path / "sensors.csv").write_text(
        "id,kind,lat,lon,alt_m,owner,timing_sigma_ms,bearing_sigma_deg\n"
        "S1,acoustic,48.1,37.8,200,USA,2.0,\n"
    )
    ingest_file(store, "sensors", tmp_path / "sensors.csv")
    down = parse_time("2026-03-01T04:10:00Z")
    reason = fusion_live.SILENT_REASON.format(sensor="S1") + " 5 blasts others heard"
    record_status(store, [StatusSpan("S1", "non_operational", down, None, reason)],
                  source="fusion silence check", now_us=to_micros(down))  # fmt: skip
    worker = LiveFusion(store, clock_us=lambda: to_micros(down))
    assert worker._record_silent(_Cold(None)) == 0  # type: ignore[arg-type]
    back = down + timedelta(minutes=20)
    assert worker._record_silent(_Cold(back)) == 1  # type: ignore[arg-type]
    assert worker._record_silent(_Cold(back)) == 0  # type: ignore[arg-type]
    with store.read() as conn:
        spans = status_spans(conn)
    assert [(s.status, s.start) for s in spans] == [("non_operational", down),
                                                    ("operational", back)]  # fmt: skip
