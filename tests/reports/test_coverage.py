"""Sensor coverage: status spans resolved into pieces that tile the period."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truceline.reports.coverage import Span, resolve, seconds_by_status

T0 = datetime(2026, 3, 2, tzinfo=UTC)
T1 = T0 + timedelta(days=1)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_outage_inside_the_day() -> None:
    pieces = resolve([Span("non_operational", h(1), h(7.5), "power cut")], T0, T1)
    assert [p.status for p in pieces] == ["operational", "non_operational", "operational"]
    assert seconds_by_status(pieces)["non_operational"] == 6.5 * 3600


def test_spans_are_clipped_to_the_period_and_open_spans_run_on() -> None:
    pieces = resolve([Span("non_operational", h(-5), None)], T0, T1)
    assert seconds_by_status(pieces) == {"non_operational": 24 * 3600}


def test_the_span_recorded_last_wins_where_spans_overlap() -> None:
    spans = [Span("degraded", h(0), h(12)), Span("non_operational", h(6), h(8))]
    secs = seconds_by_status(resolve(spans, T0, T1))
    assert secs == {"degraded": 10 * 3600, "non_operational": 2 * 3600, "operational": 12 * 3600}
    correction = [Span("non_operational", h(0), h(12)), Span("operational", h(0), h(12))]
    assert seconds_by_status(resolve(correction, T0, T1)) == {"operational": 24 * 3600}


hours = st.floats(min_value=-30, max_value=54, allow_nan=False)
statuses = st.sampled_from(["operational", "degraded", "non_operational"])


@given(st.lists(st.tuples(statuses, hours, hours), max_size=8))
def test_pieces_tile_the_period(raw: list[tuple[str, float, float]]) -> None:
    spans = [Span(s, h(min(a, b)), h(max(a, b) + 0.01)) for s, a, b in raw]
    pieces = resolve(spans, T0, T1)
    assert pieces[0].start == T0 and pieces[-1].end == T1
    for a, b in itertools.pairwise(pieces):
        assert a.end == b.start
    assert sum(seconds_by_status(pieces).values()) == pytest.approx(24 * 3600)
