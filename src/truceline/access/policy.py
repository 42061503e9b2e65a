"""Who may see and do what (pure). The store's queries apply the same rules in SQL.

Audiences (docs/formats/markings.md): a record's ``releasable_to`` tokens each name an
audience; a principal sees a record when it belongs to one of them, or when it is the
record's originator. Party liaison officers are matched only as parties (``PARTIES`` or
their side's code) and never through a nation code, so that a party never reads a nation's
data by sharing its country code. A ``sensor_feed`` writes and never reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from truceline.access.markings import NOBODY
from truceline.formats.records import Markings

ROLES: tuple[str, ...] = (
    "admin",
    "monitor",
    "analyst",
    "investigator",
    "reviewer",
    "commissioner",
    "party_liaison",
    "observer",
    "sensor_feed",
    "public",
)
MISSION_ROLES = frozenset(
    {"admin", "monitor", "analyst", "investigator", "reviewer", "commissioner"}
)
COALITION_ROLES = MISSION_ROLES | {"observer"}

# What each permission needs: any one of these roles.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES) - {"sensor_feed"},
    "ingest:sensor_data": frozenset({"admin", "sensor_feed", "monitor"}),
    "ingest:observations": frozenset({"admin", "monitor", "analyst", "party_liaison"}),
    "admin:agreements": frozenset({"admin"}),
    "admin:sensors": frozenset({"admin"}),
    "sensors:status": frozenset({"admin", "monitor", "sensor_feed"}),
    "admin:principals": frozenset({"admin"}),
    "audit:read": frozenset({"admin", "commissioner"}),
    "release:sanitise": frozenset({"admin", "commissioner"}),
    # the workflow decides which role may take which action in which state
    "incidents:act": frozenset(
        {"admin", "monitor", "analyst", "investigator", "reviewer", "commissioner", "party_liaison"}
    ),
    # evidence files: every handler is a named principal (the chain of custody names them)
    "evidence:upload": frozenset({"admin", "monitor", "analyst", "investigator", "party_liaison"}),
    "evidence:read": frozenset(ROLES) - {"sensor_feed", "public"},
    "evidence:work": MISSION_ROLES,
    # publishing a report for distribution (it becomes a ledger leaf)
    "reports:publish": frozenset({"admin", "commissioner"}),
    # alert webhooks: a named principal subscribes; it receives only alerts it may read
    "alerts:subscribe": frozenset(ROLES) - {"sensor_feed", "public"},
}


@dataclass(frozen=True, slots=True)
class Principal:
    """A user or service account (or the anonymous public) making a request."""

    name: str
    nation: str
    roles: frozenset[str]
    side: str | None = None
    kind: str = "user"
    id: int | None = None
    tokens: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def is_party(self) -> bool:
        return "party_liaison" in self.roles

    @property
    def is_mission(self) -> bool:
        return bool(self.roles & MISSION_ROLES)

    def may(self, permission: str) -> bool:
        return bool(self.roles & PERMISSIONS[permission])


PUBLIC = Principal(name="public", nation="PUBLIC", roles=frozenset({"public"}), kind="anonymous")


def release_tokens(p: Principal) -> frozenset[str]:
    """The release tokens that reach ``p``: a record marked with any of them is visible."""
    if "sensor_feed" in p.roles and len(p.roles) == 1:
        return frozenset()
    tokens = {"PUBLIC"}
    if p.is_party:
        tokens.add("PARTIES")
        if p.side:
            tokens.add(p.side)
        return frozenset(tokens)
    if p.is_mission:
        tokens.add("MISSION")
    if p.roles & COALITION_ROLES and p.nation not in ("PUBLIC", "MISSION"):
        tokens.add("COALITION")
    if p.roles - {"public"} and p.nation not in ("PUBLIC",):
        tokens.add(p.nation)
    return frozenset(tokens)


def originator_code(p: Principal) -> str | None:
    """The originator code under which ``p`` files records (and so sees its own)."""
    if p.is_party:
        return p.side
    if p.roles <= {"public"} or p.nation in ("MISSION", "PUBLIC"):
        return None
    return p.nation


def can_see(p: Principal, markings: Markings | None, originator: str | None) -> bool:
    """Whether ``p`` may see a record with these markings from this originator."""
    if not p.may("read"):
        return False
    m = markings or Markings()
    if NOBODY in m.releasable_to:
        return "admin" in p.roles
    own = originator_code(p)
    if own is not None and originator is not None and own == originator:
        return True
    return bool(release_tokens(p) & set(m.releasable_to))


def parse_roles(roles: Iterable[str]) -> frozenset[str]:
    out = frozenset(roles)
    unknown = out - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
    return out
