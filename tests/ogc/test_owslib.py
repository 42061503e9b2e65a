"""OWSLib, a real OGC API client, against the app served by uvicorn on a loopback port."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ogc.conftest import EVENT_POINTS, FAR_EVENTS

features_mod = pytest.importorskip(
    "owslib.ogcapi.features", reason="OWSLib is not installed (pip install OWSLib)"
)
Features = features_mod.Features


@pytest.fixture(scope="module")
def api(live_url: str) -> Any:
    # OWSLib joins relative paths onto the URL, so it takes the landing page with its slash
    return Features(f"{live_url}/ogc/")


def _ids(result: dict[str, Any]) -> set[str]:
    return {f["id"] for f in result["features"]}


def test_landing_conformance_and_api(api: Any) -> None:
    rels = {link["rel"] for link in api.links}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (api.conformance()["conformsTo"])
    )
    assert api.api()["openapi"] == "3.0.3"


def test_collections(api: Any) -> None:
    ids = api.feature_collections()
    assert {
        "events",
        "findings",
        "observations",
        "sensors",
        "agreement-contact_line",
        "agreement-sector",
    } <= set(ids)
    events = api.collection("events")
    assert events["extent"]["spatial"]["bbox"] and events["itemType"] == "feature"


def test_items_with_limit_bbox_and_datetime(api: Any) -> None:
    page = api.collection_items("events", limit=2)
    assert page["numberReturned"] == len(page["features"]) == 2
    assert any(link["rel"] == "next" for link in page["links"])
    box = [37.6, 48.05, 37.9, 48.3]
    want = {
        f"ev-{i:03d}"
        for i, (lat, lon) in enumerate(EVENT_POINTS)
        if i % 2 == 0 and box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    }
    assert _ids(api.collection_items("events", bbox=box, limit=100)) == want and want
    during = api.collection_items("events", datetime_="2026-03-02T04:00:00Z/2026-03-02T04:25:00Z")
    assert _ids(during) == {"ev-000", "ev-002"}
    across = api.collection_items("events", bbox=[179, 0, -179, 20])
    assert _ids(across) == set(FAR_EVENTS)


def test_paging_with_the_next_cursor(api: Any) -> None:
    seen: list[str] = []
    page = api.collection_items("events", limit=3)
    while True:
        seen += [f["id"] for f in page["features"]]
        nxt = next((x["href"] for x in page["links"] if x["rel"] == "next"), None)
        if nxt is None:
            break
        cursor = nxt.split("cursor=", 1)[1]
        page = api.collection_items("events", limit=3, cursor=cursor)
    everything = api.collection_items("events", limit=1000)
    assert seen == [f["id"] for f in everything["features"]]


def test_one_item_and_an_authenticated_client(live_url: str, api: Any, analyst_token: str) -> None:
    assert api.collection_item("events", "ev-000")["id"] == "ev-000"
    with pytest.raises(RuntimeError):  # hidden from the public: 404
        api.collection_item("events", "ev-001")
    analyst = Features(f"{live_url}/ogc/", headers={"Authorization": f"Bearer {analyst_token}"})
    assert analyst.collection_item("events", "ev-001")["id"] == "ev-001"
