from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from truceline.errors import ConfigError
from truceline.incidents.sla import DEFAULT_TARGETS, due_at, overdue, targets_from_hours
from truceline.incidents.workflow import IncidentState

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _inc(iid: str, state: str, hours_ago: float, grave: bool = False) -> IncidentState:
    since = NOW - timedelta(hours=hours_ago)
    return IncidentState(iid, state, 3, since, since, grave=grave)  # type: ignore[arg-type]


def test_overdue_lists_only_incidents_past_their_stage_target_latest_first() -> None:
    incidents = [
        _inc("in-time", "received", 1.0),
        _inc("late-triage", "received", 5.0),  # target 2 h: 3 h late
        _inc("late-review", "ready_for_review", 30.0),  # target 24 h: 6 h late
        _inc("investigating", "under_investigation", 71.0),
        _inc("published", "published", 500.0),  # no target
    ]
    got = overdue(incidents, NOW)
    assert [(o.incident_id, o.late_by) for o in got] == [
        ("late-review", timedelta(hours=6)),
        ("late-triage", timedelta(hours=3)),
    ]
    assert got[0].due == NOW - timedelta(hours=6) and got[0].target == timedelta(hours=24)


def test_grave_incidents_have_tighter_targets() -> None:
    normal, grave = _inc("n", "received", 1.0), _inc("g", "received", 1.0, grave=True)
    assert [o.incident_id for o in overdue([normal, grave], NOW)] == ["g"]
    g_due, n_due = due_at(grave), due_at(normal)
    assert g_due is not None and n_due is not None and g_due < n_due


def test_exactly_at_the_target_is_not_late() -> None:
    target = DEFAULT_TARGETS.target("determined", False)
    assert target is not None
    inc = _inc("d", "determined", target.total_seconds() / 3600)
    assert overdue([inc], NOW) == []
    assert len(overdue([inc], NOW + timedelta(microseconds=1))) == 1


def test_targets_are_configurable_in_hours() -> None:
    targets = targets_from_hours(normal={"received": 0.5}, grave={"determined": 1})
    assert targets.target("received", False) == timedelta(minutes=30)
    assert targets.target("triaged", False) == DEFAULT_TARGETS.target("triaged", False)
    assert [o.incident_id for o in overdue([_inc("r", "received", 1.0)], NOW, targets)] == ["r"]
    with pytest.raises(ConfigError, match="unknown state"):
        targets_from_hours(normal={"reviewing": 3})
    with pytest.raises(ConfigError, match="positive"):
        targets_from_hours(grave={"received": 0})


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="UTC"):
        overdue([], datetime(2026, 3, 2))
