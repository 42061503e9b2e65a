"""The map: agreement layers, sensors by status, events with ellipses and arrows, the time
slider and the filters. What is drawn is read from the MapLibre map object (its sources'
data and the features it reports as rendered), never from pixels, and compared with what
the API returns to the same principal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pyproj import Geod

from tests.web.conftest import Live, SignIn, wait_for_map
from truceline.store import tables
from truceline.timefmt import format_time, parse_time, to_micros

GEOD = Geod(ellps="WGS84")

SOURCE_FEATURES = """name => {
  const src = window.truceline.map.getStyle().sources[name];
  return src && src.data && src.data.features ? src.data.features : null;
}"""
RENDERED = """layer => window.truceline.map.queryRenderedFeatures({layers: [layer]}).length"""


def features(page: Any, source: str) -> list[dict[str, Any]]:
    found = page.evaluate(SOURCE_FEATURES, source)
    assert found is not None, f"no GeoJSON source {source!r} on the map"
    return list(found)


def window_of(page: Any) -> tuple[str, str]:
    box = page.locator("#map")
    return box.get_attribute("data-window-from"), box.get_attribute("data-window-to")


def api_events(live: Live, role: str, start: str, end: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    with live.api(role) as c:
        while True:
            params = {
                "from": start,
                "to": end,
                "limit": 1000,
                **({"cursor": cursor} if cursor else {}),
            }
            page = c.get("/api/v1/events", params=params).json()
            items += page["items"]
            cursor = page["next"]
            if not cursor:
                return items


def wait_rendered(page: Any, layer: str) -> None:
    page.wait_for_function(f"() => ({RENDERED})({layer!r}) > 0")


def wait_sensors_at(page: Any, at: str) -> None:
    page.wait_for_function("at => document.querySelector('#map').dataset.sensorsAt === at", arg=at)


def test_agreement_layers_are_drawn(page: Any, sign_in: SignIn, live: Live) -> None:
    sign_in("analyst")
    wait_for_map(page)
    with live.api("analyst") as c:
        agreement = c.get("/api/v1/agreements").json()["items"][0]["id"]
        doc = c.get(f"/api/v1/agreements/{agreement}", params={"format": "geojson"}).json()
    drawn = features(page, "agreement")
    assert sorted(f["properties"]["role"] for f in drawn) == sorted(
        f["properties"]["role"] for f in doc["features"]
    )
    for layer in (
        "agreement-contact",
        "agreement-control",
        "agreement-disengagement",
        "agreement-protected",
        "agreement-sector",
    ):
        wait_rendered(page, layer)
    # Without a basemap the style needs nothing from outside: no glyphs, sprites or labels.
    style = page.evaluate("() => window.truceline.map.getStyle()")
    assert "glyphs" not in style and "sprite" not in style and "basemap" not in style["sources"]
    assert not [layer for layer in style["layers"] if layer["type"] == "symbol"]
    # A protected site given as a point and a radius is drawn as that circle on the ellipsoid.
    sites = [
        f
        for f in doc["features"]
        if f["properties"]["role"] == "protected_site" and f["geometry"]["type"] == "Point"
    ]
    assert sites, "the demo agreement has a protected site with a radius"
    for site in sites:
        lon0, lat0 = site["geometry"]["coordinates"]
        radius = site["properties"]["radius_m"]
        circle = next(f for f in drawn if f["properties"].get("name") == site["properties"]["name"])
        assert circle["geometry"]["type"] == "Polygon"
        ring = circle["geometry"]["coordinates"][0]
        _, _, dist = GEOD.inv(
            [lon0] * len(ring), [lat0] * len(ring), [p[0] for p in ring], [p[1] for p in ring]
        )
        assert max(abs(d - radius) for d in dist) < radius * 1e-3


def test_sensors_coloured_by_status_at_the_selected_time(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    page.select_option("select[name=window]", str(3600 * 1000))
    start, _ = window_of(page)
    slider = page.locator("input[name=time]")
    # Every hour of the day: the map's statuses are the API's statuses at that time.
    seen_gap = False
    for step in (8, 24, 56):  # 02:00, 06:00 and 14:00
        slider.fill(str(step))
        _, at = window_of(page)
        wait_sensors_at(page, at)
        drawn = {
            f["properties"]["id"]: f["properties"]["status"] for f in features(page, "sensors")
        }
        with live.api("analyst") as c:
            want = {
                s["id"]: s["status"]
                for s in c.get("/api/v1/sensors", params={"at": at}).json()["items"]
            }
        assert drawn == want, at
        seen_gap = seen_gap or "non_operational" in drawn.values()
    assert seen_gap, "the demo's outages must show somewhere in the day"
    wait_rendered(page, "sensors")
    assert start.endswith("Z")


def test_events_with_error_ellipses_and_arrows(page: Any, sign_in: SignIn, live: Live) -> None:
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    start, end = window_of(page)
    want = {e["properties"]["id"]: e for e in api_events(live, "analyst", start, end)}
    assert want, "the seeded store has events for the analyst"
    drawn = {f["properties"]["id"]: f for f in features(page, "events")}
    assert drawn.keys() == want.keys()
    wait_rendered(page, "events")

    ellipses = {f["properties"]["id"]: f for f in features(page, "ellipses")}
    assert ellipses.keys() == {
        i for i, e in want.items() if e["properties"]["error_ellipse"]["semi_major_m"] > 0
    }
    for eid, f in list(ellipses.items())[:20]:
        ee = want[eid]["properties"]["error_ellipse"]
        lon0, lat0 = want[eid]["geometry"]["coordinates"]
        ring = f["geometry"]["coordinates"][0]
        az, _, dist = GEOD.inv(
            [lon0] * len(ring), [lat0] * len(ring), [p[0] for p in ring], [p[1] for p in ring]
        )
        assert max(dist) == pytest.approx(ee["semi_major_m"], rel=2e-3)
        assert min(dist) == pytest.approx(ee["semi_minor_m"], rel=2e-3)
        # the ring starts on the major axis, at the published azimuth (clockwise from north)
        assert (az[0] - ee["azimuth_deg"] + 90) % 180 - 90 == pytest.approx(0, abs=0.1)

    arrows = features(page, "arrows")
    pairs = {
        (e["properties"]["id"], e["properties"]["paired_with"])
        for e in want.values()
        if e["properties"]["phase"] == "launch" and e["properties"]["paired_with"] in want
    }
    assert pairs, "the seeded events include launch/impact pairs"
    assert {(a["properties"]["id"], a["properties"]["to"]) for a in arrows} == pairs
    for a in arrows:
        line = a["geometry"]["coordinates"][0]
        launch = want[a["properties"]["id"]]["geometry"]["coordinates"]
        impact = want[a["properties"]["to"]]["geometry"]["coordinates"]
        assert line[0] == pytest.approx(launch, abs=1e-9)
        assert line[-1] == pytest.approx(impact, abs=1e-9)
    wait_rendered(page, "arrows")

    # A salvo's unpaired impacts: a dashed line to the salvo's first launch (the seed
    # leaves each salvo's last rounds unpaired, as fusion leaves rounds it cannot tell).
    links = {
        (i, e["properties"]["salvo"])
        for i, e in want.items()
        if e["properties"]["phase"] == "impact"
        and e["properties"]["paired_with"] is None
        and e["properties"].get("salvo") in want
    }
    assert links, "the seeded events include unpaired impacts of a salvo"
    drawn_links = features(page, "salvo-links")
    assert {(f["properties"]["id"], f["properties"]["salvo"]) for f in drawn_links} == links
    for f in drawn_links:
        first, impact = f["geometry"]["coordinates"]
        assert first == pytest.approx(want[f["properties"]["salvo"]]["geometry"]["coordinates"])
        assert impact == pytest.approx(want[f["properties"]["id"]]["geometry"]["coordinates"])
    wait_rendered(page, "salvo-links")


def test_time_window_and_filters(page: Any, sign_in: SignIn, live: Live) -> None:
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    start, end = window_of(page)
    every = sorted(api_events(live, "analyst", start, end), key=lambda e: e["properties"]["time"])
    assert every, "the seeded store has events for the analyst"
    # a one-hour window ending just after the middle event holds what the API lists there
    middle = parse_time(every[len(every) // 2]["properties"]["time"])
    step = int((middle - parse_time(start)).total_seconds() // 900) + 1
    page.select_option("select[name=window]", str(3600 * 1000))
    page.locator("input[name=time]").fill(str(step))
    w0, w1 = window_of(page)
    assert parse_time(w1) - parse_time(w0) == timedelta(hours=1) and parse_time(w0) < middle
    want = {e["properties"]["id"] for e in api_events(live, "analyst", w0, w1)}
    assert every[len(every) // 2]["properties"]["id"] in want
    assert {f["properties"]["id"] for f in features(page, "events")} == want

    page.select_option("select[name=window]", "0")
    page.locator("input[name=time]").fill(page.locator("input[name=time]").get_attribute("max"))
    every = api_events(live, "analyst", *window_of(page))
    page.uncheck("input[name=phase][value=launch]")
    assert {f["properties"]["id"] for f in features(page, "events")} == {
        e["properties"]["id"] for e in every if e["properties"]["phase"] != "launch"
    }
    assert features(page, "arrows") == []
    page.check("input[name=phase][value=launch]")

    for side in sorted({e["properties"]["side"] for e in every} - {None}):
        page.select_option("select[name=side]", side)
        assert {f["properties"]["id"] for f in features(page, "events")} == {
            e["properties"]["id"] for e in every if e["properties"]["side"] == side
        }
        assert all(f["properties"]["side"] == side for f in features(page, "incidents"))


def test_incidents_coloured_by_state_and_attribution(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    start, end = window_of(page)
    with live.api("analyst") as c:
        items = c.get("/api/v1/incidents", params={"from": start, "to": end, "limit": 1000}).json()[
            "items"
        ]
    want = {i["id"]: i for i in items if i["location"] and i["time_from"] < end}
    drawn = {f["properties"]["id"]: f["properties"] for f in features(page, "incidents")}
    assert drawn.keys() == want.keys()
    for iid, props in drawn.items():
        assert props["state"] == want[iid]["state"]
        assert props["side"] == (want[iid]["responsible_side"] or "")
    wait_rendered(page, "incidents")
    colours = page.evaluate(
        "() => window.truceline.map.getPaintProperty('incidents', 'circle-color')"
    )
    assert colours[0] == "match" and colours[1] == ["get", "state"]


def test_a_configured_basemap_is_used(page: Any, sign_in: SignIn, live: Live) -> None:
    """With TRUCELINE_BASEMAP_URL set, tiles come from it (here a local stand-in)."""
    template = f"{live.url}/test-tiles/{{z}}/{{x}}/{{y}}.png"
    tiles: list[str] = []
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
    )
    page.route("**/config.json", lambda r: r.fulfill(json={"basemap_url": template}))
    page.route(
        "**/test-tiles/**",
        lambda r: (tiles.append(r.request.url), r.fulfill(body=png, content_type="image/png")),
    )
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    source = page.evaluate("() => window.truceline.map.getStyle().sources.basemap")
    assert source["type"] == "raster" and source["tiles"] == [template]
    page.wait_for_function("() => window.truceline.map.areTilesLoaded()")
    assert tiles and all(t.startswith(f"{live.url}/test-tiles/") for t in tiles)


def test_the_map_says_how_far_the_events_are_complete(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    """Live fusion releases an event once its pairs are settled, minutes after the blast,
    so the period's last minutes hold none yet. Where the events are complete to a time
    before the period's end (GET /api/v1/events says it), the map says so: not yet fused
    is not calm."""
    day_end = (parse_time(f"{live.day}T00:00:00Z") + timedelta(days=1)).isoformat()
    events = api_events(live, "analyst", f"{live.day}T00:00:00Z", day_end)
    complete = max(parse_time(e["properties"]["time"]) for e in events) - timedelta(hours=1)
    complete = complete.replace(microsecond=0)
    progress = tables.fusion_progress
    with live.fusion_front(complete):
        with live.api("analyst") as c:
            said = c.get("/api/v1/events", params={"limit": 1}).json()["complete_to"]
        assert parse_time(said) == complete
        sign_in("analyst", f"#/map?day={live.day}")
        wait_for_map(page)
        assert page.locator("#map").get_attribute("data-events-complete-to") == format_time(
            complete
        )
        stamp = complete.strftime("%Y-%m-%d %H:%M UTC")
        assert f"Events are complete to {stamp}" in page.locator("p.status").inner_text()
        # The worker moves the front on: the live stream says so, and the note follows it,
        # then goes once the events are complete past the period's end.
        page.wait_for_selector("#live[data-state=live]")
        later = complete + timedelta(minutes=30)
        with live.store.write() as conn:
            conn.execute(progress.update().values(complete_us=to_micros(later)))
        page.wait_for_selector(f"#map[data-events-complete-to='{format_time(later)}']")
        stamp = later.strftime("%Y-%m-%d %H:%M UTC")
        assert f"Events are complete to {stamp}" in page.locator("p.status").inner_text()
        with live.store.write() as conn:
            conn.execute(progress.update().values(complete_us=to_micros(parse_time(day_end))))
        page.wait_for_selector("#map:not([data-events-complete-to])")
        assert "Events are complete to" not in page.locator("p.status").inner_text()
