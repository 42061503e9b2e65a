"""Fixtures for the alert service: the demo agreement in the store, principals, alerts
stored with chosen markings, a controllable clock and a recording webhook receiver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest

from tests.conftest import FIXED_NOW_US, PrincipalFor, load_demo_agreement
from truceline.access.policy import Principal
from truceline.agreement import Agreement, parse_agreement
from truceline.alerts.model import grave_alert
from truceline.alerts.retry import RetryPolicy
from truceline.services.alerts import AlertConfig, AlertWorker, store_alert
from truceline.store.engine import Store

SECRET = "whsec_tests_0123456789abcdef"


@pytest.fixture
def demo_agreement(store: Store) -> Agreement:
    return parse_agreement(load_demo_agreement(store), source="demo")


MakePrincipal = Callable[..., Principal]


@pytest.fixture
def principal(new_principal: PrincipalFor) -> MakePrincipal:
    def make(*roles: str, nation: str = "GBR", side: str | None = None) -> Principal:
        return new_principal(*roles, nation=nation, side=side).principal

    return make


StoreAlert = Callable[..., str]


@pytest.fixture
def alert_with(store: Store) -> StoreAlert:
    """Store a grave alert with the given markings (as if raised); returns its id."""
    counter = iter(range(1000))

    def make(
        releasable_to: list[str],
        *,
        sector: str = "Donetsk south",
        severity_casualties: bool = False,
    ) -> str:
        n = next(counter)
        finding: dict[str, Any] = {
            "id": f"fd-test-{n}",
            "rule": "fire_at_protected_site",
            "time": "2026-03-02T02:10:02Z",
            "location": {"lat": 48.147092, "lon": 37.805271},
            "basis": "impact near a site",
            "responsible_side": None,
            "affected_side": "RU",
            "agreement": {"id": "demo-donbas-2026", "version": 1},
            "facts": {"casualties": [{"killed": 1}]} if severity_casualties else {},
        }
        markings = {"releasable_to": releasable_to, "originator_controlled": False, "tlp": "AMBER"}
        record = grave_alert(
            finding,
            sector=sector,
            place={"en": "near Donetsk"},
            markings=markings,
            time_us=FIXED_NOW_US + n,
        )
        with store.write() as conn:
            assert store_alert(conn, record, FIXED_NOW_US + n, now_us=FIXED_NOW_US + n)
        return str(record["id"])

    return make


@dataclass
class Clock:
    now: int = FIXED_NOW_US + 86_400_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 1_000_000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Receiver:
    """A webhook endpoint behind httpx.MockTransport: records requests, answers ``status``."""

    status: int = 200
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


CONFIG = AlertConfig(retry=RetryPolicy(base_s=30, factor=2, cap_s=600, max_attempts=3))


def worker(store: Store, clock: Clock, receiver: Receiver | None = None) -> AlertWorker:
    """A fresh worker (as after a restart): it keeps nothing but what the store holds."""
    return AlertWorker(
        store,
        clock_us=clock,
        config=CONFIG,
        transport=receiver.transport if receiver else None,
        rng=np.random.default_rng(0),
    )
