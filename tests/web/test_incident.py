"""The incident page: buttons only for the actions the API allows, forms for their
payloads, a stale version handled, and sensitive evidence behind an explicit click."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Live, SignIn


def open_incident(page: Any, incident_id: str) -> None:
    page.evaluate("h => { location.hash = h }", f"#/incident/{incident_id}")
    page.wait_for_selector("#incident-title")


def buttons(page: Any) -> set[str]:
    return {b.get_attribute("data-action") for b in page.locator("button.action").all()}


def test_allowed_action_is_performed_and_forbidden_ones_are_absent(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    incident = live.claim_incident("analyst", "received")
    sign_in("analyst")
    open_incident(page, incident["id"])
    with live.api("analyst") as c:
        view = c.get(f"/api/v1/incidents/{incident['id']}").json()
        # assigning is for investigators: the API refuses it, and the page offers no button
        refused = c.post(
            f"/api/v1/incidents/{incident['id']}/actions/assign",
            json={"version": view["version"], "investigator": "web-investigator"},
        )
    assert refused.status_code == 403
    assert buttons(page) == set(view["allowed_actions"])
    assert "triage" in buttons(page) and "assign" not in buttons(page)
    assert "determine" not in buttons(page) and "publish" not in buttons(page)

    page.click("button.action[data-action=triage]")
    page.fill("form[data-action=triage] textarea[name=note]", "Accepted from the browser test.")
    page.click("form[data-action=triage] button[type=submit]")
    page.wait_for_selector(".badge.state:text-is('triaged')")
    with live.api("analyst") as c:
        after = c.get(f"/api/v1/incidents/{incident['id']}").json()
    assert after["state"] == "triaged" and after["version"] == view["version"] + 1
    assert after["timeline"][-1]["payload"]["note"] == "Accepted from the browser test."
    assert page.locator("ol.timeline li").count() == len(after["timeline"])
    assert buttons(page) == set(after["allowed_actions"])
    assert "triage" not in buttons(page)


def test_investigator_assigns_with_the_form(page: Any, sign_in: SignIn, live: Live) -> None:
    incident = live.claim_incident("analyst", "received")
    with live.api("analyst") as c:
        r = c.post(
            f"/api/v1/incidents/{incident['id']}/actions/triage",
            json={"version": incident["version"]},
        )
        assert r.status_code == 200, r.text
    sign_in("investigator")
    open_incident(page, incident["id"])
    assert "assign" in buttons(page) and "triage" not in buttons(page)
    page.click("button.action[data-action=assign]")
    field = page.locator("form[data-action=assign] input[name=investigator]")
    assert field.input_value() == "web-investigator"  # defaults to the signed-in user
    page.click("form[data-action=assign] button[type=submit]")
    page.wait_for_selector(".badge.state:text-is('under investigation')")
    with live.api("investigator") as c:
        after = c.get(f"/api/v1/incidents/{incident['id']}").json()
    assert after["state"] == "under_investigation" and after["investigator"] == "web-investigator"
    assert "submit" in buttons(page)


def test_a_stale_version_409_is_explained_and_reloaded(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    """Two investigators reassign at once: the second request names an old version (409)."""
    incident = live.claim_incident("analyst", "received")
    with live.api("analyst") as c:
        c.post(
            f"/api/v1/incidents/{incident['id']}/actions/triage",
            json={"version": incident["version"]},
        ).raise_for_status()
    with live.api("investigator") as c:
        c.post(
            f"/api/v1/incidents/{incident['id']}/actions/assign",
            json={"version": incident["version"] + 1},
        ).raise_for_status()
    sign_in("investigator")
    open_incident(page, incident["id"])
    page.click("button.action[data-action=assign]")
    with live.api("investigator") as c:  # someone else reassigns first
        r = c.post(
            f"/api/v1/incidents/{incident['id']}/actions/assign",
            json={"version": incident["version"] + 2, "note": "first"},
        )
        assert r.status_code == 200, r.text
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("form[data-action=assign] button[type=submit]")
    assert answer.value.status == 409
    alert = page.locator(".alert.warn")
    alert.wait_for()
    assert "changed this incident" in alert.inner_text()
    page.wait_for_selector(f".badge:text-is('version {incident['version'] + 3}')")


def _received_and_live(page: Any, sign_in: SignIn, live: Live) -> dict[str, Any]:
    """A received incident open in the analyst's page, with the live stream connected."""
    incident = live.claim_incident("analyst", "received")
    sign_in("analyst")
    open_incident(page, incident["id"])
    page.wait_for_selector("#live[data-state=live]")
    return incident


def _triaged_elsewhere(live: Live, incident: dict[str, Any]) -> None:
    """Someone else triages the incident through the API."""
    with live.api("analyst") as c:
        c.post(
            f"/api/v1/incidents/{incident['id']}/actions/triage",
            json={"version": incident["version"], "note": "first"},
        ).raise_for_status()


def test_a_live_update_keeps_an_open_form_and_says_it_is_out_of_date(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    """Someone else acts while a form is being filled in: the text typed stays, a warning
    says why the form is out of date, and cancelling shows the new version."""
    incident = _received_and_live(page, sign_in, live)
    page.click("button.action[data-action=triage]")
    note = page.locator("form[data-action=triage] textarea[name=note]")
    note.fill("Half written.")
    _triaged_elsewhere(live, incident)
    page.locator(".alert.warn:has-text('while your form was open')").wait_for()
    assert note.input_value() == "Half written."
    assert page.locator(".badge.state").inner_text() == "received"
    page.click("form[data-action=triage] button:text-is('Cancel')")
    page.wait_for_selector(".badge.state:text-is('triaged')")
    page.locator(".alert.warn:has-text('just updated by someone else')").wait_for()
    assert "triage" not in buttons(page)


def test_a_live_update_reloads_a_page_without_an_open_form(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    incident = _received_and_live(page, sign_in, live)
    _triaged_elsewhere(live, incident)
    page.wait_for_selector(f".badge:text-is('version {incident['version'] + 1}')")
    page.locator(".alert.warn:has-text('just updated by someone else')").wait_for()


def test_an_action_overtaken_by_another_is_explained(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    """Someone triaged first: the action is no longer open (403); the page reloads."""
    incident = live.claim_incident("analyst", "received")
    sign_in("analyst")
    open_incident(page, incident["id"])
    page.click("button.action[data-action=triage]")
    with live.api("analyst") as c:
        r = c.post(
            f"/api/v1/incidents/{incident['id']}/actions/triage",
            json={"version": incident["version"], "note": "first"},
        )
        assert r.status_code == 200, r.text
    page.click("form[data-action=triage] button[type=submit]")
    page.locator(".alert.warn:has-text('changed this incident')").wait_for()
    page.wait_for_selector(".badge.state:text-is('triaged')")
    assert "triage" not in buttons(page)


def test_observer_sees_the_incident_but_no_actions(page: Any, sign_in: SignIn, live: Live) -> None:
    with live.api("observer") as c:
        items = c.get("/api/v1/incidents", params={"limit": 5}).json()["items"]
        assert items, "some incidents are released to the observer"
        view = c.get(f"/api/v1/incidents/{items[0]['id']}").json()
    assert view["allowed_actions"] == []
    sign_in("observer")
    open_incident(page, items[0]["id"])
    assert page.locator("#incident-title").inner_text() == (view["title"] or view["id"])
    assert buttons(page) == set()
    assert "None" in page.locator("section.actions").inner_text()


def test_incident_shows_timeline_sources_and_basis(page: Any, sign_in: SignIn, live: Live) -> None:
    with live.api("analyst") as c:
        items = c.get("/api/v1/incidents", params={"limit": 1000}).json()["items"]
        chosen = next(i for i in items if any(s["kind"] == "finding" for s in i["sources"]))
        view = c.get(f"/api/v1/incidents/{chosen['id']}").json()
    sign_in("analyst")
    open_incident(page, chosen["id"])
    text = page.locator("article.incident").inner_text()
    for finding in view["findings"]:
        assert finding["basis"] in text
    assert page.locator("ol.timeline li").count() == len(view["timeline"])
    assert f"Corroborating sources ({len(view['sources'])})" in text


def test_sensitive_evidence_opens_only_after_a_click(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    incident = live.claim_incident("analyst", "received")
    content = b"ILLUSTRATIVE test evidence: a graphic photograph would be here.\n"
    with live.api("analyst") as c:
        r = c.post(
            f"/api/v1/incidents/{incident['id']}/evidence",
            files={"file": ("photo.txt", content, "text/plain")},
            data={"sensitive": "true", "description": "browser test"},
        )
        assert r.status_code == 201, r.text
    sign_in("analyst")
    open_incident(page, incident["id"])
    row = page.locator("tr.sensitive")
    row.wait_for()
    assert row.locator("a.download").count() == 0
    opened: list[str] = []
    page.on("request", lambda req: opened.append(req.url) if "/content" in req.url else None)
    row.locator("button.reveal").click()
    assert opened == []  # the first click only warns
    row.locator("button.confirm-open").click()
    link = row.locator("a.download")
    link.wait_for()
    assert opened and opened[-1].endswith("/content?confirm=1")
    href = link.get_attribute("href")
    assert href.startswith("blob:")
    size = page.evaluate("u => fetch(u).then(r => r.arrayBuffer()).then(b => b.byteLength)", href)
    assert size == len(content)
