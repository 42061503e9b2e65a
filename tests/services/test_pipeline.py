"""From stored reports to findings, incidents and a published determination, through the
API, on both backends: the walk an analyst, an investigator, a reviewer and a commissioner
make, and the refusals the workflow owes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import TokenFor
from tests.conftest import FIXED_NOW_US, bearer, load_demo_agreement
from truceline.cli.ingest_cmds import ingest_file
from truceline.services.demo import demo_dir
from truceline.services.judge import Judge
from truceline.store.engine import Store


def _load_reports(store: Store) -> dict[str, int]:
    """The demo's agreement, sensors, observations and tracks (no detections: fast)."""
    load_demo_agreement(store)
    folder = demo_dir()
    for kind in ("sensors", "observations", "tracks"):
        name = "sensors.csv" if kind == "sensors" else f"{kind}.ndjson"
        ingest_file(store, kind, Path(folder / name))
    return Judge(store, clock_us=lambda: FIXED_NOW_US + 3_600_000_000).step()


def test_reports_become_findings_and_incidents(client: TestClient, store: Store) -> None:
    made = _load_reports(store)
    assert made["findings"] >= 20 and made["incidents"] >= 10
    rules = {f["rule"] for f in client.get("/api/v1/findings?limit=1000").json()["items"]}
    assert {
        "weapon_in_withdrawal_zone",
        "restriction_on_monitors",
        "airspace",
        "presence_in_disengagement_area",
        "weapon_missing_from_holding_area",
    } <= rules
    queue = client.get("/api/v1/incidents?limit=1000").json()["items"]
    assert all(i["state"] == "received" for i in queue)
    confirmed = [i for i in queue if i["grade"] == "confirmed"]
    assert confirmed, "an allegation matched by a monitor's fire report is corroborated"
    # a second judge run adds nothing: ids derive from inputs
    again = Judge(store, clock_us=lambda: FIXED_NOW_US + 7_200_000_000).step()
    assert again["findings"] == 0


def _act(
    client: TestClient, token: str, incident: dict[str, Any], action: str, **payload: Any
) -> Any:
    body = {"version": incident["version"], **payload}
    return client.post(
        f"/api/v1/incidents/{incident['id']}/actions/{action}", json=body, headers=bearer(token)
    )


def test_walk_from_received_to_published(
    client: TestClient, store: Store, token_for: TokenFor
) -> None:
    _load_reports(store)
    analyst = token_for("analyst", nation="GBR")
    investigator = token_for("investigator", nation="FRA")
    reviewer = token_for("reviewer", nation="POL")
    commissioner = token_for("commissioner", nation="USA")
    queue = client.get("/api/v1/incidents?grade=confirmed").json()["items"]
    incident = client.get(f"/api/v1/incidents/{queue[0]['id']}", headers=bearer(analyst)).json()
    assert "triage" in incident["allowed_actions"]
    assert incident["findings"] and incident["findings"][0]["basis"]

    r = _act(client, investigator, incident, "triage")
    assert r.status_code == 403  # not an analyst's action for an investigator
    incident = _act(client, analyst, incident, "triage", grave=False).json()
    assert incident["state"] == "triaged"
    stale = client.post(
        f"/api/v1/incidents/{incident['id']}/actions/assign",
        json={"version": incident["version"] - 1},
        headers=bearer(investigator),
    )
    assert stale.status_code == 409
    incident = _act(client, investigator, incident, "assign").json()
    assert incident["state"] == "under_investigation"
    incident = _act(
        client,
        investigator,
        incident,
        "submit",
        summary="Crater analysis and the UA liaison's allegation agree with the patrol's bearing.",
    ).json()
    assert incident["state"] == "ready_for_review"
    determination = {
        "outcome": "violation",
        "responsible_side": "RU",
        "confidence": "medium",
        "basis": "Patrol heard outgoing fire from RU-held ground; impact inside UA.",
        "remedies": ["Notify both sides' liaison officers"],
    }
    r = _act(client, commissioner, incident, "publish")
    assert r.status_code in (403, 409)  # cannot skip the determination
    incident = _act(client, reviewer, incident, "determine", determination=determination).json()
    assert incident["state"] == "determined"
    assert incident["determination"]["responsible_side"] == "RU"
    r = _act(client, analyst, incident, "determine", determination=determination)
    assert r.status_code in (403, 409)  # sealed: a change is an amendment, never an edit
    incident = _act(client, commissioner, incident, "publish").json()
    assert incident["state"] == "published"
    actions = [d["action"] for d in incident["timeline"]]
    assert actions == ["receive", "triage", "assign", "submit", "determine", "publish"]


def test_two_person_rule(client: TestClient, store: Store, token_for: TokenFor) -> None:
    _load_reports(store)
    analyst = token_for("analyst", nation="GBR")
    both = token_for("investigator", "reviewer", nation="FRA")
    incident = client.get("/api/v1/incidents").json()["items"][0]
    incident = _act(client, analyst, incident, "triage").json()
    incident = _act(client, both, incident, "assign").json()
    incident = _act(client, both, incident, "submit", summary="done").json()
    r = _act(
        client,
        both,
        incident,
        "determine",
        determination={
            "outcome": "no_violation",
            "responsible_side": None,
            "confidence": "not_attributable",
            "basis": "No corroboration.",
            "remedies": [],
        },
    )
    assert r.status_code in (403, 409)
    assert "investigat" in r.json()["detail"]


def test_party_sees_only_released_incidents(
    client: TestClient, store: Store, token_for: TokenFor
) -> None:
    _load_reports(store)
    mission = {i["id"] for i in client.get("/api/v1/incidents?limit=1000").json()["items"]}
    liaison = token_for("party_liaison", nation="UKR", side="UA")
    seen = client.get("/api/v1/incidents?limit=1000", headers=bearer(liaison)).json()["items"]
    assert {i["id"] for i in seen} < mission
    for item in seen:
        tokens = set(item["markings"]["releasable_to"])
        assert tokens & {"PARTIES", "UA", "PUBLIC"}


def test_sanitised_release_for_a_party(
    client: TestClient, store: Store, token_for: TokenFor
) -> None:
    """A commissioner releases a finding the parties may not see, withholding its facts;
    the release is audited and the original stays as marked."""
    _load_reports(store)
    liaison = bearer(token_for("party_liaison", nation="RUS", side="RU"))
    findings = client.get("/api/v1/findings?limit=1000").json()["items"]
    hidden = next(
        f
        for f in findings
        if not {"PARTIES", "RU", "PUBLIC"} & set(f["markings"]["releasable_to"])
        and not f["markings"].get("originator_controlled")
    )
    assert client.get(f"/api/v1/findings/{hidden['id']}", headers=liaison).status_code == 404
    body = {
        "kind": "finding",
        "record_id": hidden["id"],
        "releasable_to": ["PARTIES", "MISSION"],
        "withheld": ["facts"],
        "reason": "Both liaison officers asked for the basis.",
    }
    analyst = bearer(token_for("analyst", nation="GBR"))
    assert client.post("/api/v1/releases", json=body, headers=analyst).status_code == 403
    r = client.post(
        "/api/v1/releases", json=body, headers=bearer(token_for("commissioner", nation="USA"))
    )
    assert r.status_code == 201, r.text
    release = r.json()
    assert "facts" not in release["record"] and release["record"]["basis"] == hidden["basis"]
    seen = client.get(f"/api/v1/releases/{release['id']}", headers=liaison).json()
    assert seen["record_id"] == hidden["id"] and seen["withheld"] == ["facts"]
    assert client.get(f"/api/v1/findings/{hidden['id']}", headers=liaison).status_code == 404
    audit = client.get("/api/v1/audit?action=access.release").json()["items"]
    assert audit and audit[0]["detail"]["withheld"] == ["facts"]
    bad = {**body, "withheld": ["no_such_field"]}
    r = client.post(
        "/api/v1/releases", json=bad, headers=bearer(token_for("commissioner", nation="USA"))
    )
    assert r.status_code == 400
