"""The alert service on SQLite and PostgreSQL: subscriptions, raising alerts, access
filtering, signed deliveries, retries that survive a restart, dead letters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import orjson
import pytest
from sqlalchemy import select, update

from tests.alerts.conftest import (
    CONFIG,
    SECRET,
    Clock,
    MakePrincipal,
    Receiver,
    StoreAlert,
    worker,
)
from tests.conftest import FIXED_NOW_US
from tests.services.test_pipeline import _load_reports
from truceline.access.policy import Principal
from truceline.agreement import Agreement
from truceline.alerts import simulate as sim
from truceline.alerts.cap_check import problems
from truceline.alerts.signing import SIGNATURE_HEADER, verify
from truceline.errors import BadRequestError, NotFoundError
from truceline.services import alert_delivery, alert_subscriptions
from truceline.services.alert_tables import alert_deliveries, alerts
from truceline.services.alerts import alert_cap, get_alert, list_alerts, raise_alerts
from truceline.services.judge import store_findings
from truceline.services.ledger import record_leaves
from truceline.services.ledger_verify import verify_store
from truceline.services.principals import revoke_principal
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import parse_time, to_micros

URL = "https://hooks.example.org/truceline"
MISSION = Principal("mission-admin", "MISSION", frozenset({"admin"}))


def _subscribe(store: Store, who: Principal, **kw: Any) -> dict[str, Any]:
    return alert_subscriptions.create_subscription(
        store,
        who,
        url=kw.pop("url", URL),
        secret=kw.pop("secret", SECRET),
        now_us=FIXED_NOW_US,
        **kw,
    )


def _enqueue(store: Store, alert_ids: list[str], clock: Clock) -> None:
    with store.write() as conn:
        alert_delivery.enqueue(conn, alert_ids, now_us=clock())


def _queued(
    store: Store, alert_with: StoreAlert, clock: Clock, who: Principal, **kw: Any
) -> tuple[dict[str, Any], str]:
    """A subscription of ``who`` (``kw`` as for :func:`_subscribe`) and one MISSION alert
    queued for it: (the subscription, the alert's id)."""
    sub = _subscribe(store, who, **kw)
    alert = alert_with(["MISSION"])
    _enqueue(store, [alert], clock)
    return sub, alert


def _states(store: Store) -> dict[str, str]:
    with store.read() as conn:
        return {r.id: r.state for r in conn.execute(select(alert_deliveries))}


# --- subscriptions -----------------------------------------------------------------------


def test_subscriptions_belong_to_their_principal(store: Store, principal: MakePrincipal) -> None:
    a, b = principal("analyst"), principal("monitor", nation="FRA")
    admin = principal("admin", nation="MISSION")
    made = alert_subscriptions.create_subscription(store, a, url=URL, now_us=FIXED_NOW_US)
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 30
    _subscribe(store, b, kinds=["grave"], fmt="cap", language="uk")
    with store.read() as conn:
        mine = alert_subscriptions.list_subscriptions(conn, a)
        everyone = alert_subscriptions.list_subscriptions(conn, admin)
    assert [s["id"] for s in mine] == [made["id"]] and "secret" not in mine[0]
    assert len(everyone) == 2
    with pytest.raises(NotFoundError):
        alert_subscriptions.delete_subscription(store, b, made["id"], now_us=FIXED_NOW_US)
    alert_subscriptions.delete_subscription(store, a, made["id"], now_us=FIXED_NOW_US)
    with store.read() as conn:
        assert alert_subscriptions.list_subscriptions(conn, a) == []


@pytest.mark.parametrize(
    ("url", "kw"),
    [
        ("http://hooks.example.org/x", {}),  # plain http leaves the host: refused
        ("ftp://hooks.example.org/x", {}),
        ("https://user:pw@hooks.example.org/x", {}),
        ("https://[::1/x", {}),
        (URL, {"kinds": ["weather"]}),
        (URL, {"min_severity": "Catastrophic"}),
        (URL, {"fmt": "xml"}),
        (URL, {"language": "de"}),
        (URL, {"secret": "short"}),
    ],
)
def test_bad_subscriptions_are_refused(sqlite_store: Store, url: str, kw: dict[str, Any]) -> None:
    analyst = Principal("a", "GBR", frozenset({"analyst"}))
    with pytest.raises(BadRequestError):
        alert_subscriptions.create_subscription(
            sqlite_store, analyst, url=url, now_us=FIXED_NOW_US, **kw
        )
    feed = Principal("f", "USA", frozenset({"sensor_feed"}))
    with pytest.raises(BadRequestError):
        alert_subscriptions.create_subscription(sqlite_store, feed, url=URL, now_us=FIXED_NOW_US)


# --- raising ------------------------------------------------------------------------------


def test_grave_findings_raise_immediate_alerts(store: Store, clock: Clock) -> None:
    _load_reports(store)  # the demo's reports: two grave findings among them
    made = raise_alerts(store, CONFIG, now_us=clock()).ids
    with store.read() as conn:
        rows = conn.execute(select(alerts)).all()
        graves = conn.execute(select(tables.findings).where(tables.findings.c.grave == 1)).all()
        assert {r.id for r in rows} == set(made) and len(rows) == len(graves) >= 2
        by_finding = {orjson.loads(r.record)["finding"]["id"]: r for r in rows}
        for f in graves:
            alert = by_finding[f.id]
            assert alert.kind == "grave" and alert.audience == f.audience  # same readers
            assert record_leaves(conn, "alert", alert.id), "every alert is a ledger leaf"
            record = orjson.loads(alert.record)
            assert record["place"]["uk"] and record["area"]["circle"]["radius_km"] >= 1.0
    assert raise_alerts(store, CONFIG, now_us=clock()).ids == []  # nothing new, nothing raised


def test_a_simulated_escalation_raises_one_alert(
    store: Store, demo_agreement: Agreement, clock: Clock
) -> None:
    scenario = sim.Scenario(sector="Donetsk north", start=demo_agreement.effective_from)
    findings = sim.simulated_findings(demo_agreement, scenario, np.random.default_rng(1))
    clock.now = to_micros(scenario.change + timedelta(hours=scenario.rise_hours))
    with store.write() as conn:
        store_findings(conn, findings, side_codes=demo_agreement.side_codes, now_us=clock())
    assert worker(store, clock).step()["alerts"] >= 1
    with store.read() as conn:
        page = list_alerts(conn, MISSION, kind="escalation")
    late = [a for a in page["items"] if a["time"] >= scenario.change.isoformat()[:19]]
    assert len(late) == 1, "the rise raises one alert, not one per hour"
    alert = late[0]
    change_us = to_micros(scenario.change)
    onset = to_micros(parse_time(alert["onset"]))
    assert abs(onset - change_us) <= 6 * 3_600_000_000  # the change point, estimated
    assert alert["sector"] == "Donetsk north" and alert["statistic"]["ratio"] > 2
    assert set(alert["subjects"]) <= {f.id for f in findings}
    assert alert["area"]["polygons"][0][0] == alert["area"]["polygons"][0][-1]
    with store.read() as conn:
        row = get_alert(conn, MISSION, alert["id"])
    assert problems(alert_cap(row, CONFIG, ("en", "uk", "ru"))) == []
    # a second pass over the same findings raises nothing again
    assert worker(store, clock).step()["alerts"] == 0


def test_held_back_findings_are_examined_on_the_next_allowed_pass(
    store: Store, demo_agreement: Agreement, clock: Clock
) -> None:
    scenario = sim.Scenario(sector="Luhansk", start=demo_agreement.effective_from)
    findings = sim.simulated_findings(demo_agreement, scenario, np.random.default_rng(2))
    clock.now = to_micros(scenario.change + timedelta(hours=scenario.rise_hours))
    w = worker(store, clock)
    assert w.step()["alerts"] == 0  # the first pass looks, finds nothing
    with store.write() as conn:
        store_findings(conn, findings, side_codes=demo_agreement.side_codes, now_us=clock())
    clock.advance(5)
    assert w.step()["alerts"] == 0  # too soon after the last look: held back
    clock.advance(CONFIG.detect_every_s)
    assert w.step()["alerts"] >= 1  # no new findings, but the held-back ones are examined


def test_a_first_pass_over_history_is_not_pushed(
    store: Store, principal: MakePrincipal, clock: Clock
) -> None:
    _subscribe(store, principal("analyst"))
    _load_reports(store)
    clock.advance(30 * 86_400)  # the alert worker starts a month after these findings
    assert raise_alerts(store, CONFIG, now_us=clock()).ids
    assert _states(store) == {}  # stored and listed, but no webhook storm


# --- access ------------------------------------------------------------------------------


def test_subscribers_receive_only_what_they_may_see(
    store: Store,
    principal: MakePrincipal,
    alert_with: StoreAlert,
    clock: Clock,
    receiver: Receiver,
) -> None:
    analyst = principal("analyst", nation="GBR")
    liaison = principal("party_liaison", nation="UKR", side="UA")
    observer = principal("observer", nation="USA")
    subs = {p.name: _subscribe(store, p)["id"] for p in (analyst, liaison, observer)}
    ids = {
        "mission": alert_with(["MISSION"]),
        "public": alert_with(["PUBLIC"]),
        "parties": alert_with(["PARTIES", "MISSION"]),
        "usa": alert_with(["USA"]),
    }
    _enqueue(store, list(ids.values()), clock)
    with store.read() as conn:
        got = {(r.subscription_id, r.alert_id) for r in conn.execute(select(alert_deliveries))}
    expected = {
        (subs[analyst.name], ids["mission"]),
        (subs[analyst.name], ids["public"]),
        (subs[analyst.name], ids["parties"]),
        (subs[liaison.name], ids["public"]),
        (subs[liaison.name], ids["parties"]),
        (subs[observer.name], ids["public"]),
        (subs[observer.name], ids["usa"]),
    }
    assert got == expected
    worker(store, clock, receiver).step(scan=False)
    assert len(receiver.requests) == len(expected)


def test_filters_by_kind_sector_and_severity(
    store: Store, principal: MakePrincipal, alert_with: StoreAlert, clock: Clock
) -> None:
    p = principal("analyst")
    _subscribe(store, p, sectors=["Luhansk"])
    _subscribe(store, p, kinds=["escalation"])
    _subscribe(store, p, min_severity="Extreme")
    severe = alert_with(["MISSION"], sector="Donetsk south")
    extreme = alert_with(["MISSION"], sector="Luhansk", severity_casualties=True)
    _enqueue(store, [severe, extreme], clock)
    with store.read() as conn:
        got = sorted(r.alert_id for r in conn.execute(select(alert_deliveries)))
    assert got == [extreme, extreme]  # the sector filter and the severity filter


def test_revoked_principal_receives_nothing_more(
    store: Store,
    principal: MakePrincipal,
    alert_with: StoreAlert,
    clock: Clock,
    receiver: Receiver,
) -> None:
    p = principal("analyst")
    _queued(store, alert_with, clock, p)
    revoke_principal(store, p.name, now_us=clock(), actor="test")
    assert worker(store, clock, receiver).step(scan=False)["withdrawn"] == 1
    assert receiver.requests == []


# --- delivery ----------------------------------------------------------------------------


def test_signed_json_delivery(
    store: Store,
    principal: MakePrincipal,
    alert_with: StoreAlert,
    clock: Clock,
    receiver: Receiver,
) -> None:
    _, a = _queued(store, alert_with, clock, principal("analyst"), language="ru")
    assert worker(store, clock, receiver).step(scan=False)["delivered"] == 1
    (req,) = receiver.requests
    assert verify(SECRET, req.headers[SIGNATURE_HEADER], req.content, now_s=clock() // 1_000_000)
    body = orjson.loads(req.content)
    assert body["alert"]["id"] == a == req.headers["X-Truceline-Alert"]
    assert body["alert"]["language"] == "ru" and "Грубое нарушение" in body["alert"]["headline"]
    assert body["delivery"] == req.headers["X-Truceline-Delivery"]
    assert worker(store, clock, receiver).step(scan=False)["delivered"] == 0  # sent once


def test_cap_delivery_validates(
    store: Store,
    principal: MakePrincipal,
    alert_with: StoreAlert,
    clock: Clock,
    receiver: Receiver,
) -> None:
    _queued(store, alert_with, clock, principal("analyst"), fmt="cap", language="uk")
    worker(store, clock, receiver).step(scan=False)
    (req,) = receiver.requests
    assert req.headers["content-type"] == "application/cap+xml"
    assert problems(req.content) == []
    assert b"<language>uk</language>" in req.content


def test_retries_survive_a_restart_then_dead_letter(
    store: Store,
    principal: MakePrincipal,
    alert_with: StoreAlert,
    clock: Clock,
    receiver: Receiver,
) -> None:
    who = principal("analyst")
    _, a = _queued(store, alert_with, clock, who)
    receiver.status = 503
    start = clock()
    assert worker(store, clock, receiver).step(scan=False)["retried"] == 1
    with store.read() as conn:
        row = conn.execute(select(alert_deliveries)).one()
    assert row.attempts == 1 and row.last_status == 503
    wait = row.next_attempt_us - start
    assert 15_000_000 <= wait <= 30_000_000  # 30 s nominal, equal jitter
    clock.now = row.next_attempt_us - 1
    assert worker(store, clock, receiver).step(scan=False)["retried"] == 0  # not due yet
    for _ in range(2):  # each pass is a new worker: only the store remembers
        with store.read() as conn:
            clock.now = conn.execute(select(alert_deliveries.c.next_attempt_us)).scalar_one()
        worker(store, clock, receiver).step(scan=False)
    assert len(receiver.requests) == 3 and set(_states(store).values()) == {"dead"}
    with store.read() as conn:
        (dead,) = alert_delivery.dead_letters(conn, who)
        assert dead["attempts"] == 3 and dead["alert"] == a
        assert alert_delivery.dead_letters(conn, principal("analyst", nation="FRA")) == []
    alert_delivery.retry_dead_letter(store, who, dead["id"], now_us=clock())
    receiver.status = 200
    assert worker(store, clock, receiver).step(scan=False)["delivered"] == 1
    with pytest.raises(NotFoundError):
        alert_delivery.retry_dead_letter(store, who, dead["id"], now_us=clock())


def test_gone_is_dead_at_once(
    store: Store,
    principal: MakePrincipal,
    alert_with: StoreAlert,
    clock: Clock,
    receiver: Receiver,
) -> None:
    _queued(store, alert_with, clock, principal("analyst"))
    receiver.status = 410
    assert worker(store, clock, receiver).step(scan=False)["dead"] == 1


def test_a_claimed_delivery_is_not_sent_twice(
    store: Store, principal: MakePrincipal, alert_with: StoreAlert, clock: Clock
) -> None:
    _queued(store, alert_with, clock, principal("analyst"))
    first = alert_delivery._claim(store, CONFIG.sending, clock())
    second = alert_delivery._claim(store, CONFIG.sending, clock())
    assert len(first) == 1 and second == []
    clock.advance(CONFIG.retry.lease_s + 1)  # a worker that died mid-send: retried later
    assert len(alert_delivery._claim(store, CONFIG.sending, clock())) == 1


def test_unsubscribing_withdraws_pending_deliveries(
    store: Store, principal: MakePrincipal, alert_with: StoreAlert, clock: Clock
) -> None:
    p = principal("analyst")
    sub, _ = _queued(store, alert_with, clock, p)
    alert_subscriptions.delete_subscription(store, p, sub["id"], now_us=clock())
    assert set(_states(store).values()) == {"withdrawn"}


def test_alert_leaves_verify_and_catch_an_edit(store: Store, alert_with: StoreAlert) -> None:
    a = alert_with(["MISSION"])
    report = verify_store(store)
    assert report.ok and "alert" not in report.unchecked and report.recomputed >= 1
    with store.write() as conn:
        conn.execute(update(alerts).where(alerts.c.id == a).values(severity="Minor"))
    assert not verify_store(store).ok
