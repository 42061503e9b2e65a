"""Reports from the store, over the API: their numbers equal the API's counts for the same
day and principal, the public report holds only public records (coarsened where their TLP
says so), every format prints a digest that verifies, and published reports join the log."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.reports.conftest import (
    AMBER_PUBLIC_ID,
    CLEAR_PUBLIC_ID,
    DAY,
    SECRET_ID,
    SECRET_TEXT,
    TokenFor,
)
from truceline.reports.digest import check
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, parse_time, to_micros

PREVIOUS = "2026-03-01"
ANON = {"Authorization": ""}  # the fixtures' clients share the admin's default header


def _json_report(client: TestClient, path: str, headers: dict[str, str] | None = None) -> Any:
    r = client.get(path, headers=headers or {})
    assert r.status_code == 200, r.text
    assert check(r.content).ok
    assert r.headers["x-report-sha256"] == check(r.content).printed
    return orjson.loads(r.content)


def _findings(client: TestClient, start: str, end: str, headers: dict[str, str]) -> list[Any]:
    r = client.get(f"/api/v1/findings?from={start}T00:00:00Z&to={end}T00:00:00Z&limit=10000",
                   headers=headers)  # fmt: skip
    assert r.status_code == 200
    assert r.json()["next"] is None
    return list(r.json()["items"])


def test_numbers_equal_the_api_counts(reports_client: TestClient, token_for: TokenFor) -> None:
    viewers = {
        "admin": {},
        "liaison": bearer(token_for("party_liaison", nation="UKR", side="UA")),
        "observer": bearer(token_for("observer", nation="USA")),
    }
    totals = {name: _check_counts(reports_client, headers) for name, headers in viewers.items()}
    assert len(set(totals.values())) > 1  # the viewers see different records


def _check_counts(client: TestClient, headers: dict[str, str]) -> int:
    report = _json_report(client, f"/api/v1/reports/daily?date={DAY}&format=json", headers)
    stats = client.get(
        f"/api/v1/stats/violations?from={PREVIOUS}T00:00:00Z&to=2026-03-03T00:00:00Z",
        headers=headers,
    ).json()["days"]
    today = [s for s in stats if s["date"] == DAY]
    previous = [s for s in stats if s["date"] == PREVIOUS]
    assert report["total"]["today"] == sum(s["count"] for s in today)
    assert report["total"]["previous"] == sum(s["count"] for s in previous)
    by_sector = Counter[str]()
    by_side = Counter[str]()
    for s in today:
        by_sector[s["sector"]] += s["count"]
        by_side[s["responsible_side"]] += s["count"]
    assert {r["key"]: r["today"] for r in report["by_sector"] if r["today"]} == dict(by_sector)
    assert {r["key"]: r["today"] for r in report["by_side"] if r["today"]} == dict(by_side)
    assert sum(n for *_, n in report["by_sector_side"]) == report["total"]["today"]
    # findings of the other rules: the same records the findings API lists for the day
    listed = _findings(client, DAY, "2026-03-03", headers)
    rules = Counter(f["rule"] for f in listed)
    assert rules["fire"] == report["total"]["today"]
    assert len(report["airspace"]) == rules["airspace"]
    assert len(report["restrictions"]) == rules["restriction_on_monitors"]
    withdrawal = rules["weapon_in_withdrawal_zone"] + rules["weapon_missing_from_holding_area"]
    assert len(report["withdrawal"]) == withdrawal
    listed_ids = {f["id"] for f in listed}
    for section in ("airspace", "restrictions", "withdrawal", "other"):
        assert {f["id"] for f in report[section]} <= listed_ids
    return int(report["total"]["today"])


def test_the_mission_report_counts_what_the_demo_holds(reports_client: TestClient) -> None:
    report = _json_report(reports_client, f"/api/v1/reports/daily?date={DAY}&format=json")
    assert report["total"]["today"] > 10  # monitors' reports and the stored events
    kinds = {k["key"]: k for k in report["typology"]}
    # the paired launch and impact count as one outgoing and one impact explosion, the
    # small-arms event as a burst or shot, a report of "3" explosions as three
    assert kinds["burst_or_shot"]["today"] >= 1
    assert kinds["explosion_outgoing"]["today"] >= 2
    assert kinds["explosion_impact"]["today"] >= 1 + 3
    # the baseline: the mean of the seven days before, as the statistics API counts them
    stats = reports_client.get(
        "/api/v1/stats/violations?from=2026-02-23T00:00:00Z&to=2026-03-02T00:00:00Z"
    ).json()["days"]
    assert sum(s["count"] for s in stats) >= 2  # an event and a report of 1 March
    assert report["total"]["mean7"] == pytest.approx(sum(s["count"] for s in stats) / 7)
    outages = {o["sensor_id"] for o in report["outages"]}
    assert {"AC-0117", "AC-0079", "AC-0004"} <= outages
    down = next(o for o in report["outages"] if o["sensor_id"] == "AC-0117")
    assert down["down_s"] == 24 * 3600


def test_public_report_holds_only_public_records(
    reports_client: TestClient, anon: TestClient
) -> None:
    mission = _json_report(reports_client, f"/api/v1/reports/daily?date={DAY}&format=json")
    findings = reports_client.get("/api/v1/findings?limit=10000").json()["items"]
    secret = [f["id"] for f in findings if SECRET_ID in f["subjects"]]
    assert secret and set(secret) <= set(mission["sources"])  # the mission's report has it
    for lang in ("en", "uk", "ru"):
        for fmt in ("json", "md", "html"):
            r = anon.get(
                f"/api/v1/reports/public/daily?date={DAY}&lang={lang}&format={fmt}", headers=ANON
            )
            assert r.status_code == 200, r.text
            text = r.content.decode()
            assert check(r.content).ok
            assert SECRET_ID not in text and SECRET_TEXT not in text
    public = orjson.loads(
        anon.get(f"/api/v1/reports/public/daily?date={DAY}&format=json", headers=ANON).content
    )
    assert public["header"]["public"] and public["header"]["markings"]["releasable_to"] == [
        "PUBLIC"
    ]
    assert not public["coverage_released"] and not public["outages"]
    # every record it rests on is one the anonymous public may list
    visible = set()
    for kind in ("findings", "observations", "events"):
        items = anon.get(f"/api/v1/{kind}?limit=10000", headers=ANON).json()["items"]
        visible |= {(i.get("properties") or i)["id"] for i in items}
    incidents = {
        i["id"] for i in anon.get("/api/v1/incidents?limit=1000", headers=ANON).json()["items"]
    }
    assert set(public["sources"]) <= visible | incidents
    assert not set(secret) & set(public["sources"])
    # the finding on the AMBER public report is placed only near a large settlement
    fire = {
        f["id"]: f for f in anon.get("/api/v1/findings?limit=1000", headers=ANON).json()["items"]
    }
    amber = [f for f in fire.values() if AMBER_PUBLIC_ID in f["subjects"] and f["rule"] == "fire"]
    clear = [f for f in fire.values() if CLEAR_PUBLIC_ID in f["subjects"] and f["rule"] == "fire"]
    assert amber and clear
    md = anon.get(
        f"/api/v1/reports/public/daily?date={DAY}&format=md", headers=ANON
    ).content.decode()
    assert "near " in md
    exact = f"{amber[0]['location']['lat']:.4f}"
    assert exact not in md and exact not in orjson.dumps(public).decode()


def test_public_is_the_same_for_everyone(reports_client: TestClient, anon: TestClient) -> None:
    """The public report is read as the public, whoever asks for it."""
    path = f"/api/v1/reports/public/daily?date={DAY}&format=json"
    a = orjson.loads(anon.get(path, headers=ANON).content)
    b = orjson.loads(reports_client.get(path).content)
    assert a["total"] == b["total"] and a["sources"] == b["sources"]


def test_every_format_prints_a_digest_that_verifies(reports_client: TestClient) -> None:
    for lang in ("en", "uk", "ru"):
        for fmt in ("md", "html", "pdf", "json"):
            r = reports_client.get(f"/api/v1/reports/daily?date={DAY}&lang={lang}&format={fmt}")
            assert r.status_code == 200, r.text
            result = check(r.content)
            assert result.ok and result.printed == r.headers["x-report-sha256"], (fmt, result)
            i = len(r.content) // 3  # one bit changed anywhere but in the digest is caught
            tampered = r.content[:i] + bytes([r.content[i] ^ 1]) + r.content[i + 1 :]
            assert not check(tampered).ok
            if fmt == "pdf":
                assert r.content.startswith(b"%PDF-") and b"%%EOF" in r.content[-32:]
                assert r.headers["content-type"] == "application/pdf"
                assert b"/FontFile2" in r.content  # the Cyrillic-capable font is embedded


def test_spot_report_of_a_grave_incident(reports_client: TestClient) -> None:
    incidents = reports_client.get("/api/v1/incidents?limit=1000").json()["items"]
    grave = [i for i in incidents if i["grave"]]
    assert grave
    for lang in ("en", "uk", "ru"):
        r = reports_client.get(f"/api/v1/reports/spot/{grave[0]['id']}?lang={lang}&format=md")
        assert r.status_code == 200 and check(r.content).ok
        assert grave[0]["id"] in r.content.decode()
    spot = orjson.loads(
        reports_client.get(f"/api/v1/reports/spot/{grave[0]['id']}?format=json").content
    )
    assert spot["incident"]["grave"] and spot["incident"]["timeline"]
    assert reports_client.get("/api/v1/reports/spot/inc-none?format=md").status_code == 404


def test_publish_stores_the_report_and_logs_it(
    reports_client: TestClient, anon: TestClient, token_for: TokenFor, demo_day: Store
) -> None:
    commissioner = bearer(token_for("commissioner", nation="USA"))
    analyst = bearer(token_for("analyst", nation="GBR"))
    body = {"date": DAY, "lang": "uk", "format": "pdf"}
    denied = reports_client.post("/api/v1/reports/daily/publish", json=body, headers=analyst)
    assert denied.status_code == 403
    r = reports_client.post("/api/v1/reports/daily/publish", json=body, headers=commissioner)
    assert r.status_code == 201, r.text
    published = r.json()
    assert published["ledger_index"] is not None and published["kind"] == "daily"
    # the report mixes records of several audiences, so by the markings algebra it is
    # releasable to no single audience: only administrators read it back from the store
    assert published["markings"]["releasable_to"] == ["NONE"]
    content = reports_client.get(f"/api/v1/reports/published/{published['id']}").content
    assert check(content).ok and check(content).printed == published["sha256"]
    gone = reports_client.get(f"/api/v1/reports/published/{published['id']}", headers=commissioner)
    assert gone.status_code == 404
    # a mission report is not for the public; the public report is
    assert anon.get(f"/api/v1/reports/published/{published['id']}", headers=ANON).status_code == 404
    body = {"date": DAY, "lang": "en", "format": "html", "public": True}
    pub = reports_client.post("/api/v1/reports/daily/publish", json=body, headers=commissioner)
    assert pub.status_code == 201 and pub.json()["kind"] == "public_daily"
    listed = anon.get("/api/v1/reports/published", headers=ANON).json()["items"]
    assert [i["id"] for i in listed] == [pub.json()["id"]]
    leaf = anon.get(f"/api/v1/reports/published/{pub.json()['id']}", headers=ANON)
    assert check(leaf.content).ok


def test_days_with_data(reports_client: TestClient, anon: TestClient) -> None:
    days = reports_client.get("/api/v1/reports/days").json()["days"]
    assert DAY in [d["date"] for d in days]
    assert days == sorted(days, key=lambda d: d["date"], reverse=True)
    assert anon.get("/api/v1/reports/days", headers=ANON).status_code == 200


def test_bad_parameters(reports_client: TestClient) -> None:
    assert reports_client.get("/api/v1/reports/daily?date=2026-13-01").status_code == 400
    assert reports_client.get(f"/api/v1/reports/daily?date={DAY}&lang=de").status_code == 400
    assert reports_client.get(f"/api/v1/reports/daily?date={DAY}&format=doc").status_code == 400


def _act(client: TestClient, token: str, incident: dict[str, Any], action: str, **body: Any) -> Any:
    r = client.post(
        f"/api/v1/incidents/{incident['id']}/actions/{action}",
        json={"version": incident["version"], **body},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_the_determination_and_dissent_in_the_spot_report(
    reports_client: TestClient, token_for: TokenFor
) -> None:
    client = reports_client
    analyst, investigator = token_for("analyst"), token_for("investigator", nation="FRA")
    reviewer, commissioner = token_for("reviewer", nation="POL"), token_for("commissioner")
    grave = next(
        i for i in client.get("/api/v1/incidents?limit=1000").json()["items"] if i["grave"]
    )
    incident = client.get(f"/api/v1/incidents/{grave['id']}").json()
    incident = _act(client, analyst, incident, "triage")
    incident = _act(client, investigator, incident, "assign")
    incident = _act(client, investigator, incident, "submit", summary="Crater analysed.")
    basis = "Crater analysis: a 120 mm mortar round from the north-east; the patrol heard it."
    determination = {"outcome": "violation", "responsible_side": "RU", "confidence": "medium",
                     "basis": basis, "remedies": ["Notify both sides"]}  # fmt: skip
    incident = _act(client, reviewer, incident, "determine", determination=determination)
    decision = incident["determination"]["decision"]
    dissent = "The bearing alone cannot exclude a launch from the other side."
    incident = _act(client, commissioner, incident, "dissent", refers_to=decision, text=dissent)
    spot = orjson.loads(client.get(f"/api/v1/reports/spot/{grave['id']}?format=json").content)
    d = spot["incident"]["determination"]
    assert d["basis"] == basis and d["responsible_side"] == "RU" and d["role"] == "reviewer"
    assert d["decided_by"].startswith("reviewer-") and d["dissents"][0]["text"] == dissent
    steps = [s["action"] for s in spot["incident"]["timeline"]]
    assert steps == ["receive", "triage", "assign", "submit", "determine", "dissent"]
    for lang, word in (("en", "Determination"), ("uk", "Рішення"), ("ru", "Решение")):
        md = client.get(f"/api/v1/reports/spot/{grave['id']}?lang={lang}&format=md")
        text = md.content.decode()
        assert basis in text and dissent in text and word in text
    # the daily report lists it among the notable incidents with the same determination
    daily = _json_report(client, f"/api/v1/reports/daily?date={DAY}&format=json")
    listed = next(i for i in daily["incidents"] if i["id"] == grave["id"])
    assert listed["determination"]["basis"] == basis


def test_the_daily_report_says_how_far_blasts_are_located(
    reports_client: TestClient, demo_day: Store
) -> None:
    """Live fusion releases a blast's event some 13 minutes after it. A daily report made
    before the day's last blasts are fused says how far they are (in its header, and as a
    note under the summary, in every language), so its last minutes do not read as calm;
    once fusion is past the day's end, or where no live fusion ran, it says nothing."""
    path = f"/api/v1/reports/daily?date={DAY}"
    progress = tables.fusion_progress
    front = parse_time(f"{DAY}T21:45:00Z")
    header = _json_report(reports_client, path + "&format=json")["header"]
    assert header["events_complete_to"] is None
    with demo_day.write() as conn:
        conn.execute(progress.insert().values(id=1, watermark_us=to_micros(front),
                                              complete_us=to_micros(front)))  # fmt: skip
    report = _json_report(reports_client, path + "&format=json")
    assert report["header"]["events_complete_to"] == format_time(front)
    said = {
        "en": ("Blasts located to", "Blasts heard by sensors are located only up to"),
        "uk": ("Вибухи локалізовано до", "локалізовано лише до"),
        "ru": ("Взрывы локализованы до", "локализованы только до"),
    }
    for lang, (label, note) in said.items():
        text = reports_client.get(f"{path}&lang={lang}&format=md").content.decode()
        assert label in text and note in text and "21:45" in text, lang
    with demo_day.write() as conn:  # fused past the day's end: nothing to say
        conn.execute(progress.update().values(complete_us=to_micros(front + timedelta(hours=3))))
    text = reports_client.get(f"{path}&lang=en&format=md").content.decode()
    assert "Blasts located to" not in text and "located only up to" not in text
