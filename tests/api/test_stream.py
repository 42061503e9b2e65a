"""The live feed: new records arrive as server-sent events, filtered by access control."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.api.conftest import TokenFor
from tests.conftest import FIXED_NOW_US
from truceline.access.policy import PUBLIC, Principal
from truceline.api.routes.stream import changes_since
from truceline.formats.records import Markings
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.engine import Store


def _finding(store: Store, fid: str, tokens: list[str], created_us: int) -> None:
    mk = Markings(releasable_to=tokens)
    record = {
        "id": fid,
        "rule": "fire",
        "subjects": [],
        "time": "2026-03-02T01:00:00Z",
        "location": {"lat": 48.1, "lon": 37.8},
        "responsible_side": "RU",
        "affected_side": "UA",
        "grave": False,
        "agreement": {"id": "a", "version": 1},
        "instrument": None,
        "basis": "test",
        "facts": {},
    }
    with store.write() as conn:
        conn.execute(
            tables.findings.insert().values(
                id=fid,
                rule="fire",
                time_us=FIXED_NOW_US,
                lat=48.1,
                lon=37.8,
                responsible_side="RU",
                affected_side="UA",
                grave=0,
                agreement_id="a",
                agreement_version=1,
                record=orjson.dumps(record).decode(),
                originator="MISSION",
                markings=markings_json(mk),
                audience=audience(mk),
                created_us=created_us,
            )
        )


def test_changes_since_filters_and_advances(store: Store) -> None:
    _finding(store, "fd-public", ["PUBLIC"], 10)
    _finding(store, "fd-mission", ["MISSION"], 20)
    items, cursor = changes_since(store, PUBLIC, 0)
    assert [p["id"] for _, p in items] == ["fd-public"]
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    items, cursor = changes_since(store, analyst, 0)
    assert [p["id"] for _, p in items] == ["fd-public", "fd-mission"] and cursor == 20
    assert changes_since(store, analyst, cursor)[0] == []


def test_stream_over_http_with_token_param(
    client: TestClient, store: Store, token_for: TokenFor
) -> None:
    _finding(store, "fd-live", ["MISSION"], 5)
    token = token_for("analyst", nation="GBR")
    with client.stream(
        "GET",
        f"/api/v1/stream?token={token}&since=0&max_seconds=1.5",
        headers={"Authorization": ""},
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        body = b"".join(r.iter_bytes()).decode()
    assert "event: finding" in body and "fd-live" in body
    with client.stream(
        "GET", "/api/v1/stream?since=0&max_seconds=1.5", headers={"Authorization": ""}
    ) as r:
        assert "fd-live" not in b"".join(r.iter_bytes()).decode()
