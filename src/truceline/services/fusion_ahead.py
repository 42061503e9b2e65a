"""Sensors that stamp their detections ahead of when they reach the mission.

No link delivers a detection before it happened, so a detection stamped later than the
moment the worker reads it says, without any statistics, that its sensor's clock runs
fast. The clock checks (:mod:`truceline.fusion.clocks`) find a clock minutes off from the
arrivals events predict for it, and correct it; a clock hours off (a time zone taken for
UTC: two or three hours in Ukraine) lies beyond their reach, its detections wait in the
future for pools that never come, and association counts the sensor as down while its
status said operational. This watch reads the stamps against the worker's clock and
records a ``degraded`` status span for such a sensor, and an ``operational`` one once its
detections come stamped in the past again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truceline.services.sensors import StatusSpan, status_at

AHEAD_US = 10 * 1_000_000  # stamped this far past the worker's clock: the clock runs fast
AHEAD_FLAG = 3  # detections so stamped before the sensor is flagged
AGAIN_FLAG = 5  # detections stamped in the past, none ahead since, before it is cleared


def _span(ahead_us: int) -> str:
    """How far ahead, in an operator's words (hours and minutes where it is that much)."""
    s = ahead_us / 1e6
    hours, rest = divmod(round(s), 3600)
    if hours:
        return f"{hours} h {rest // 60} min"
    minutes, seconds = divmod(s, 60.0)
    return f"{minutes:.0f} min {seconds:.0f} s" if minutes >= 1 else f"{s:.1f} s"


@dataclass
class AheadWatch:
    """Each sensor's detections stamped ahead of the worker's clock since it was last
    answered for, and those stamped in the past since its last one ahead."""

    ahead: dict[str, tuple[int, int]] = field(default_factory=dict)  # count, furthest (µs)
    again: dict[str, int] = field(default_factory=dict)  # of a flagged sensor, stamped right
    flagged: set[str] = field(default_factory=set)

    def see(self, sensor: str, time_us: int, now_us: int) -> None:
        """One detection of ``sensor`` stamped ``time_us``, read at ``now_us``."""
        lead = time_us - now_us
        if lead > AHEAD_US:
            self.again.pop(sensor, None)
            if sensor not in self.flagged:
                n, most = self.ahead.get(sensor, (0, 0))
                self.ahead[sensor] = (n + 1, max(most, lead))
        elif sensor in self.flagged:
            self.again[sensor] = self.again.get(sensor, 0) + 1

    def spans(self, conn: Any, at: datetime) -> list[StatusSpan]:
        """The status spans to record at ``at``: ``degraded`` for a sensor with
        ``AHEAD_FLAG`` detections ahead, ``operational`` for a flagged one with
        ``AGAIN_FLAG`` stamped right since; none where the status is already so (a
        restarted worker, or a sensor flagged for another reason)."""
        out = []
        for sensor, (n, most) in list(self.ahead.items()):
            if n < AHEAD_FLAG:
                continue
            self.flagged.add(sensor)
            del self.ahead[sensor]
            if status_at(conn, sensor, at) != "degraded":
                reason = (f"fusion: {n} of sensor {sensor}'s detections were stamped up to "
                          f"{_span(most)} after they reached the mission: its clock runs at "
                          "least that fast (a time zone taken for UTC?)")  # fmt: skip
                out.append(StatusSpan(sensor, "degraded", at, None, reason))
        for sensor, n in list(self.again.items()):
            if n < AGAIN_FLAG:
                continue
            self.flagged.discard(sensor)
            del self.again[sensor]
            if status_at(conn, sensor, at) == "degraded":
                reason = f"fusion: sensor {sensor}'s detections are stamped in the past again"
                out.append(StatusSpan(sensor, "operational", at, None, reason))
        return out
