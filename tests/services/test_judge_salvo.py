"""The judge names who fired an unpaired impact of a salvo from the salvo's first launch,
stored by an earlier step: fusion releases a salvo's launches before its impacts."""

from __future__ import annotations

from datetime import timedelta

import orjson
from sqlalchemy import select

from tests.conftest import FIXED_NOW_US, load_demo_agreement
from truceline.fusion.event import Event
from truceline.services.events import store_events
from truceline.services.judge import Judge
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import from_micros

T0 = from_micros(FIXED_NOW_US + 3_600_000_000)  # 2026-03-02T01:00:00Z


def _event(eid: str, lon: float, phase: str, dt_s: float, **kw: str | None) -> Event:
    return Event(
        id=eid, time=T0 + timedelta(seconds=dt_s), lat=48.0, lon=lon, height_m=0.0,
        phase=phase, weapon="mlrs", detections=(f"d-{eid}",), n_sensors=6,
        semi_major_m=30.0, semi_minor_m=15.0, azimuth_deg=0.0, side=None,
        rms_residual_ms=2.0, paired_with=kw.get("paired_with"), salvo=kw.get("salvo"),
    )  # fmt: skip


def _fire_findings(store: Store) -> dict[tuple[str, ...], tuple[str | None, str | None]]:
    with store.read() as conn:
        rows = conn.execute(
            select(tables.findings.c.record).where(tables.findings.c.rule == "fire")
        )
        out = {}
        for (record,) in rows:
            f = orjson.loads(record)
            out[tuple(f["subjects"])] = (f["responsible_side"], f["affected_side"])
        return out


def test_an_unpaired_salvo_impact_judged_later_names_the_side_that_fired(store: Store) -> None:
    load_demo_agreement(store)
    clock = lambda: FIXED_NOW_US + 7_200_000_000  # noqa: E731
    launch = _event("ev-00000000000000a1", 38.0, "launch", 0.0, paired_with="ev-00000000000000b1",
                    salvo="ev-00000000000000a1")  # fmt: skip  # on RU's ground
    impact = _event("ev-00000000000000b1", 37.2, "impact", 60.0, paired_with=launch.id,
                    salvo=launch.id)  # fmt: skip  # on UA's ground
    with store.write() as conn:
        store_events(conn, [launch, impact], side_codes=["UA", "RU"], now_us=clock())
    Judge(store, clock_us=clock).step()
    # Other fire judged meanwhile moves the judge's cursor past the salvo's launch.
    other = _event("ev-00000000000000c1", 37.3, "impact", 200.0)
    with store.write() as conn:
        store_events(conn, [other], side_codes=["UA", "RU"], now_us=clock() + 300_000_000)
    Judge(store, clock_us=lambda: clock() + 300_000_000).step()
    alone = _event("ev-00000000000000b2", 37.21, "impact", 63.0, salvo=launch.id)
    with store.write() as conn:
        store_events(conn, [alone], side_codes=["UA", "RU"], now_us=clock() + 600_000_000)
    later = lambda: FIXED_NOW_US + 7_900_000_000  # noqa: E731
    Judge(store, clock_us=later).step()
    found = _fire_findings(store)
    assert found[(launch.id, impact.id)] == ("RU", "UA")
    assert found[(alone.id,)] == ("RU", "UA")
