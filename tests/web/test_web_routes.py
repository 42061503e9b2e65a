"""Serving the built workspace: the page with its Content-Security-Policy, the bundle,
/config.json, and nothing else (no path escapes the static folder, /api stays the API)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from truceline.api import create_app
from truceline.api.routes.web import build_router, content_security_policy
from truceline.errors import ConfigError
from truceline.settings import Settings
from truceline.store.engine import Store
from truceline.web import static_dir


@pytest.fixture
def web(sqlite_store: Store, tmp_path: Path) -> TestClient:
    settings = Settings.from_env(
        {}, home=str(tmp_path / "home"), basemap_url="https://tiles.example.org/{z}/{x}/{y}.png"
    )
    return TestClient(create_app(settings, store=sqlite_store))


def test_the_built_page_and_its_assets_are_served(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
    assert assets, "the committed build references its bundle"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text), "nothing from elsewhere"
    for path in assets:
        r = web.get(path)
        assert r.status_code == 200, path
        assert "immutable" in r.headers["cache-control"]
    built = {p.name for p in (static_dir() / "assets").iterdir()}
    assert {a.rsplit("/", 1)[1] for a in assets} <= built


def test_the_page_allows_only_its_origin_and_the_basemap(web: TestClient) -> None:
    csp = web.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "connect-src 'self' blob: https://tiles.example.org;" in csp
    assert "img-src 'self' data: blob: https://tiles.example.org;" in csp
    assert "tiles.example.org" not in content_security_policy("")


def test_config_tells_the_page_the_basemap(web: TestClient) -> None:
    assert web.get("/config.json").json() == {
        "basemap_url": "https://tiles.example.org/{z}/{x}/{y}.png"
    }


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2F__init__.py", ".hidden", "nope.js", "a%00b.js", "%2e%2e", "%2e%2e%2fpy.typed"],
)
def test_no_path_escapes_the_assets(web: TestClient, name: str) -> None:
    r = web.get(f"/assets/{name}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_api_is_not_shadowed(web: TestClient) -> None:
    r = web.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert web.get("/api/v1/health").json()["status"] == "ok"


def test_an_unbuilt_install_says_how_to_build(tmp_path: Path, sqlite_store: Store) -> None:
    from fastapi import FastAPI

    app = FastAPI()
    app.state.settings = Settings.from_env({}, home=str(tmp_path))
    app.include_router(build_router(tmp_path / "empty"))
    r = TestClient(app).get("/")
    assert r.status_code == 200 and "make web" in r.text


@pytest.mark.parametrize(
    "bad", ["ftp://x/{z}/{x}/{y}", "https://tiles.example.org/tile.png", "tiles/{z}/{x}/{y}.png"]
)
def test_a_bad_basemap_setting_is_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="TRUCELINE_BASEMAP_URL"):
        Settings.from_env({"TRUCELINE_BASEMAP_URL": bad})
