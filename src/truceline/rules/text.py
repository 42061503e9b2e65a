"""Numbers and names as a finding's ``basis`` sentence gives them (pure)."""

from __future__ import annotations

from datetime import datetime

from truceline.agreement.model import Agreement
from truceline.timefmt import format_time


def distance(m: float) -> str:
    """Metres below 1 km ("250 m"), else kilometres to 0.1 ("14.2 km")."""
    if m < 995.0:
        return f"{m:.0f} m"
    return f"{m / 1000:.1f} km"


def side(agreement: Agreement, code: str | None, *, named: bool = False) -> str:
    """``side RU``, optionally with the agreement's name for it."""
    if code is None:
        return "neither side"
    name = agreement.side_name(code)
    return f"side {code} ({name})" if named and name != code else f"side {code}"


def when(t: datetime) -> str:
    return format_time(t)


def span(t0: datetime, t1: datetime) -> str:
    """``at T`` or ``between T0 and T1``."""
    return f"at {when(t0)}" if t0 == t1 else f"between {when(t0)} and {when(t1)}"


def count(n: int, qualifier: str) -> str:
    prefix = {"approx": "about ", "at_least": "at least "}.get(qualifier, "")
    return f"{prefix}{n}"


def metres(m: float) -> float:
    """A distance rounded for ``facts`` (decimetres: far below any location's error)."""
    return round(float(m), 1)


MEANS = {
    "heard": "heard",
    "seen": "seen",
    "heard_and_seen": "heard and seen",
    "camera": "seen on camera",
    "uav": "seen from a UAV",
    "satellite": "seen on satellite imagery",
    "inspection": "found on inspection",
    "document": "documented",
}


def means(value: str | None) -> str:
    """How a report knows, as a participle: "seen from a UAV"; "reported" when not said."""
    return MEANS.get(value or "", "reported")
