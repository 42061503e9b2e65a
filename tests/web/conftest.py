"""The workspace under test: the real app served by uvicorn on 127.0.0.1 (a free port, in a
thread) over a SQLite store with the demo data, and Debian's Chromium driven by Playwright.

Every page records the requests it makes; a request to anything but the test server (or a
blob:/data: URL the page made itself) fails the test that made it. Each test's last screen
is kept under test-artifacts/web/. Chromium comes from Debian (`make test` installs it);
Playwright's own browser download is never used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import bearer, serving
from tests.web.seed import seed
from truceline.api import create_app
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import to_micros

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
VIEWPORT = {"width": 1280, "height": 820}


@dataclass
class Live:
    """The running server: its URL, tokens by role, and the store behind it."""

    url: str
    tokens: dict[str, str]
    store: Store
    day: str
    claimed: set[str] = field(default_factory=set)

    def api(self, role: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, headers=bearer(self.tokens[role]))

    @contextmanager
    def fusion_front(self, at: datetime) -> Iterator[None]:
        """Live fusion's events complete to ``at`` while the block runs (none stored after)."""
        progress = tables.fusion_progress
        with self.store.write() as conn:
            conn.execute(progress.insert().values(id=1, watermark_us=to_micros(at),
                                                  complete_us=to_micros(at)))  # fmt: skip
        try:
            yield
        finally:
            with self.store.write() as conn:
                conn.execute(progress.delete())

    def claim_incident(self, role: str, state: str, *, located: bool = False) -> dict[str, Any]:
        """An incident in ``state`` visible to ``role`` that no other test has taken."""
        with self.api(role) as c:
            items = c.get("/api/v1/incidents", params={"state": state, "limit": 1000}).json()[
                "items"
            ]
        for item in items:
            if item["id"] not in self.claimed and (item["location"] or not located):
                self.claimed.add(item["id"])
                return dict(item)
        raise AssertionError(f"the seeded store has no unclaimed {state} incident for {role}")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("web")
    store = Store(f"sqlite:///{home / 'truceline.db'}")
    store.migrate()
    seeded = seed(store)
    assert seeded.events and seeded.incidents, seeded
    app = create_app(Settings.from_env({}, home=str(home)), store=store, workers=False)
    with serving(app) as url:
        yield Live(url, seeded.tokens, store, seeded.last_day)
    store.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make services` (or apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Requests:
    urls: list[str] = field(default_factory=list)

    def foreign(self, base: str) -> list[str]:
        local = re.compile(rf"^({re.escape(base)}/|blob:{re.escape(base)}/|data:)")
        return [u for u in self.urls if not local.match(u)]


@pytest.fixture
def requests_seen() -> Requests:
    return Requests()


@pytest.fixture
def page(
    browser: Any, live: Live, requests_seen: Requests, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A fresh browser context (empty sessionStorage) on the test server."""
    context = browser.new_context(
        base_url=live.url,
        viewport=VIEWPORT,
        timezone_id="UTC",
        locale="en-GB",
        service_workers="block",
    )
    context.set_default_timeout(20_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("request", lambda r: requests_seen.urls.append(r.url))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
    assert not requests_seen.foreign(live.url), requests_seen.foreign(live.url)
    assert not errors, errors


SignIn = Callable[..., None]


@pytest.fixture
def sign_in(page: Any, live: Live) -> SignIn:
    def go(role: str, hash_: str = "") -> None:
        page.goto("/")
        page.fill("#token", live.tokens[role])
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#who .who-name")
        if hash_:  # a reload straight into the view: the token stays in sessionStorage
            page.goto(f"/{hash_}")
            page.wait_for_selector("#who .who-name")

    return go


def wait_for_map(page: Any) -> None:
    page.wait_for_selector("#map[data-loaded=true]")
    page.wait_for_function(
        "() => window.truceline && window.truceline.map && window.truceline.map.loaded()"
    )
