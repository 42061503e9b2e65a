"""The alert routes through the real app on both backends: reading under markings, CAP,
subscriptions and dead letters per principal."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.alerts.conftest import StoreAlert
from tests.conftest import TokenFor
from truceline.alerts.cap_check import problems
from truceline.services.alert_tables import alert_deliveries
from truceline.store.engine import Store


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_lists_only_what_the_caller_may_see(
    client: TestClient, token_for: TokenFor, alert_with: StoreAlert
) -> None:
    mission, public, parties = (
        alert_with(m) for m in (["MISSION"], ["PUBLIC"], ["PARTIES", "MISSION"])
    )
    admin = {a["id"] for a in client.get("/api/v1/alerts").json()["items"]}
    assert {mission, public, parties} <= admin
    anon = client.get("/api/v1/alerts", headers={"Authorization": ""}).json()["items"]
    assert {a["id"] for a in anon} == {public}
    ua = _as(token_for("party_liaison", nation="UKR", side="UA"))
    assert {a["id"] for a in client.get("/api/v1/alerts", headers=ua).json()["items"]} == {
        public,
        parties,
    }
    assert client.get(f"/api/v1/alerts/{mission}", headers=ua).status_code == 404
    assert client.get(f"/api/v1/alerts/{mission}.cap", headers=ua).status_code == 404


def test_paging_and_languages(client: TestClient, alert_with: StoreAlert) -> None:
    ids = [alert_with(["MISSION"]) for _ in range(3)]
    first = client.get("/api/v1/alerts?limit=2&lang=uk").json()
    assert len(first["items"]) == 2 and first["next"]
    assert first["items"][0]["headline"].startswith("Грубе порушення")
    rest = client.get(f"/api/v1/alerts?limit=2&cursor={first['next']}").json()
    assert {a["id"] for a in first["items"] + rest["items"]} == set(ids) and rest["next"] is None
    assert client.get("/api/v1/alerts?cursor=garbage").status_code == 400
    assert client.get("/api/v1/alerts?kind=escalation").json()["items"] == []


def test_cap_route(client: TestClient, alert_with: StoreAlert) -> None:
    a = alert_with(["PUBLIC"])
    r = client.get(f"/api/v1/alerts/{a}.cap?lang=en,uk,ru", headers={"Authorization": ""})
    assert r.status_code == 200 and r.headers["content-type"] == "application/cap+xml"
    assert problems(r.content) == []
    assert r.content.count(b"<info>") == 3 and b"<scope>Public</scope>" in r.content
    assert client.get(f"/api/v1/alerts/{a}.cap?lang=de").status_code == 400


def test_subscriptions_over_http(client: TestClient, token_for: TokenFor) -> None:
    analyst, other = _as(token_for("analyst")), _as(token_for("monitor", nation="FRA"))
    body = {"url": "https://hooks.example.org/a", "kinds": ["grave"], "format": "cap"}
    made = client.post("/api/v1/alerts/subscriptions", json=body, headers=analyst)
    assert made.status_code == 201 and made.json()["secret"]
    listed = client.get("/api/v1/alerts/subscriptions", headers=analyst).json()["items"]
    assert [s["id"] for s in listed] == [made.json()["id"]] and "secret" not in listed[0]
    assert client.get("/api/v1/alerts/subscriptions", headers=other).json()["items"] == []
    sid = made.json()["id"]
    assert client.delete(f"/api/v1/alerts/subscriptions/{sid}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/alerts/subscriptions/{sid}", headers=analyst).status_code == 200
    bad = client.post(
        "/api/v1/alerts/subscriptions", json={"url": "http://example.org/x"}, headers=analyst
    )
    assert bad.status_code == 400
    feed = _as(token_for("sensor_feed", nation="USA"))
    assert client.post("/api/v1/alerts/subscriptions", json=body, headers=feed).status_code == 403


def test_dead_letters_over_http(
    client: TestClient, token_for: TokenFor, alert_with: StoreAlert, store: Store
) -> None:
    from truceline.services import alert_delivery

    token = token_for("analyst")
    sub = client.post(
        "/api/v1/alerts/subscriptions", json={"url": "https://h.example.org/x"}, headers=_as(token)
    ).json()
    a = alert_with(["MISSION"])
    with store.write() as conn:
        alert_delivery.enqueue(conn, [a], now_us=0)
        conn.execute(update(alert_deliveries).values(state="dead", attempts=10))
    dead = client.get("/api/v1/alerts/dead-letters", headers=_as(token)).json()["items"]
    assert [(d["alert"], d["subscription"]) for d in dead] == [(a, sub["id"])]
    other = _as(token_for("analyst", nation="FRA"))
    assert client.get("/api/v1/alerts/dead-letters", headers=other).json()["items"] == []
    path = f"/api/v1/alerts/dead-letters/{dead[0]['id']}/retry"
    assert client.post(path, headers=other).status_code == 404
    assert client.post(path, headers=_as(token)).status_code == 200
    assert client.get("/api/v1/alerts/dead-letters", headers=_as(token)).json()["items"] == []
