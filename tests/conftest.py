"""Shared fixtures: a fresh store per test on SQLite and on PostgreSQL, a fixed clock,
and small factories for records.

PostgreSQL tests run against TRUCELINE_TEST_PG_URL (default: the local server's `test`
database); each test session works in a database of its own, dropped at the end, so runs
never see each other's rows. They fail, not skip, when the server is unreachable: CI must
run them.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from truceline.api import create_app
from truceline.services import agreements
from truceline.services.demo import demo_dir
from truceline.services.principals import NewPrincipal, add_principal
from truceline.settings import Settings
from truceline.store.engine import Store

PG_URL = os.environ.get(
    "TRUCELINE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FIXED_NOW_US = 1_772_409_600_000_000  # 2026-03-02T00:00:00Z


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session; yields its URL."""
    name = f"truceline_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment problem, reported loudly
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable ({exc}); run scripts/ensure-services.sh")
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'truceline.db'}"
    else:
        url = request.getfixturevalue("pg_database")
        _reset_pg(url)
    s = Store(url)
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'truceline.db'}")
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, home=str(tmp_path / "home"))


SENSORS_CSV = """id,kind,lat,lon,alt_m,owner,timing_sigma_ms,bearing_sigma_deg,active_from
AC-0001,acoustic,48.1612,37.7420,212,USA,1.5,,2026-01-01T00:00:00Z
AA-0002,acoustic_array,48.2004,37.9011,198,GBR,2.0,3.0,2026-01-01T00:00:00Z
SE-0003,seismic,48.05,37.80,150,FRA,,,2026-03-01T00:00:00Z
"""


def detection(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid detection record for the SENSORS_CSV registry."""
    rec: dict[str, Any] = {
        "id": f"d-{i:06d}",
        "sensor": "AC-0001",
        "time": f"2026-03-02T04:{i // 60 % 60:02d}:{i % 60:02d}.123456Z",
        "phase": "impact",
        "weapon": "artillery",
    }
    rec.update(overrides)
    return rec


AGREEMENT: dict[str, Any] = {
    "type": "FeatureCollection",
    "agreement": {
        "id": "example-2026",
        "title": "Example ceasefire",
        "effective_from": "2026-03-01T00:00:00Z",
        "sides": [{"code": "A", "name": "Side A"}, {"code": "B", "name": "Side B"}],
        "withdrawal": [
            {"weapon_class": "artillery_100mm_plus", "distance_km": 25},
            {"weapon_class": "mlrs", "distance_km": 35},
        ],
        "prohibited": ["fire", "uav_overflight"],
    },
    "features": [
        {
            "type": "Feature",
            "properties": {"role": "contact_line", "instrument": "Art. 1"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[37.50, 48.60], [37.80, 48.30], [37.70, 47.90]],
            },
        },
        {
            "type": "Feature",
            "properties": {"role": "control_area", "side": "A"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [37.50, 48.60],
                        [37.80, 48.30],
                        [37.70, 47.90],
                        [37.00, 47.90],
                        [37.00, 48.60],
                        [37.50, 48.60],
                    ]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"role": "control_area", "side": "B"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [37.50, 48.60],
                        [38.50, 48.60],
                        [38.50, 47.90],
                        [37.70, 47.90],
                        [37.80, 48.30],
                        [37.50, 48.60],
                    ]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {
                "role": "disengagement_area",
                "name": "Zolote-like",
                "instrument": "FD 2016",
            },
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[37.75, 48.28], [37.85, 48.28], [37.85, 48.34], [37.75, 48.34], [37.75, 48.28]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {
                "role": "protected_site",
                "name": "Water filter station",
                "radius_m": 1000,
            },
            "geometry": {"type": "Point", "coordinates": [37.76, 48.10]},
        },
        {
            "type": "Feature",
            "properties": {"role": "sector", "name": "North"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[37.0, 48.25], [38.5, 48.25], [38.5, 48.6], [37.0, 48.6], [37.0, 48.25]]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"role": "no_fly_zone", "name": "NFZ-1"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[37.6, 48.4], [37.7, 48.4], [37.7, 48.5], [37.6, 48.5], [37.6, 48.4]]
                ],
            },
        },
    ],
}


# --- the API as different principals ------------------------------------------------

TokenFor = Callable[..., str]
PrincipalFor = Callable[..., NewPrincipal]


def bearer(token: str) -> dict[str, str]:
    """The request headers that present ``token``."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def new_principal(store: Store) -> PrincipalFor:
    """Create a principal with these roles on the test store (a fresh name each call)."""
    counter = itertools.count()

    def make(*roles: str, nation: str = "GBR", side: str | None = None) -> NewPrincipal:
        return add_principal(
            store,
            name=f"{'-'.join(roles)}-{nation}-{next(counter)}",
            nation=nation,
            roles=list(roles),
            side=side,
            expires_us=None,
            now_us=FIXED_NOW_US,
            actor="test",
        )

    return make


@pytest.fixture
def token_for(new_principal: PrincipalFor) -> TokenFor:
    """Create a principal on the test store and return its bearer token."""

    def make(*roles: str, nation: str = "GBR", side: str | None = None) -> str:
        return new_principal(*roles, nation=nation, side=side).token

    return make


@pytest.fixture
def anon(store: Store, settings: Settings) -> Iterator[TestClient]:
    """The real app over the real store (both backends), with no credentials."""
    with TestClient(create_app(settings, store=store)) as c:
        yield c


@pytest.fixture
def client(anon: TestClient, token_for: TokenFor) -> TestClient:
    """The same app, as a mission administrator."""
    anon.headers.update(bearer(token_for("admin", nation="MISSION")))
    return anon


# --- the demo agreement and a real server ------------------------------------------


def load_demo_agreement(store: Store) -> dict[str, Any]:
    """Store the demo data set's agreement; returns its document."""
    doc: dict[str, Any] = orjson.loads((demo_dir() / "agreement.geojson").read_bytes())
    agreements.load_agreement(store, doc, source="demo", now_us=FIXED_NOW_US)
    return doc


@contextmanager
def serving(app: Any, *, lifespan: str = "on") -> Iterator[str]:
    """``app`` served by uvicorn on 127.0.0.1 (a free port, in a thread); yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan=lifespan))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
