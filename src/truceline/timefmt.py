"""RFC 3339 times as the interchange formats use them (pure).

The specs allow up to nine fractional digits and require readers to keep at least
microseconds. Python's ``datetime`` keeps exactly microseconds, so extra digits are
rounded half-even to the microsecond rather than rejected. Every time is UTC; an offset
other than ``Z``/``+00:00`` is accepted and converted, because field devices sometimes
send local offsets, but output is always written with ``Z``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|z|[+-]\d{2}:\d{2})$"
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp into an aware UTC datetime.

    Raises ``ValueError`` with a short reason (the caller names the field).
    """
    if not isinstance(text, str):
        raise ValueError("expected an RFC 3339 string")
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    year, month, day, hour, minute, sec, frac, zone = m.groups()
    second = int(sec)
    # Round the fraction to microseconds (half-even) so nanosecond inputs keep their
    # best microsecond value.
    micros, rest = divmod(int(((frac or "") + "000000000")[:9]), 1000)
    if rest > 500 or (rest == 500 and micros % 2 == 1):
        micros += 1
    if second == 60:  # leap second: RFC 3339 allows it, datetime does not
        raise ValueError("leap seconds are not supported")
    carry = micros // 1_000_000  # a fraction rounded up to the next second
    value = datetime(int(year), int(month), int(day), int(hour), int(minute), second,
                     micros - carry * 1_000_000, tzinfo=UTC)  # fmt: skip
    if carry:
        value += timedelta(seconds=carry)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        value -= sign * offset
    return value


def format_time(value: datetime) -> str:
    """Write an aware datetime as RFC 3339 UTC with a ``Z`` and microseconds when needed."""
    value = value.astimezone(UTC)
    # not strftime: its %Y does not zero-pad years before 1000 on glibc
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch: exact, sortable, portable across SQL backends."""
    delta = value.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    """Inverse of :func:`to_micros`."""
    return EPOCH + timedelta(microseconds=micros)
