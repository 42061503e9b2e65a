"""Screens of the map, the queue and an incident page, kept as test artifacts; with
TRUCELINE_UPDATE_SCREENSHOTS=1 they also replace the copies under docs/screenshots/."""

from __future__ import annotations

import os
import shutil
from typing import Any

from tests.web.conftest import ARTIFACTS, Live, SignIn, wait_for_map

DOCS = ARTIFACTS.parents[1] / "docs" / "screenshots"
MAX_BYTES = 300 * 1024


def keep(page: Any, name: str, *, height: int | None = None) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"screen-{name}.png"
    if height is not None:  # the page scrolls inside <main>: show more by a taller window
        page.set_viewport_size({"width": page.viewport_size["width"], "height": height})
        page.wait_for_timeout(300)
    page.screenshot(path=str(path))
    assert path.stat().st_size < MAX_BYTES, (name, path.stat().st_size)
    if os.environ.get("TRUCELINE_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")


def test_screens_of_map_queue_and_incident(page: Any, sign_in: SignIn, live: Live) -> None:
    with live.api("analyst") as c:
        items = c.get("/api/v1/incidents", params={"state": "received", "limit": 1000}).json()[
            "items"
        ]
    # the best-corroborated incident: confirmed first, then by the kinds of its sources
    shown = max(
        items,
        key=lambda i: (
            i["grade"] == "confirmed",
            len({s["kind"] for s in i["sources"]}),
            -len(i["sources"]),
        ),
    )
    sign_in("analyst", f"#/map?day={live.day}")
    wait_for_map(page)
    page.wait_for_function(
        "() => !window.truceline.map.isMoving() && window.truceline.map.areTilesLoaded()"
    )
    page.wait_for_timeout(500)
    keep(page, "map")
    page.evaluate("() => { location.hash = '#/queue' }")
    page.wait_for_selector("a.queue-link")
    keep(page, "queue")
    page.evaluate("h => { location.hash = h }", f"#/incident/{shown['id']}")
    page.wait_for_selector("#incident-title")
    page.wait_for_selector("section[aria-labelledby=src-h]")
    keep(page, "incident", height=1400)
