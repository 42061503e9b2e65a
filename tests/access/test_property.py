"""Property: random records with random markings, random principals; no response on any
read route carries a record (or a count) the principal may not see."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXED_NOW_US, SENSORS_CSV, bearer
from truceline.access.policy import Principal, can_see
from truceline.api import create_app
from truceline.formats.records import Markings
from truceline.services.principals import add_principal
from truceline.settings import Settings
from truceline.store.engine import Store

TOKENS = ["MISSION", "COALITION", "PARTIES", "PUBLIC", "USA", "GBR", "FRA", "UA", "RU"]
PRINCIPALS = [
    (("analyst",), "GBR", None),
    (("observer",), "FRA", None),
    (("observer",), "USA", None),
    (("party_liaison",), "UKR", "UA"),
    (("party_liaison",), "RUS", "RU"),
    (("commissioner",), "POL", None),
    ((), "PUBLIC", None),
]


def _token(store: Store, name: str, roles: tuple[str, ...], nation: str, side: str | None) -> str:
    return add_principal(
        store,
        name=name,
        nation=nation,
        roles=list(roles),
        side=side,
        expires_us=None,
        now_us=FIXED_NOW_US,
        actor="t",
    ).token


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[int, str]]]:
    """One app and store for every example (as the admin), and each principal's token."""
    home = tmp_path_factory.mktemp("prop")
    store = Store(f"sqlite:///{home}/t.db")
    store.migrate()
    tokens = {
        i: _token(store, f"p{i}", roles, nation, side)
        for i, (roles, nation, side) in enumerate(PRINCIPALS)
        if roles
    }
    admin = _token(store, "admin", ("admin",), "MISSION", None)
    client = TestClient(create_app(Settings.from_env({}, home=str(home)), store=store))
    client.headers.update(bearer(admin))
    client.post("/api/v1/sensors", content=SENSORS_CSV, headers={"content-type": "text/csv"})
    yield client, tokens
    store.dispose()


COUNTER = iter(range(1_000_000))
markings = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(markings, min_size=1, max_size=6), st.integers(0, len(PRINCIPALS) - 1))
def test_no_response_leaks(
    app: tuple[TestClient, dict[int, str]], batch: list[list[str]], who: int
) -> None:
    client, tokens = app
    n = next(COUNTER)
    records: list[dict[str, Any]] = []
    expected: dict[str, tuple[Markings, str]] = {}
    for i, toks in enumerate(batch):
        rid = f"pd-{n}-{i}"
        records.append(
            {
                "id": rid,
                "sensor": "AA-0002",
                "time": f"2026-03-02T03:{i:02d}:00Z",
                "markings": {"releasable_to": toks},
            }
        )
        expected[rid] = (Markings(releasable_to=toks), "GBR")
    assert client.post("/api/v1/detections", content=orjson.dumps(records)).status_code == 201
    roles, nation, side = PRINCIPALS[who]
    principal = Principal("p", nation, frozenset(roles or ("public",)), side)
    auth = bearer(tokens[who]) if roles else {"Authorization": ""}  # replaces the admin's
    ids = "&".join(f"id={r}" for r in expected)
    listed = client.get(f"/api/v1/detections?{ids}&limit=100", headers=auth).json()["items"]
    for item in listed:
        mk, orig = expected[item["id"]]
        assert can_see(principal, mk, orig), (PRINCIPALS[who], item)
    want = {r for r, (mk, orig) in expected.items() if can_see(principal, mk, orig)}
    assert {i["id"] for i in listed} == want
    for rid in expected:
        r = client.get(f"/api/v1/detections/{rid}", headers=auth)
        assert (r.status_code == 200) == (rid in want)
        if r.status_code == 404:  # a hidden record answers exactly as a missing one
            assert r.json()["detail"] == f"detection {rid!r} not found"
