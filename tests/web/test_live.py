"""Live updates: events stored while the map is open appear without a reload."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.web.conftest import Live, SignIn, wait_for_map
from tests.web.seed import truth_events
from truceline.clock import now_us
from truceline.services.events import store_events
from truceline.timefmt import format_time

SHOWN = (
    "() => window.truceline.map.getStyle().sources.events.data.features.map(f => f.properties.id)"
)


def test_new_events_arrive_over_the_stream(page: Any, sign_in: SignIn, live: Live) -> None:
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    page.wait_for_selector("#live[data-state=live]")
    before = set(page.evaluate(SHOWN))
    start = page.locator("#map").get_attribute("data-window-from")
    end = page.locator("#map").get_attribute("data-window-to")
    with live.store.read() as conn:
        stored = {r[0] for r in conn.exec_driver_sql("SELECT id FROM events")}
    fresh = [
        e
        for e in truth_events(600, np.random.default_rng(7))
        if e.id not in stored and start <= format_time(e.time) < end
    ][:10]
    assert fresh, "the demo truth has blasts not yet stored in the window shown"
    with live.store.write() as conn:
        store_events(conn, fresh, side_codes=("UA", "RU"), now_us=now_us())
    with live.api("analyst") as c:  # what this principal may see of them
        visible = {e.id for e in fresh if c.get(f"/api/v1/events/{e.id}").status_code == 200}
    assert visible, "some of the new events are released to the analyst"
    page.wait_for_function(f"n => ({SHOWN})().length >= n", arg=len(before) + len(visible))
    assert set(page.evaluate(SHOWN)) == before | visible
