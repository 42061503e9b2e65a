"""Sensors stamping detections ahead of when they reach the mission are flagged, once,
and cleared once their stamps lie in the past again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from truceline.services import fusion_ahead
from truceline.services.fusion_ahead import AGAIN_FLAG, AHEAD_FLAG, AheadWatch

NOW = 1_772_409_600_000_000
AT = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = 3600 * 1_000_000


@pytest.fixture
def status(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The stored status of each sensor, as the watch reads it."""
    known: dict[str, str] = {}
    monkeypatch.setattr(fusion_ahead, "status_at",
                        lambda conn, sensor, at: known.get(sensor, "operational"))  # fmt: skip
    return known


def _spans(watch: AheadWatch, status: dict[str, str]) -> list[Any]:
    out = watch.spans(None, AT)
    status.update({s.sensor: s.status for s in out})
    return out


def test_a_sensor_stamping_hours_ahead_is_flagged_once(status: dict[str, str]) -> None:
    watch = AheadWatch()
    for k in range(AHEAD_FLAG - 1):
        watch.see("S", NOW + 2 * HOUR - k * 1_000_000, NOW)
        watch.see("T", NOW - 5_000_000, NOW)  # stamped in the past: as it should be
    assert _spans(watch, status) == []
    watch.see("S", NOW + 2 * HOUR, NOW)
    watch.see("U", NOW + 5_000_000, NOW)  # within the allowance of two hosts' clocks
    (span,) = _spans(watch, status)
    assert (span.sensor, span.status) == ("S", "degraded")
    assert "stamped up to 2 h 0 min after they reached the mission" in span.reason
    for _ in range(2 * AHEAD_FLAG):
        watch.see("S", NOW + 2 * HOUR, NOW)
    assert _spans(watch, status) == []  # flagged already


def test_a_flagged_sensor_is_cleared_once_its_stamps_are_right_again(
    status: dict[str, str],
) -> None:
    watch = AheadWatch()
    for _ in range(AHEAD_FLAG):
        watch.see("S", NOW + 150_000_000, NOW)
    assert [s.status for s in _spans(watch, status)] == ["degraded"]
    for _ in range(AGAIN_FLAG - 1):
        watch.see("S", NOW - 1_000_000, NOW)
    watch.see("S", NOW + 150_000_000, NOW)  # still ahead now and then: not cleared
    for _ in range(AGAIN_FLAG - 1):
        watch.see("S", NOW - 1_000_000, NOW)
    assert _spans(watch, status) == []
    watch.see("S", NOW - 1_000_000, NOW)
    (span,) = _spans(watch, status)
    assert (span.status, span.reason) == (
        "operational",
        "fusion: sensor S's detections are stamped in the past again",
    )


def test_a_sensor_already_degraded_is_not_recorded_again(status: dict[str, str]) -> None:
    """A restarted worker, or a sensor degraded for another reason, gets no second span."""
    status["S"] = "degraded"
    watch = AheadWatch()
    for _ in range(AHEAD_FLAG):
        watch.see("S", NOW + HOUR, NOW)
    assert _spans(watch, status) == [] and "S" in watch.flagged
