"""The live feed: new records arrive as server-sent events, filtered by access control."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from tests.api.conftest import TokenFor
from tests.conftest import FIXED_NOW_US
from truceline.access.policy import PUBLIC, Principal
from truceline.api.routes import stream
from truceline.api.routes.stream import changes_since
from truceline.formats.records import Markings
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.engine import Store
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros


def _finding(store: Store, fid: str, tokens: list[str], created_us: int) -> None:
    mk = Markings(releasable_to=tokens)
    record = {
        "id": fid,
        "rule": "fire",
        "subjects": [],
        "time": "2026-03-02T01:00:00Z",
        "location": {"lat": 48.1, "lon": 37.8},
        "responsible_side": "RU",
        "affected_side": "UA",
        "grave": False,
        "agreement": {"id": "a", "version": 1},
        "instrument": None,
        "basis": "test",
        "facts": {},
    }
    with store.write() as conn:
        conn.execute(
            tables.findings.insert().values(
                id=fid,
                rule="fire",
                time_us=FIXED_NOW_US,
                lat=48.1,
                lon=37.8,
                responsible_side="RU",
                affected_side="UA",
                grave=0,
                agreement_id="a",
                agreement_version=1,
                record=orjson.dumps(record).decode(),
                originator="MISSION",
                markings=markings_json(mk),
                audience=audience(mk),
                created_us=created_us,
            )
        )


def test_changes_since_filters_and_advances(store: Store) -> None:
    _finding(store, "fd-public", ["PUBLIC"], 10)
    _finding(store, "fd-mission", ["MISSION"], 20)
    items, cursor = changes_since(store, PUBLIC, 0)
    assert [p["id"] for _, p in items] == ["fd-public"]
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    items, cursor = changes_since(store, analyst, 0)
    assert [p["id"] for _, p in items] == ["fd-public", "fd-mission"] and cursor == 20
    assert changes_since(store, analyst, cursor)[0] == []


def test_stream_over_http_with_token_param(
    client: TestClient, store: Store, token_for: TokenFor
) -> None:
    _finding(store, "fd-live", ["MISSION"], 5)
    token = token_for("analyst", nation="GBR")
    with client.stream(
        "GET",
        f"/api/v1/stream?token={token}&since=0&max_seconds=1.5",
        headers={"Authorization": ""},
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        body = b"".join(r.iter_bytes()).decode()
    assert "event: finding" in body and "fd-live" in body
    with client.stream(
        "GET", "/api/v1/stream?since=0&max_seconds=1.5", headers={"Authorization": ""}
    ) as r:
        assert "fd-live" not in b"".join(r.iter_bytes()).decode()


def _event(store: Store, eid: str, created_us: int) -> None:
    mk = Markings(releasable_to=["PUBLIC"])
    record = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.8, 48.1]},
              "properties": {"id": eid, "time": "2026-03-02T01:00:00Z"}}  # fmt: skip
    row = {
        "id": eid, "time_us": FIXED_NOW_US, "lat": 48.1, "lon": 37.8, "phase": "impact",
        "weapon": "unknown", "side": "UA", "paired_with": None, "n_sensors": 4,
        "record": orjson.dumps(record).decode(), "originator": "MISSION",
        "markings": markings_json(mk), "audience": audience(mk), "created_us": created_us,
    }  # fmt: skip
    with store.write() as conn:
        conn.execute(tables.events.insert().values(**row))


def _front(store: Store, complete_us: int) -> None:
    progress = tables.fusion_progress
    with store.write() as conn:
        conn.execute(progress.delete())
        conn.execute(progress.insert().values(id=1, watermark_us=complete_us,
                                              complete_us=complete_us))  # fmt: skip


def test_the_feed_says_how_far_the_events_are_complete(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live fusion releases events minutes after their blasts; the feed says how far they are
    complete, and only once it has given every event stored with that front."""
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    for i in range(3):
        _event(store, f"ev-{i}", 10 * (i + 1))
    assert [k for k, _ in changes_since(store, analyst, 0)[0]] == ["event"] * 3  # no front yet
    _front(store, FIXED_NOW_US)
    items, cursor = changes_since(store, analyst, 0)
    assert items[-1] == ("complete", {"complete_to": format_time(from_micros(FIXED_NOW_US))})
    assert [k for k, _ in items] == ["event"] * 3 + ["complete"] and cursor == 30
    monkeypatch.setattr(stream, "PAGE", 2)  # a page of events filled: the front waits
    items, cursor = changes_since(store, analyst, 0)
    assert [p["properties"]["id"] for _, p in items] == ["ev-0", "ev-1"]
    items, cursor = changes_since(store, analyst, cursor)
    assert [k for k, _ in items] == ["event", "complete"]


def test_the_stream_sends_the_front_once_each_time_it_moves(
    client: TestClient, store: Store, token_for: TokenFor
) -> None:
    _event(store, "ev-live", 5)
    _front(store, FIXED_NOW_US)
    token = token_for("analyst", nation="GBR")
    with client.stream(
        "GET", f"/api/v1/stream?token={token}&since=0&max_seconds=2.5",
        headers={"Authorization": ""},
    ) as r:  # fmt: skip
        body = b"".join(r.iter_bytes()).decode()
    messages = [m for m in body.split("\n\n") if m.startswith("event: ")]
    kinds = [m.split("\n")[0] for m in messages]
    assert kinds == ["event: event", "event: complete"]  # polled three times, sent once
    front = orjson.loads(messages[1].split("data: ", 1)[1])
    assert front == {"complete_to": format_time(from_micros(FIXED_NOW_US))}


def test_a_full_page_never_lets_the_cursor_pass_a_record_not_sent(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker step stores many events with one stamp, and other kinds go on beside them:
    every record is sent once, however the pages fall."""
    monkeypatch.setattr(stream, "PAGE", 2)
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    for i in range(5):  # one step's events: more than a page, one stamp
        _event(store, f"ev-{i}", 10)
    _event(store, "ev-late", 22)
    _event(store, "ev-later", 30)
    _finding(store, "fd-between", ["MISSION"], 25)
    sent: list[str] = []
    cursor, polls = 0, 0
    while polls < 10:
        items, cursor = changes_since(store, analyst, cursor)
        if not items:
            break
        sent += [p["id"] if k == "finding" else p["properties"]["id"] for k, p in items]
        polls += 1
    assert sorted(sent[:5]) == [f"ev-{i}" for i in range(5)]
    assert sent[5:] == ["ev-late", "fd-between", "ev-later"]


def _withdrawal(store: Store, eid: str, tokens: list[str], at_us: int) -> None:
    mk = Markings(releasable_to=tokens)
    with store.write() as conn:
        conn.execute(tables.withdrawn_events.insert().values(
            id=eid, time_us=FIXED_NOW_US, reason="replaced", originator="MISSION",
            markings=markings_json(mk), audience=audience(mk), withdrawn_us=at_us))  # fmt: skip


def test_a_withdrawn_provisional_event_is_sent_to_those_who_could_see_it(store: Store) -> None:
    _withdrawal(store, "ev-public", ["PUBLIC"], 10)
    _withdrawal(store, "ev-mission", ["MISSION"], 20)
    _event(store, "ev-new", 20)  # stored in the same step: sent after the withdrawal
    items, cursor = changes_since(store, PUBLIC, 0)
    when = format_time(from_micros(FIXED_NOW_US))
    assert items[0] == ("withdrawn", {"id": "ev-public", "time": when, "reason": "replaced"})
    assert [k for k, _ in items] == ["withdrawn", "event"]
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    items, cursor = changes_since(store, analyst, 10)
    assert [(k, p.get("id", "")) for k, p in items] == [("withdrawn", "ev-mission"), ("event", "")]
    assert cursor == 20


def test_each_kind_the_stream_reads_is_read_by_an_index(store: Store) -> None:
    """The stream reads every kind by its stamp each second for each client; without an
    index a poll of a million events took 234 ms on SQLite (benchmarks/stream_poll.py).
    Every stamp is indexed, and SQLite's plan for the stream's read uses the index."""
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    for _, table, stamp in stream.SOURCES:
        indexed = [i["column_names"] for i in inspect(store.engine).get_indexes(table.name)]
        assert [stamp] in indexed, f"{table.name}.{stamp} is not indexed"
        if store.dialect != "sqlite":
            continue
        col = table.c[stamp]
        q = select(table).where(col > 0, visible(table, analyst)).order_by(col).limit(2)
        sql = str(q.compile(store.engine, compile_kwargs={"literal_binds": True}))
        with store.read() as conn:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, (table.name, plan)
