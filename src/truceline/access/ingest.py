"""Who may file which input record (pure): the per-record half of write authorisation.

The route checks the permission for the kind (``ingest:sensor_data``, ...); this decides per
record, because the answer depends on the record: a sensor feed writes only for its own
nation's sensors, a party's liaison files only allegations in its own side's name, monitors
file monitor reports, analysts open-source reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from truceline.access.policy import Principal

Authorizer = Callable[[dict[str, Any]], str | None]


def sensor_data_authorizer(p: Principal) -> Authorizer | None:
    """Detections, tracks: a feed for its nation's sensors; a monitor for the mission's."""
    if "admin" in p.roles:
        return None
    owners = set()
    if "sensor_feed" in p.roles:
        owners.add(p.nation)
    if "monitor" in p.roles:
        owners.add("MISSION")

    def check(row: dict[str, Any]) -> str | None:
        if row.get("originator") in owners:
            return None
        return f"{p.name} may not file data for sensors owned by {row.get('originator')}"

    return check


OBSERVATION_TYPES_BY_ROLE = {
    "monitor": "monitor_report",
    "analyst": "open_source",
    "party_liaison": "allegation",
}


def observation_authorizer(p: Principal) -> Authorizer | None:
    if "admin" in p.roles:
        return None
    allowed = {t for role, t in OBSERVATION_TYPES_BY_ROLE.items() if role in p.roles}

    def check(row: dict[str, Any]) -> str | None:
        kind = row.get("type")
        if kind not in allowed:
            return f"{p.name} ({', '.join(sorted(p.roles))}) may not file {kind} records"
        if kind == "allegation" and row.get("originator") != p.side:
            return f"a liaison of side {p.side} files allegations only as originator {p.side}"
        return None

    return check
