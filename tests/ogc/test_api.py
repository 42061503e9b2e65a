"""The OGC API in-process: access control, filters, paging, errors, OPTIONS and HEAD."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import AGREEMENT, FIXED_NOW_US
from tests.ogc.conftest import EVENT_POINTS, FAR_EVENTS, OBSERVATIONS
from truceline.ogc.params import EPSG4326
from truceline.services.principals import add_principal
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import parse_time, to_micros

PUBLIC_EVENTS = {f"ev-{i:03d}" for i in range(0, 12, 2)} | set(FAR_EVENTS)
ALL_EVENTS = {f"ev-{i:03d}" for i in range(12)} | set(FAR_EVENTS)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


def _walk(client: TestClient, url: str, headers: dict[str, str] | None = None) -> list[str]:
    """Every feature id, following next links to the end."""
    ids: list[str] = []
    next_url: str | None = url
    while next_url:
        body = client.get(next_url, headers=headers).json()
        ids += [f["id"] for f in body["features"]]
        next_url = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
    return ids


def test_the_public_sees_public_records_and_the_agreement(ogc: TestClient) -> None:
    assert _ids(ogc.get("/ogc/collections/events/items?limit=100")) == PUBLIC_EVENTS
    assert _ids(ogc.get("/ogc/collections/findings/items")) == {"f-1", "f-3"}
    assert _ids(ogc.get("/ogc/collections/sensors/items")) == {"AC-0001", "AC-0003"}
    located_public = {
        o["id"]
        for o in OBSERVATIONS
        if "location" in o and "PUBLIC" in o["markings"]["releasable_to"]
    }
    assert _ids(ogc.get("/ogc/collections/observations/items")) == located_public
    assert _ids(ogc.get("/ogc/collections/incidents/items")) == {"inc-1"}  # public, located
    contact = ogc.get("/ogc/collections/agreement-contact_line/items").json()
    assert contact["numberMatched"] == contact["numberReturned"] == 1


def test_an_analyst_sees_mission_records(ogc: TestClient, analyst_token: str) -> None:
    headers = _auth(analyst_token)
    got = _ids(ogc.get("/ogc/collections/events/items?limit=100", headers=headers))
    assert got == ALL_EVENTS
    assert ogc.get("/ogc/collections/events/items/ev-001", headers=headers).status_code == 200
    assert ogc.get("/ogc/collections/events/items/ev-001").status_code == 404  # hidden = absent
    incidents = ogc.get("/ogc/collections/incidents/items", headers=headers).json()["features"]
    assert {f["id"] for f in incidents} == {"inc-1", "inc-2"}
    assert incidents[0]["properties"]["state"] == "triaged"


def test_a_sensor_feed_reads_no_records_but_the_agreement(
    ogc: TestClient, ogc_store: Store
) -> None:
    token = add_principal(
        ogc_store,
        name="ogc-feed",
        nation="USA",
        roles=["sensor_feed"],
        side=None,
        expires_us=None,
        now_us=FIXED_NOW_US,
        actor="test",
    ).token
    assert _ids(ogc.get("/ogc/collections/events/items", headers=_auth(token))) == set()
    assert _ids(ogc.get("/ogc/collections/agreement-sector/items", headers=_auth(token)))


def test_collections_list_one_layer_per_agreement_role(ogc: TestClient) -> None:
    body = ogc.get("/ogc/collections").json()
    roles = {f["properties"]["role"] for f in AGREEMENT["features"]}
    ids = [c["id"] for c in body["collections"]]
    kinds = {"events", "provisional-events", "findings", "observations", "sensors", "incidents"}
    assert set(ids) == kinds | {f"agreement-{r}" for r in roles}
    for c in body["collections"]:
        assert c["itemType"] == "feature" and c["crs"][0].endswith("CRS84")
        assert c == ogc.get(f"/ogc/collections/{c['id']}").json()


def test_provisional_events_are_a_collection_of_their_own(
    ogc: TestClient, analyst_token: str
) -> None:
    """Live fusion's events located and not released yet, apart from the released ones
    and marked as they are."""
    url = "/ogc/collections/provisional-events/items"
    public = ogc.get(url).json()["features"]
    assert [f["id"] for f in public] == ["pv-public"]
    seen = ogc.get(url, headers=_auth(analyst_token)).json()["features"]
    assert sorted(f["id"] for f in seen) == ["pv-mission", "pv-public"]
    assert all(f["properties"]["provisional"] is True for f in seen)
    released = ogc.get("/ogc/collections/events/items", params={"limit": 1000}).json()
    assert not {f["id"] for f in released["features"]} & {"pv-public", "pv-mission"}


def test_extents_cover_only_what_the_caller_may_see(ogc: TestClient, analyst_token: str) -> None:
    near = [p for i, p in enumerate(EVENT_POINTS) if i % 2 == 0]
    lats = [lat for lat, _ in near] + [lat for lat, _ in FAR_EVENTS.values()]
    lons = [lon for _, lon in near] + [lon for _, lon in FAR_EVENTS.values()]
    public = ogc.get("/ogc/collections/events").json()["extent"]
    assert public["spatial"]["bbox"][0] == [min(lons), min(lats), max(lons), max(lats)]
    assert public["temporal"]["interval"][0] == ["2026-03-02T04:00:00Z", "2026-03-02T06:00:00Z"]
    analyst = ogc.get("/ogc/collections/events", headers=_auth(analyst_token)).json()["extent"]
    assert analyst["spatial"]["bbox"][0][3] == max(max(lats), max(la for la, _ in EVENT_POINTS))
    sensors = ogc.get("/ogc/collections/sensors").json()["extent"]["temporal"]["interval"][0]
    assert sensors == ["2026-01-01T00:00:00Z", None]  # still active: open end


def test_bbox_and_datetime_filter(ogc: TestClient, analyst_token: str) -> None:
    headers = _auth(analyst_token)
    box = (37.6, 48.05, 37.9, 48.3)
    want = {
        f"ev-{i:03d}"
        for i, (lat, lon) in enumerate(EVENT_POINTS)
        if box[0] <= lon <= box[2] and box[1] <= lat <= box[3]
    }
    url = "/ogc/collections/events/items?limit=100&bbox=" + ",".join(map(str, box))
    assert _ids(ogc.get(url, headers=headers)) == want and want
    url = (
        "/ogc/collections/events/items?limit=100&datetime=2026-03-02T04:10:00Z/2026-03-02T04:30:00Z"
    )
    assert _ids(ogc.get(url, headers=headers)) == {"ev-001", "ev-002", "ev-003"}
    url = "/ogc/collections/events/items?limit=100&datetime=../2026-03-02T04:10:00Z"
    assert _ids(ogc.get(url, headers=headers)) == {"ev-000", "ev-001"}
    url = "/ogc/collections/events/items?limit=100&datetime=2026-03-02T05:50:00Z/.."
    assert _ids(ogc.get(url, headers=headers)) == {"ev-011"} | set(FAR_EVENTS)
    url = "/ogc/collections/events/items?limit=100&datetime=2026-03-02T04:20:00Z"
    assert _ids(ogc.get(url, headers=headers)) == {"ev-002"}


def test_a_box_across_the_antimeridian(ogc: TestClient) -> None:
    assert _ids(ogc.get("/ogc/collections/events/items?bbox=179,0,-179,20")) == set(FAR_EVENTS)
    assert _ids(ogc.get("/ogc/collections/events/items?bbox=179.95,0,-179.95,20")) == set()
    # an agreement layer is filtered by true intersection, on both sides of the line too
    assert _ids(ogc.get("/ogc/collections/agreement-sector/items?bbox=179,0,-179,20")) == set()
    assert _ids(ogc.get("/ogc/collections/agreement-sector/items?bbox=37.5,48.3,37.6,48.4"))


def test_agreement_layers_filter_by_geometry_not_envelope(ogc: TestClient) -> None:
    # a box inside control area A's bounding box but wholly on side B's side of the line
    url = "/ogc/collections/agreement-control_area/items?bbox=37.7,48.5,37.75,48.55"
    sides = {f["properties"]["side"] for f in ogc.get(url).json()["features"]}
    assert sides == {"B"}


def test_paging_forward_and_back_visits_every_feature_once(
    ogc: TestClient, analyst_token: str
) -> None:
    headers = _auth(analyst_token)
    forward = _walk(ogc, "/ogc/collections/events/items?limit=4", headers)
    assert sorted(forward) == sorted(ALL_EVENTS) and len(forward) == len(set(forward))
    # from the last page, prev links lead back through the same pages
    url: str | None = "/ogc/collections/events/items?limit=4"
    pages = []
    while url:
        body = ogc.get(url, headers=headers).json()
        pages.append([f["id"] for f in body["features"]])
        last = body
        url = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
    back: list[list[str]] = []
    url = next((x["href"] for x in last["links"] if x["rel"] == "prev"), None)
    while url:
        body = ogc.get(url, headers=headers).json()
        back.insert(0, [f["id"] for f in body["features"]])
        url = next((x["href"] for x in body["links"] if x["rel"] == "prev"), None)
    assert back == pages[:-1]
    first = ogc.get("/ogc/collections/events/items?limit=4", headers=headers).json()
    assert first["numberReturned"] == 4 and "timeStamp" in first
    assert not any(x["rel"] == "prev" for x in first["links"])


def test_paging_keeps_the_filters(ogc: TestClient) -> None:
    ids = _walk(ogc, "/ogc/collections/events/items?limit=1&bbox=179,0,-179,20")
    assert sorted(ids) == sorted(FAR_EVENTS)


def test_epsg4326_output_and_bbox(ogc: TestClient) -> None:
    r = ogc.get(f"/ogc/collections/events/items/ev-000?crs={EPSG4326}")
    assert r.headers["content-crs"] == f"<{EPSG4326}>"
    lat, lon = EVENT_POINTS[0]
    assert r.json()["geometry"]["coordinates"] == [lat, lon]
    crs84 = _ids(ogc.get("/ogc/collections/events/items?bbox=37.4,47.9,37.7,48.2"))
    swapped = _ids(
        ogc.get(f"/ogc/collections/events/items?bbox=47.9,37.4,48.2,37.7&bbox-crs={EPSG4326}")
    )
    assert crs84 == swapped and crs84


def test_sensor_status_at_the_instant_asked(ogc: TestClient) -> None:
    def status(when: str) -> str:
        body = ogc.get(f"/ogc/collections/sensors/items?datetime={when}").json()
        return next(f["properties"]["status"] for f in body["features"] if f["id"] == "AC-0003")

    assert status("2026-03-02T12:00:00Z") == "degraded"
    assert status("2026-03-04T12:00:00Z") == "operational"


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=0,10,1,5",
        "bbox=0,0,200,1",
        "datetime=tomorrow",
        "datetime=2026-03-02T05:00:00Z/2026-03-02T04:00:00Z",
        "limit=0",
        "limit=unlimited",
        "ooga=booga",
        "limit=1&limit=2",
        "f=html",
        "crs=EPSG:3857",
        "cursor=garbage",
        "bbox-crs=" + EPSG4326,
    ],
)
def test_bad_parameters_are_400_problems(ogc: TestClient, query: str) -> None:
    r = ogc.get(f"/ogc/collections/events/items?{query}")
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["access-control-allow-origin"] == "*"


def test_unknown_parameters_are_refused_everywhere(ogc: TestClient) -> None:
    for path in (
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/events",
        "/ogc/collections/events/items/ev-000",
        "/ogc/api",
    ):
        assert ogc.get(f"{path}?nope=1").status_code == 400, path


def test_a_limit_above_the_maximum_is_served_at_the_maximum(ogc: TestClient) -> None:
    assert _ids(ogc.get("/ogc/collections/events/items?limit=50000")) == PUBLIC_EVENTS


def test_unknown_collection_and_feature_are_404(ogc: TestClient) -> None:
    for path in (
        "/ogc/collections/nope",
        "/ogc/collections/nope/items",
        "/ogc/collections/events/items/nope",
        "/ogc/collections/agreement-sector/items/x",
    ):
        r = ogc.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


PATHS = [
    "/ogc",
    "/ogc/",
    "/ogc/api",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/events",
    "/ogc/collections/events/items",
    "/ogc/collections/events/items/ev-000",
]


@pytest.mark.parametrize("path", PATHS)
def test_options_and_head_on_every_path(ogc: TestClient, path: str) -> None:
    r = ogc.options(
        path,
        headers={
            "Origin": "https://gis.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert r.status_code == 204
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert r.headers["access-control-allow-origin"] == "*"
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    get, head = ogc.get(path), ogc.head(path)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_media_types(ogc: TestClient) -> None:
    assert ogc.get("/ogc/collections").headers["content-type"] == "application/json"
    assert ogc.get("/ogc/collections/events/items?f=json").headers["content-type"] == (
        "application/geo+json"
    )
    assert ogc.get("/ogc/api").json()["openapi"] == "3.0.3"
    links = {x["rel"]: x for x in ogc.get("/ogc").json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= links.keys()
    assert links["service-desc"]["href"].startswith("http")  # absolute


def test_reads_of_restricted_records_are_audited(
    ogc: TestClient, analyst_token: str, ogc_store: Store
) -> None:
    ogc.get("/ogc/collections/events/items/ev-003", headers=_auth(analyst_token))
    with ogc_store.read() as conn:
        rows = conn.execute(
            select(tables.audit_log.c.target, tables.audit_log.c.detail).where(
                tables.audit_log.c.principal == "ogc-analyst"
            )
        ).all()
    assert any(r.target == "events" and "ev-003" in r.detail for r in rows)


def test_the_events_say_how_far_they_are_complete(ogc: TestClient, ogc_store: Store) -> None:
    """Live fusion releases an event minutes after its blast; the events' pages say until
    when every event is stored (``completeTo``, as ``GET /api/v1/events`` gives
    ``complete_to``), the other collections' do not, and before any release none does."""
    assert "completeTo" not in ogc.get("/ogc/collections/events/items").json()
    complete = "2026-03-02T05:10:00Z"
    at = to_micros(parse_time(complete))
    progress = tables.fusion_progress
    with ogc_store.write() as conn:
        conn.execute(progress.insert().values(id=1, watermark_us=at, complete_us=at))
    try:
        assert ogc.get("/ogc/collections/events/items").json()["completeTo"] == complete
        assert "completeTo" not in ogc.get("/ogc/collections/findings/items").json()
    finally:
        with ogc_store.write() as conn:
            conn.execute(progress.delete())
