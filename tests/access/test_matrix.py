"""The authorisation matrix: every route of the live OpenAPI x every role, and every kind
of marking x every role on every read path. A new route that the matrix does not list makes
this suite fail, so nobody can add an endpoint without deciding who may use it."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXED_NOW_US, SENSORS_CSV, PrincipalFor, TokenFor, bearer
from truceline.access.policy import PERMISSIONS, PUBLIC, ROLES, Principal, can_see
from truceline.formats.records import Markings
from truceline.fusion.event import Event
from truceline.services.events import store_events, store_provisional
from truceline.services.principals import add_principal, revoke_principal
from truceline.store.engine import Store
from truceline.timefmt import parse_time

# (method, path) -> the permission it needs ("public" = anyone, including the anonymous).
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): "public",
    ("GET", "/api/v1/agreements"): "public",
    ("POST", "/api/v1/agreements"): "admin:agreements",
    ("GET", "/api/v1/agreements/{agreement_id}"): "public",
    ("GET", "/api/v1/agreements/{agreement_id}/where"): "public",
    ("GET", "/api/v1/sensors"): "read",
    ("POST", "/api/v1/sensors"): "admin:sensors",
    ("GET", "/api/v1/sensors/{sensor_id}"): "read",
    ("GET", "/api/v1/sensors/{sensor_id}/status"): "read",
    ("POST", "/api/v1/sensors/{sensor_id}/status"): "sensors:status",
    ("GET", "/api/v1/detections"): "read",
    ("POST", "/api/v1/detections"): "ingest:sensor_data",
    ("GET", "/api/v1/detections/{record_id}"): "read",
    ("GET", "/api/v1/observations"): "read",
    ("POST", "/api/v1/observations"): "ingest:observations",
    ("GET", "/api/v1/observations/{record_id}"): "read",
    ("GET", "/api/v1/tracks"): "read",
    ("POST", "/api/v1/tracks"): "ingest:sensor_data",
    ("GET", "/api/v1/tracks/{record_id}"): "read",
    ("GET", "/api/v1/weather"): "read",
    ("POST", "/api/v1/weather"): "ingest:sensor_data",
    ("POST", "/api/v1/principals"): "admin:principals",
    ("GET", "/api/v1/principals"): "admin:principals",
    ("DELETE", "/api/v1/principals/{name}"): "admin:principals",
    ("GET", "/api/v1/audit"): "audit:read",
    ("GET", "/api/v1/whoami"): "read",
    ("GET", "/api/v1/events"): "read",
    ("GET", "/api/v1/events/{record_id}"): "read",
    ("GET", "/api/v1/provisional-events"): "read",
    ("GET", "/api/v1/provisional-events/{record_id}"): "read",
    ("GET", "/api/v1/findings"): "read",
    ("GET", "/api/v1/findings/{record_id}"): "read",
    ("GET", "/api/v1/incidents"): "read",
    ("GET", "/api/v1/incidents/{incident_id}"): "read",
    ("POST", "/api/v1/incidents/{incident_id}/actions/{action}"): "incidents:act",
    ("GET", "/api/v1/stats/violations"): "read",
    ("GET", "/api/v1/incidents-overdue"): "read",
    ("GET", "/api/v1/stream"): "read",
    ("GET", "/.well-known/truceline-ledger-key"): "public",
    ("POST", "/api/v1/ledger/checkpoint"): "admin:principals",
    ("GET", "/api/v1/ledger/checkpoint"): "read",
    ("GET", "/api/v1/ledger/key"): "read",
    ("GET", "/api/v1/ledger/keys"): "read",
    ("GET", "/api/v1/ledger/leaves"): "read",
    ("GET", "/api/v1/ledger/inclusion"): "read",
    ("GET", "/api/v1/ledger/consistency"): "read",
    ("GET", "/api/v1/ledger/cosignatures"): "read",
    ("POST", "/api/v1/ledger/cosignatures"): "read",
    ("GET", "/api/v1/ledger/opening/{kind}/{record_id}"): "read",
    ("POST", "/api/v1/releases"): "release:sanitise",
    ("GET", "/api/v1/releases"): "read",
    ("GET", "/api/v1/releases/{release_id}"): "read",
    # reports: built from what the caller may see; the public report as the public sees it
    ("GET", "/api/v1/reports/days"): "read",
    ("GET", "/api/v1/reports/daily"): "read",
    ("GET", "/api/v1/reports/public/daily"): "public",
    ("GET", "/api/v1/reports/spot/{incident_id}"): "read",
    ("POST", "/api/v1/reports/daily/publish"): "reports:publish",
    ("POST", "/api/v1/reports/spot/{incident_id}/publish"): "reports:publish",
    ("GET", "/api/v1/reports/published"): "public",
    ("GET", "/api/v1/reports/published/{report_id}"): "public",
    ("POST", "/api/v1/incidents/{incident_id}/evidence"): "evidence:upload",
    ("GET", "/api/v1/incidents/{incident_id}/evidence"): "evidence:read",
    ("GET", "/api/v1/evidence/{sha256}"): "evidence:read",
    ("GET", "/api/v1/evidence/{sha256}/content"): "evidence:read",
    ("POST", "/api/v1/evidence/{sha256}/working-copy"): "evidence:work",
    ("GET", "/api/v1/evidence/{sha256}/working-copy"): "evidence:read",
    # exports stream what the caller may read; OGC API - Features is open to every caller
    # and filters each collection by the caller's markings (the agreement layers are public)
    ("GET", "/api/v1/exports/{kind}.geojson"): "read",
    ("GET", "/api/v1/exports/{kind}.csv"): "read",
    # alerts: read under the caller's markings; webhooks and dead letters are the caller's own
    ("GET", "/api/v1/alerts"): "read",
    ("GET", "/api/v1/alerts/{record_id}"): "read",
    ("GET", "/api/v1/alerts/{record_id}.cap"): "read",
    ("POST", "/api/v1/alerts/subscriptions"): "alerts:subscribe",
    ("GET", "/api/v1/alerts/subscriptions"): "alerts:subscribe",
    ("DELETE", "/api/v1/alerts/subscriptions/{record_id}"): "alerts:subscribe",
    ("GET", "/api/v1/alerts/dead-letters"): "alerts:subscribe",
    ("POST", "/api/v1/alerts/dead-letters/{record_id}/retry"): "alerts:subscribe",
    ("GET", "/ogc"): "public",
    ("GET", "/ogc/api"): "public",
    ("GET", "/ogc/conformance"): "public",
    ("GET", "/ogc/collections"): "public",
    ("GET", "/ogc/collections/{collectionId}"): "public",
    ("GET", "/ogc/collections/{collectionId}/items"): "public",
    ("GET", "/ogc/collections/{collectionId}/items/{featureId}"): "public",
    ("GET", "/"): "public",  # the web workspace: the page holds no data
    ("GET", "/assets/{name}"): "public",
    ("GET", "/config.json"): "public",
}
QUERY = {"/api/v1/stream": "?max_seconds=0.2"}  # an open stream would never end
PATH_VALUES = {
    "collectionId": "events",
    "featureId": "x",
    "agreement_id": "example-2026",
    "sensor_id": "AC-0001",
    "record_id": "x",
    "incident_id": "inc-x",
    "release_id": "rel-x",
    "action": "triage",
    "sha256": "0" * 64,
    "name": "nobody",
    "kind": "detections",
    "report_id": "0" * 64,
}


def _live_routes(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json()
    return {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}


def test_every_route_is_in_the_matrix(client: TestClient) -> None:
    live = _live_routes(client)
    missing = sorted(live - ROUTES.keys())
    assert not missing, f"routes with no access decision in the matrix: {missing}"
    stale = sorted(ROUTES.keys() - live)
    assert not stale, f"matrix lists routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(anon: TestClient, token_for: TokenFor, role: str) -> None:
    """Each role reaches exactly the routes its permissions allow (401/403 elsewhere)."""
    side = "UA" if role == "party_liaison" else None
    headers = {} if role == "public" else bearer(token_for(role, nation="GBR", side=side))
    for (method, path), permission in sorted(ROUTES.items()):
        if (method, path) not in _live_routes(anon):
            continue
        url = path.format(**PATH_VALUES) + QUERY.get(path, "")
        response = anon.request(method, url, headers=headers, content=b"[]")
        allowed = permission == "public" or role in PERMISSIONS[permission]
        if allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            expected = 401 if role == "public" else 403
            assert response.status_code == expected, (role, method, path, response.text)


# --- data visibility: every kind of marking x every kind of principal ----------------------

MARKING_VARIANTS: list[dict[str, Any] | None] = [
    None,  # the default: owner + MISSION for sensor data, MISSION for observations
    {"releasable_to": ["PUBLIC"], "tlp": "CLEAR"},
    {"releasable_to": ["COALITION"]},
    {"releasable_to": ["USA"], "originator_controlled": True, "tlp": "AMBER+STRICT"},
    {"releasable_to": ["GBR", "MISSION"]},
    {"releasable_to": ["PARTIES", "MISSION"]},
    {"releasable_to": ["UA"]},
    {"releasable_to": ["RU", "MISSION"]},
]
VIEWERS: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "analyst_gbr": (("analyst",), "GBR", None),
    "observer_fra": (("observer",), "FRA", None),
    "observer_usa": (("observer",), "USA", None),
    "liaison_ua": (("party_liaison",), "UKR", "UA"),
    "liaison_ru": (("party_liaison",), "RUS", "RU"),
    "feed_usa": (("sensor_feed",), "USA", None),
    "public": ((), "PUBLIC", None),
}


def _seed(client: TestClient) -> dict[str, tuple[Markings, str]]:
    """Detections and observations with every marking; returns id -> (markings, originator)."""
    client.post("/api/v1/sensors", content=SENSORS_CSV, headers={"content-type": "text/csv"})
    detections, observations, expected = [], [], {}
    for i, mk in enumerate(MARKING_VARIANTS):
        det: dict[str, Any] = {
            "id": f"det-{i}",
            "sensor": "AC-0001",
            "time": f"2026-03-02T01:00:0{i}Z",
        }
        obs: dict[str, Any] = {
            "id": f"obs-{i}",
            "type": "allegation" if i % 2 else "monitor_report",
            "originator": ("UA" if i % 4 == 1 else "RU") if i % 2 else "MISSION",
            "time_from": "2026-03-02T01:00:00Z",
            "time_to": "2026-03-02T01:00:00Z",
            "location": {"lat": 48.3, "lon": 37.9},
            "category": "explosion",
        }
        if i % 2:
            obs["accused_side"] = "RU" if obs["originator"] == "UA" else "UA"
        if mk is not None:
            det["markings"], obs["markings"] = mk, mk
        detections.append(det)
        observations.append(obs)
        det_m = Markings(**mk) if mk else Markings(releasable_to=["MISSION", "USA"])
        expected[det["id"]] = (det_m, "USA")
        expected[obs["id"]] = (Markings(**mk) if mk else Markings(), obs["originator"])
    assert client.post("/api/v1/detections", content=orjson.dumps(detections)).status_code == 201
    assert (
        client.post("/api/v1/observations", content=orjson.dumps(observations)).status_code == 201
    )
    return expected


def test_visibility_matrix(client: TestClient, token_for: TokenFor) -> None:
    """Lists and single reads return exactly what the policy releases, nothing else."""
    expected = _seed(client)
    for name, (roles, nation, side) in VIEWERS.items():
        principal = (
            Principal(name, nation, frozenset(roles or ("public",)), side) if roles else PUBLIC
        )
        headers = (
            bearer(token_for(*roles, nation=nation, side=side))
            if roles
            else {"Authorization": ""}  # the client's own admin header is replaced
        )
        for kind in ("detections", "observations"):
            r = client.get(f"/api/v1/{kind}?limit=100", headers=headers)
            if "sensor_feed" in roles:
                assert r.status_code == 403
                continue
            got = {item["id"] for item in r.json()["items"]}
            want = {
                rid
                for rid, (mk, orig) in expected.items()
                if rid.startswith(kind[:3]) and can_see(principal, mk, orig)
            }
            assert got == want, (name, kind, got ^ want)
            for rid in (r for r in expected if r.startswith(kind[:3])):
                single = client.get(f"/api/v1/{kind}/{rid}", headers=headers)
                assert single.status_code == (200 if rid in want else 404), (name, rid)


def test_party_files_only_its_own_allegations(client: TestClient, token_for: TokenFor) -> None:
    ua = bearer(token_for("party_liaison", nation="UKR", side="UA"))
    base = {
        "type": "allegation",
        "time_from": "2026-03-02T02:10:00Z",
        "time_to": "2026-03-02T02:10:00Z",
        "place": "Vasylivka",
        "category": "explosion",
    }
    own = {**base, "id": "al-1", "originator": "UA", "accused_side": "RU"}
    forged = {**base, "id": "al-2", "originator": "RU", "accused_side": "UA"}
    assert (
        client.post("/api/v1/observations", content=orjson.dumps([own]), headers=ua).status_code
        == 201
    )
    r = client.post("/api/v1/observations", content=orjson.dumps([forged]), headers=ua)
    assert r.status_code == 403 and "nothing was written" in r.json()["detail"]
    report = {**base, "id": "mr-9", "type": "monitor_report", "originator": "MISSION"}
    assert (
        client.post("/api/v1/observations", content=orjson.dumps([report]), headers=ua).status_code
        == 403
    )
    # it sees its own filing (MISSION-only markings by default) but not the other side's
    ru = bearer(token_for("party_liaison", nation="RUS", side="RU"))
    assert client.get("/api/v1/observations/al-1", headers=ua).status_code == 200
    assert client.get("/api/v1/observations/al-1", headers=ru).status_code == 404


def test_sensor_feed_writes_only_its_own_sensors(client: TestClient, token_for: TokenFor) -> None:
    client.post("/api/v1/sensors", content=SENSORS_CSV, headers={"content-type": "text/csv"})
    feed = bearer(token_for("sensor_feed", nation="USA"))
    own = {"id": "f-1", "sensor": "AC-0001", "time": "2026-03-02T01:00:00Z"}  # USA's sensor
    other = {"id": "f-2", "sensor": "AA-0002", "time": "2026-03-02T01:00:00Z"}  # GBR's
    assert (
        client.post("/api/v1/detections", content=orjson.dumps([own]), headers=feed).status_code
        == 201
    )
    assert (
        client.post("/api/v1/detections", content=orjson.dumps([other]), headers=feed).status_code
        == 403
    )
    assert client.get("/api/v1/detections", headers=feed).status_code == 403


def test_tokens_refused_without_leaking(
    client: TestClient, new_principal: PrincipalFor, store: Any
) -> None:
    expired = add_principal(
        store,
        name="old",
        nation="GBR",
        roles=["analyst"],
        side=None,
        expires_us=1,
        now_us=0,
        actor="t",
    ).token
    revoked = new_principal("analyst")
    revoke_principal(store, revoked.principal.name, now_us=FIXED_NOW_US + 1, actor="t")
    for token in (expired, revoked.token, "tl_forged", "garbage", "a.b.c"):
        r = client.get("/api/v1/whoami", headers=bearer(token))
        assert r.status_code == 401, token
        assert r.json()["detail"] == "invalid token"
    r = client.get("/api/v1/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401


def test_failed_attempts_are_rate_limited(anon: TestClient) -> None:
    codes = [
        anon.get("/api/v1/whoami", headers={"Authorization": "Bearer tl_wrong"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_pages_never_count_hidden_records(client: TestClient) -> None:
    """Paging as the public walks exactly the public records: no gaps betray hidden ones."""
    expected = _seed(client)
    public_ids = sorted(
        r for r, (mk, _) in expected.items() if r.startswith("obs") and "PUBLIC" in mk.releasable_to
    )
    page = client.get("/api/v1/observations?limit=1", headers={"Authorization": ""}).json()
    assert [i["id"] for i in page["items"]] == public_ids[:1]
    assert page["next"] is None  # one public observation: no further page is promised


def test_a_provisional_event_is_seen_by_whom_its_released_event_is(
    client: TestClient, token_for: TokenFor, store: Store
) -> None:
    """Provisional events carry the markings their released form will (derived from their
    detections'), and the list and single reads apply them as the events' do: each of
    the seeded detections a blast of its own, stored provisional and (under other ids)
    released, is seen by the same viewers in both forms."""
    expected = _seed(client)
    dets = sorted(r for r in expected if r.startswith("det"))

    def blast(i: int, det: str, prefix: str) -> Event:
        at = parse_time(f"2026-03-02T01:00:0{i}Z")
        return Event(f"{prefix}-{i}", at, 48.3, 37.9, 0.0, "impact", "artillery", (det,), 1,
                     100.0, 50.0, 0.0, "UA", None, 1.0)  # fmt: skip

    with store.write() as conn:
        store_provisional(conn, [blast(i, d, "pr") for i, d in enumerate(dets)],
                          side_codes=("UA", "RU"), now_us=FIXED_NOW_US)  # fmt: skip
        store_events(conn, [blast(i, d, "ev") for i, d in enumerate(dets)],
                     side_codes=("UA", "RU"), now_us=FIXED_NOW_US)  # fmt: skip
    sizes = set()
    for name, (roles, nation, side) in VIEWERS.items():
        if "sensor_feed" in roles:
            continue
        headers = (bearer(token_for(*roles, nation=nation, side=side)) if roles
                   else {"Authorization": ""})  # fmt: skip
        seen = {}
        for kind in ("events", "provisional-events"):
            items = client.get(f"/api/v1/{kind}?limit=100", headers=headers).json()["items"]
            seen[kind] = {f["properties"]["id"].split("-")[1] for f in items}
            for i in range(len(dets)):
                one = client.get(f"/api/v1/{kind}/{kind[:2]}-{i}", headers=headers)
                assert one.status_code == (200 if str(i) in seen[kind] else 404), (name, kind, i)
        assert seen["events"] == seen["provisional-events"], name
        sizes.add(len(seen["events"]))
    assert len(sizes) > 2, "the viewers see different events"
