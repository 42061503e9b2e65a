"""Live updates: events stored while the map is open appear without a reload."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.web.conftest import Live, SignIn, wait_for_map
from tests.web.seed import truth_events
from truceline.clock import now_us
from truceline.fusion.event import Event
from truceline.services.events import store_events, store_provisional
from truceline.timefmt import format_time

SHOWN = (
    "() => window.truceline.map.getStyle().sources.events.data.features.map(f => f.properties.id)"
)


def _opened(page: Any, sign_in: SignIn, live: Live) -> None:
    """The analyst's map of the demo's last day, its live stream connected."""
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    page.wait_for_selector("#live[data-state=live]")


def _fresh(page: Any, live: Live, seed: int) -> list[Event]:
    """Up to ten blasts of the demo's truth not stored yet, in the window the map shows."""
    start = page.locator("#map").get_attribute("data-window-from")
    end = page.locator("#map").get_attribute("data-window-to")
    with live.store.read() as conn:
        stored = {r[0] for r in conn.exec_driver_sql("SELECT id FROM events")}
    fresh = [
        e
        for e in truth_events(600, np.random.default_rng(seed))
        if e.id not in stored and start <= format_time(e.time) < end
    ][:10]
    assert fresh, "the demo truth has blasts not yet stored in the window shown"
    return fresh


def test_new_events_arrive_over_the_stream(page: Any, sign_in: SignIn, live: Live) -> None:
    _opened(page, sign_in, live)
    before = set(page.evaluate(SHOWN))
    fresh = _fresh(page, live, seed=7)
    with live.store.write() as conn:
        store_events(conn, fresh, side_codes=("UA", "RU"), now_us=now_us())
    with live.api("analyst") as c:  # what this principal may see of them
        visible = {e.id for e in fresh if c.get(f"/api/v1/events/{e.id}").status_code == 200}
    assert visible, "some of the new events are released to the analyst"
    page.wait_for_function(f"n => ({SHOWN})().length >= n", arg=len(before) + len(visible))
    assert set(page.evaluate(SHOWN)) == before | visible


PROVISIONAL = (
    "() => window.truceline.map.getStyle().sources.provisional.data.features"
    ".map(f => f.properties.id)"
)


def test_provisional_events_are_shown_hollow_until_released(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    """Live fusion stores an event provisional once located, minutes before it releases
    it: the map shows it as a hollow marker over the stream, and its release (the same
    id) replaces it with the event."""
    _opened(page, sign_in, live)
    fresh = _fresh(page, live, seed=11)
    with live.store.write() as conn:
        store_provisional(conn, fresh, side_codes=("UA", "RU"), now_us=now_us())
    with live.api("analyst") as c:
        ids = [e.id for e in fresh]
        page_ = c.get("/api/v1/provisional-events", params={"id": ids, "limit": 100}).json()
        visible = {f["properties"]["id"] for f in page_["items"]}
        assert all(f["properties"]["provisional"] for f in page_["items"])
    assert visible, "some of them are released to the analyst"
    page.wait_for_function(f"ids => ids.every(i => ({PROVISIONAL})().includes(i))",
                           arg=sorted(visible))  # fmt: skip
    assert not visible & set(page.evaluate(SHOWN)), "hollow, not yet events"
    assert "located, not released yet" in page.locator("p.status").inner_text()
    chosen = next(e for e in fresh if e.id == min(visible))
    _choose(page, chosen)
    assert "(provisional)" in page.locator(".details h3").inner_text()
    with live.store.write() as conn:
        store_events(conn, fresh, side_codes=("UA", "RU"), now_us=now_us())
    page.wait_for_function(f"ids => ids.every(i => ({SHOWN})().includes(i))", arg=sorted(visible))
    assert not visible & set(page.evaluate(PROVISIONAL)), "the released event replaced it"
    # The panel that showed it shows the event released.
    page.wait_for_function("() => !document.querySelector('.details h3').innerText"
                           ".includes('provisional')")  # fmt: skip
    assert page.locator(".details h3").inner_text() == f"Event {chosen.id}"
    assert "Paired with" in page.locator(".details").inner_text()


def test_a_withdrawn_provisional_event_leaves_the_map(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    """A restarted worker's replay may locate otherwise what the worker before it showed
    provisional: the stream says those it withdrew, and the map drops them at once, not
    minutes later when the release front passes them."""
    _opened(page, sign_in, live)
    fresh = _fresh(page, live, seed=13)
    with live.store.write() as conn:
        store_provisional(conn, fresh, side_codes=("UA", "RU"), now_us=now_us())
    with live.api("analyst") as c:
        page_ = c.get("/api/v1/provisional-events", params={"id": [e.id for e in fresh],
                                                            "limit": 100}).json()  # fmt: skip
        visible = sorted(f["properties"]["id"] for f in page_["items"])
    assert len(visible) >= 2, "some of them are released to the analyst"
    page.wait_for_function(f"ids => ids.every(i => ({PROVISIONAL})().includes(i))", arg=visible)
    _choose(page, next(e for e in fresh if e.id == visible[1]))
    details = page.locator(".details")
    assert "(provisional)" in details.inner_text() and "located" in details.inner_text()
    kept = [e for e in fresh if e.id == visible[0]]
    with live.store.write() as conn:  # a new engine gives only the first again
        store_provisional(conn, kept, side_codes=("UA", "RU"), now_us=now_us(), replace=True)
    page.wait_for_function(f"ids => !ids.some(i => ({PROVISIONAL})().includes(i))",
                           arg=visible[1:])  # fmt: skip
    assert visible[0] in page.evaluate(PROVISIONAL), "the one given again stays"
    # The panel that showed one no longer vouches for it.
    page.wait_for_function("() => document.querySelector('.details').innerText"
                           ".includes('withdrawn')")  # fmt: skip
    assert "restarted fusion worker" in details.inner_text()


def _choose(page: Any, event: Event) -> None:
    """Click ``event``'s marker, the map centred on it close up (no other marker there)."""
    page.evaluate("([lon, lat]) => window.truceline.map.jumpTo({center: [lon, lat], zoom: 16})",
                  [event.lon, event.lat])  # fmt: skip
    page.wait_for_function("() => window.truceline.map.loaded()")
    box = page.locator("#map canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("id => document.querySelector('.details h3')?.textContent.includes(id)",
                           arg=event.id)  # fmt: skip
