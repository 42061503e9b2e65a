"""Provisional events in the store: each goes when its event is released or when the
release front passes it, and none is stored twice or beside its released form."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from truceline.fusion.event import Event
from truceline.services.events import store_events, store_provisional
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import parse_time, to_micros

T0 = parse_time("2026-03-02T04:00:00Z")
SIDES = ("UA", "RU")


def _event(name: str, minute: int) -> Event:
    return Event(f"ev-{name}", T0 + timedelta(minutes=minute), 48.3, 37.9, 0.0, "impact",
                 "artillery", (f"d-{name}",), 1, 100.0, 50.0, 0.0, "UA", None, 1.0)  # fmt: skip


def _ids(store: Store, table: object) -> set[str]:
    with store.read() as conn:
        return set(conn.execute(select(table.c.id)).scalars())  # type: ignore[attr-defined]


def test_a_released_event_takes_the_place_of_its_provisional_form(store: Store) -> None:
    a, b = _event("a", 1), _event("b", 2)
    with store.write() as conn:
        made = store_provisional(conn, [a, b], side_codes=SIDES, now_us=1)
        assert [f["properties"]["provisional"] for f in made] == [True, True]
    with store.write() as conn:  # released with no front given: by its id
        store_events(conn, [a], side_codes=SIDES, now_us=2)
    assert _ids(store, tables.provisional_events) == {"ev-b"}
    with store.write() as conn:  # given again (a replay), it is not stored twice
        again = store_provisional(conn, [a, b], side_codes=SIDES, now_us=3)
    assert again == [] and _ids(store, tables.provisional_events) == {"ev-b"}


def test_the_release_front_drops_the_provisional_events_before_it(store: Store) -> None:
    """Every event before the front was released: one still provisional there was decided
    otherwise (a restarted worker's replay), and goes; nor is one stored there."""
    stale, late = _event("stale", 1), _event("late", 9)
    with store.write() as conn:
        store_provisional(conn, [stale, late], side_codes=SIDES, now_us=1)
    front = to_micros(T0 + timedelta(minutes=5))
    with store.write() as conn:
        store_provisional(conn, [_event("early", 3)], side_codes=SIDES, now_us=2, front_us=front)
    assert _ids(store, tables.provisional_events) == {"ev-late"}


def _withdrawn(store: Store) -> list[tuple[str, str, int]]:
    w = tables.withdrawn_events
    with store.read() as conn:
        rows = conn.execute(select(w.c.id, w.c.reason, w.c.withdrawn_us).order_by(w.c.seq))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_provisional_event_that_goes_unreleased_is_recorded_withdrawn(store: Store) -> None:
    """The live feed tells an open map to drop a provisional event that goes without a
    release: one a new engine does not give again, or one the release front passes. A
    released one, and one a new engine gives again, are not withdrawn."""
    a, b, c, d = _event("a", 1), _event("b", 2), _event("c", 3), _event("d", 9)
    with store.write() as conn:
        store_provisional(conn, [a, b, c, d], side_codes=SIDES, now_us=1)
        store_events(conn, [a], side_codes=SIDES, now_us=1)
    with store.write() as conn:  # a new engine: c given again, b and d not
        store_provisional(conn, [c], side_codes=SIDES, now_us=2, replace=True)
    assert _withdrawn(store) == [("ev-b", "replaced", 2), ("ev-d", "replaced", 2)]
    assert _ids(store, tables.provisional_events) == {"ev-c"}
    front = to_micros(T0 + timedelta(minutes=5))
    with store.write() as conn:
        store_provisional(conn, [], side_codes=SIDES, now_us=3, front_us=front)
    assert _withdrawn(store)[2:] == [("ev-c", "unreleased", 3)]
    with store.read() as conn:
        marks = conn.execute(select(tables.withdrawn_events.c.audience)).scalars().all()
    assert all(m.strip() for m in marks), "each keeps the markings of the event it was"
    day = 86_400_000_000
    with store.write() as conn:  # kept a day, then pruned
        store_provisional(conn, [], side_codes=SIDES, now_us=3 + day)
    assert [r[0] for r in _withdrawn(store)] == ["ev-c"]


def test_an_event_the_engine_withdrew_goes_before_its_new_form_is_stored(store: Store) -> None:
    """Given early, an event's block's later stages may change it (a pick added): the
    worker withdraws the old form and stores the new in one transaction."""
    old = _event("old", 1)
    new = Event("ev-new", old.time, 48.3, 37.9, 0.0, "impact", "artillery",
                ("d-old", "d-more"), 2, 100.0, 50.0, 0.0, "UA", None, 1.0)  # fmt: skip
    with store.write() as conn:
        store_provisional(conn, [old, _event("b", 2)], side_codes=SIDES, now_us=1)
    with store.write() as conn:
        store_provisional(conn, [new], side_codes=SIDES, now_us=2, withdrawn=["ev-old"])
    assert _ids(store, tables.provisional_events) == {"ev-new", "ev-b"}
    assert _withdrawn(store) == [("ev-old", "revised", 2)]
