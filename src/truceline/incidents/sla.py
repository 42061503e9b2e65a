"""Service-level targets for each workflow stage, and which incidents are overdue (pure).

A target is the longest an incident may stay in one state; the clock starts when it
entered that state (``since``; a reassignment or an amendment does not restart it) and
``now`` is passed in, never read. Defaults, normal / grave (fire at protected sites, into
disengagement areas, casualties, or raised at triage):

==================== ============================== ======== =======
state                the step that is due           normal   grave
==================== ============================== ======== =======
received             triage                         2 h      30 min
triaged              assignment of an investigator  8 h      2 h
under_investigation  investigation, submitted       72 h     24 h
ready_for_review     review and determination       24 h     12 h
determined           publication                    24 h     6 h
==================== ============================== ======== =======

``published``, ``archived`` and ``duplicate`` have no target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final, Protocol

from truceline.errors import ConfigError
from truceline.incidents.workflow import STATES

H = timedelta(hours=1)
DEFAULT_NORMAL: Final[Mapping[str, timedelta]] = MappingProxyType(
    {
        "received": 2 * H,
        "triaged": 8 * H,
        "under_investigation": 72 * H,
        "ready_for_review": 24 * H,
        "determined": 24 * H,
    }
)
DEFAULT_GRAVE: Final[Mapping[str, timedelta]] = MappingProxyType(
    {
        "received": timedelta(minutes=30),
        "triaged": 2 * H,
        "under_investigation": 24 * H,
        "ready_for_review": 12 * H,
        "determined": 6 * H,
    }
)


class SlaSubject(Protocol):
    """What the SLA check reads from an incident (an ``IncidentState`` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def since(self) -> datetime: ...
    @property
    def grave(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """Longest stay per state, for normal and for grave incidents."""

    normal: Mapping[str, timedelta] = field(default_factory=lambda: DEFAULT_NORMAL)
    grave: Mapping[str, timedelta] = field(default_factory=lambda: DEFAULT_GRAVE)

    def target(self, state: str, grave: bool) -> timedelta | None:
        table = self.grave if grave else self.normal
        return table.get(state)


DEFAULT_TARGETS: Final = SlaTargets()


@dataclass(frozen=True, slots=True)
class Overdue:
    """One incident past its target: in which state, since when, due when, how late."""

    incident_id: str
    state: str
    since: datetime
    due: datetime
    late_by: timedelta
    target: timedelta
    grave: bool


def due_at(incident: SlaSubject, targets: SlaTargets = DEFAULT_TARGETS) -> datetime | None:
    """When the step due in the incident's current state must be done; ``None``: no target."""
    target = targets.target(incident.state, incident.grave)
    return None if target is None else incident.since + target


def overdue(
    incidents: Iterable[SlaSubject], now: datetime, targets: SlaTargets = DEFAULT_TARGETS
) -> list[Overdue]:
    """Incidents past their target at ``now``, latest first (then by id)."""
    if now.utcoffset() is None:
        raise ValueError("now must be UTC-aware")
    out = []
    for inc in incidents:
        target = targets.target(inc.state, inc.grave)
        if target is None:
            continue
        due = inc.since + target
        if now > due:
            out.append(Overdue(inc.id, inc.state, inc.since, due, now - due, target, inc.grave))
    out.sort(key=lambda o: (-o.late_by, o.incident_id))
    return out


def _table(
    hours: Mapping[str, float], defaults: Mapping[str, timedelta], name: str
) -> dict[str, timedelta]:
    table = dict(defaults)
    for state, value in hours.items():
        if state not in STATES:
            raise ConfigError(
                f"SLA {name}: unknown state {state!r}; expected one of {list(STATES)}"
            )
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if not ok:
            raise ConfigError(f"SLA {name}.{state}: {value!r} is not a positive number of hours")
        table[state] = timedelta(hours=float(value))
    return table


def targets_from_hours(
    normal: Mapping[str, float] | None = None, grave: Mapping[str, float] | None = None
) -> SlaTargets:
    """Targets from settings in hours, each overriding the default for its state."""
    return SlaTargets(
        MappingProxyType(_table(normal or {}, DEFAULT_NORMAL, "normal")),
        MappingProxyType(_table(grave or {}, DEFAULT_GRAVE, "grave")),
    )
