"""Basic accessibility (landmarks, a label on every control, names on every button) on
every view, and the promise that the workspace asks nothing of any host but its own."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Live, Requests, SignIn, wait_for_map

UNLABELLED = """() => {
  const named = el => (el.getAttribute('aria-label') || '').trim() ||
    (el.getAttribute('aria-labelledby') || '').trim() ||
    (el.labels && [...el.labels].some(l => l.textContent.trim()));
  const visible = el => el.type !== 'hidden' && el.getClientRects().length > 0;
  const controls = [...document.querySelectorAll('input, select, textarea')].filter(visible);
  const buttons = [...document.querySelectorAll('button, a[href]')].filter(visible);
  return {
    controls: controls.length,
    unlabelled: controls.filter(el => !named(el)).map(el => el.outerHTML.slice(0, 120)),
    nameless: buttons.filter(el => !(el.textContent.trim() || el.getAttribute('aria-label') ||
                                     el.getAttribute('title')))
                     .map(el => el.outerHTML.slice(0, 120)),
  };
}"""


LOW_CONTRAST = """() => {
  const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.maplibregl-map') || el.getClientRects().length === 0) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) < 0.5) continue;
    const [l1, l2] = [lum(rgba(style.color)), lum(background(el))].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const large = parseFloat(style.fontSize) >= 24 ||
      (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      bad.push([el.tagName, el.textContent.trim().slice(0, 30), ratio.toFixed(2)]);
    }
  }
  return bad;
}"""


def check_contrast(page: Any, view: str) -> None:
    """WCAG 2.2 AA: text contrast against its (opaque) background of 4.5:1, 3:1 when large."""
    assert page.evaluate(LOW_CONTRAST) == [], view


def check_labels(page: Any, view: str) -> int:
    check_contrast(page, view)
    found = page.evaluate(UNLABELLED)
    assert found["unlabelled"] == [], (view, found["unlabelled"])
    assert found["nameless"] == [], (view, found["nameless"])
    return int(found["controls"])


def test_every_control_is_labelled_on_every_view(page: Any, sign_in: SignIn, live: Live) -> None:
    page.goto("/")
    page.wait_for_selector("#token")
    assert check_labels(page, "login") >= 1
    sign_in("analyst")
    wait_for_map(page)
    landmarks = page.evaluate(
        "() => ['header', 'nav', 'main'].map(t => document.querySelectorAll(t).length)"
    )
    assert landmarks == [1, 1, 1]
    assert page.locator("nav").get_attribute("aria-label")
    assert check_labels(page, "map") >= 8
    page.evaluate("() => { location.hash = '#/queue' }")
    page.wait_for_selector("a.queue-link")
    assert check_labels(page, "queue") >= 4
    incident = live.claim_incident("analyst", "received")
    page.evaluate("h => { location.hash = h }", f"#/incident/{incident['id']}")
    page.wait_for_selector("button.action[data-action=triage]")
    page.click("button.action[data-action=triage]")
    page.wait_for_selector("form[data-action=triage]")
    assert check_labels(page, "incident with a form open") >= 2
    page.evaluate("() => { location.hash = '#/stats' }")
    page.wait_for_selector("table.stats")
    assert check_labels(page, "statistics") >= 4
    assert page.locator("#stats-chart").get_attribute("aria-label")


def test_no_request_leaves_the_server(
    page: Any, sign_in: SignIn, live: Live, requests_seen: Requests
) -> None:
    sign_in("analyst")
    wait_for_map(page)
    page.wait_for_function("() => window.truceline.map.areTilesLoaded()")
    for hash_, ready in (("#/queue", "a.queue-link"), ("#/stats", "table.stats")):
        page.evaluate("h => { location.hash = h }", hash_)
        page.wait_for_selector(ready)
    page.locator("a.queue-link").count()
    assert any("/assets/" in u for u in requests_seen.urls)
    assert any("/api/v1/events" in u for u in requests_seen.urls)
    assert requests_seen.foreign(live.url) == []


def test_the_page_forbids_other_origins(page: Any, live: Live) -> None:
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self' blob:;" in csp
    # The browser itself refuses (a CSP violation), whether or not the network is reachable.
    violation = page.evaluate("""() => new Promise(resolve => {
      document.addEventListener('securitypolicyviolation',
        e => resolve([e.effectiveDirective, e.blockedURI]), {once: true});
      fetch('https://example.org/tiles/1/1/1.png').catch(() => {});
    })""")
    assert violation == ["connect-src", "https://example.org/tiles/1/1/1.png"]
