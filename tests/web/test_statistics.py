"""The statistics view: the chart and table carry the API's counts; on a server without the
statistics endpoint the page counts the visible fire findings itself, to the same result."""

from __future__ import annotations

from typing import Any

import orjson

from tests.web.conftest import Live, SignIn
from truceline.timefmt import format_time, parse_time

CHART_TOTAL = """() => window.truceline.chart.data.datasets
  .reduce((n, d) => n + d.data.reduce((a, b) => a + b, 0), 0)"""


def shown_rows(page: Any) -> list[tuple[str, str, str, int]]:
    rows = page.locator("table.stats tbody tr")
    out = []
    for k in range(rows.count()):
        cells = rows.nth(k).locator("td").all_inner_texts()
        out.append((cells[0], cells[1], cells[2], int(cells[3])))
    return sorted(out)


def api_rows(live: Live, page: Any) -> list[tuple[str, str, str, int]]:
    start = page.input_value("input[name=from]")
    end = page.input_value("input[name=to]")
    with live.api("analyst") as c:
        days = c.get(
            "/api/v1/stats/violations",
            params={"from": f"{start}T00:00:00Z", "to": f"{end}T23:59:59Z"},
        ).json()["days"]
    return sorted((d["date"], d["sector"], d["responsible_side"], d["count"]) for d in days)


def test_chart_and_table_show_the_api_counts(page: Any, sign_in: SignIn, live: Live) -> None:
    sign_in("analyst", "#/stats")
    page.wait_for_selector("table.stats")
    want = api_rows(live, page)
    assert want, "the seeded store has fire findings"
    assert shown_rows(page) == want
    assert page.evaluate(CHART_TOTAL) == sum(r[3] for r in want)
    page.select_option("select[name=group]", "sector")
    labels = page.evaluate("() => window.truceline.chart.data.datasets.map(d => d.label)")
    assert sorted(labels) == sorted({r[1] for r in want})


def test_without_the_endpoint_findings_are_counted_in_the_browser(
    page: Any, sign_in: SignIn, live: Live
) -> None:
    def hide_stats(route: Any) -> None:
        spec = orjson.loads(route.fetch().body())
        del spec["paths"]["/api/v1/stats/violations"]
        route.fulfill(json=spec)

    page.route("**/api/v1/openapi.json", hide_stats)
    sign_in("analyst", "#/stats")
    page.wait_for_selector("table.stats")
    assert "counted in your browser" in page.locator("p.status").inner_text()
    assert shown_rows(page) == api_rows(live, page)


def test_the_counts_say_how_far_blasts_are_located(page: Any, sign_in: SignIn, live: Live) -> None:
    """Fire findings rest on events that live fusion releases minutes after their
    blasts: where it has released them only to a time before the period's end (the
    statistics say it, as the events list does), the page says the counts after it are
    not complete yet."""
    complete = parse_time(f"{live.day}T18:30:00Z")
    with live.fusion_front(complete):
        with live.api("analyst") as c:
            said = c.get("/api/v1/stats/violations").json()["complete_to"]
        assert said == format_time(complete)
        sign_in("analyst", f"#/stats?from={live.day}&to={live.day}")
        page.wait_for_selector("table.stats")
        note = page.locator("p.status").inner_text()
        assert f"Blasts are located only to {live.day} 18:30 UTC" in note
        assert "the counts after it are not complete yet" in note
