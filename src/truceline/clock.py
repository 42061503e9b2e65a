"""The wall clock, for edges and services only: the pure core takes time as an argument."""

from __future__ import annotations

import time


def now_us() -> int:
    """Microseconds since the Unix epoch."""
    return time.time_ns() // 1000
