"""Signing in and out, the queue with its service-level warnings, and the workspace driven
from the keyboard alone."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Live, SignIn

ACTIVE = "() => document.activeElement && document.activeElement.outerHTML.slice(0, 80)"


def tab_until(page: Any, test_js: str, limit: int = 40, key: str = "Tab") -> int:
    """Press Tab (or ``key``) until ``test_js`` (a function of the focused element) is true."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate(f"() => ({test_js})(document.activeElement)"):
            return presses
    raise AssertionError(f"Tab never reached the element; last: {page.evaluate(ACTIVE)}")


def test_sign_in_shows_the_principal_and_sign_out_forgets_the_token(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    sign_in("analyst")
    with live.api("analyst") as c:
        me = c.get("/api/v1/whoami").json()
    who = page.locator("#who").inner_text()
    assert me["name"] in who and all(r in who for r in me["roles"]) and me["nation"] in who
    assert (
        page.evaluate("() => sessionStorage.getItem('truceline.token')") == live.tokens["analyst"]
    )
    page.click("#logout")
    page.wait_for_selector("#token")
    assert page.evaluate("() => sessionStorage.getItem('truceline.token')") is None
    assert page.locator("nav#nav").is_hidden()


def test_a_bad_token_is_refused(page: Any) -> None:
    page.goto("/")
    page.fill("#token", "tl_not-a-real-token")
    page.click("form.login button[type=submit]")
    page.wait_for_selector("form.login .form-error:has-text('not accepted')")
    assert page.evaluate("() => sessionStorage.getItem('truceline.token')") is None


def test_queue_groups_by_state_and_marks_overdue(page: Any, sign_in: SignIn, live: Live) -> None:
    sign_in("analyst", "#/queue")
    page.wait_for_selector("a.queue-link")
    with live.api("analyst") as c:
        items = c.get("/api/v1/incidents", params={"limit": 1000}).json()["items"]
    open_ = {i["id"]: i for i in items if i["state"] not in ("published", "archived", "duplicate")}
    rows = page.locator("table.queue tbody tr")
    page.wait_for_function(
        "n => document.querySelectorAll('table.queue tbody tr').length === n", arg=len(open_)
    )
    for k in range(min(rows.count(), 30)):
        row = rows.nth(k)
        item = open_[row.get_attribute("data-id")]
        late = item["sla"]["overdue_s"] > 0
        assert ("overdue" in (row.get_attribute("class") or "")) == late
        assert ("Overdue by" in row.inner_text()) == late
    headings = page.locator("section.queue-state h3").all_inner_texts()
    assert headings == sorted(
        headings,
        key=lambda h: [
            "received",
            "triaged",
            "under investigation",
            "ready for review",
            "determined",
        ].index(h.rsplit(" (", 1)[0]),
    )
    page.check("input[name=overdue]")
    late_count = sum(1 for i in open_.values() if i["sla"]["overdue_s"] > 0)
    assert rows.count() == late_count


def test_keyboard_only_sign_in_queue_and_open(page: Any, live: Live) -> None:
    page.goto("/")
    tab_until(page, "el => el.id === 'token'")
    page.keyboard.type(live.tokens["analyst"])
    page.keyboard.press("Enter")
    page.wait_for_selector("#who .who-name")
    page.wait_for_selector("#map[data-loaded=true]")
    # focus is on the map page's heading; the main navigation is before it
    tab_until(page, "el => el.matches('nav a[data-view=queue]')", key="Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("a.queue-link")
    tab_until(page, "el => el.matches('a.queue-link')")
    first = page.evaluate("() => document.activeElement.dataset.incident")
    page.keyboard.press("ArrowDown")
    second = page.evaluate("() => document.activeElement.dataset.incident")
    assert second and second != first
    focus_ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert focus_ring not in ("", "none")
    page.keyboard.press("Enter")
    page.wait_for_selector("#incident-title")
    assert page.evaluate("() => location.hash") == f"#/incident/{second}"
    # focus moves to the new page's heading, so reading starts there
    page.wait_for_function("() => document.activeElement.id === 'incident-title'")
