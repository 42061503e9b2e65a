"""A finding: a term of the agreement that a subject appears to break (pure).

Its shape is docs/formats/findings.md. The id is derived from the rule, the agreement id
and the key of the happening it judges (e.g. both ids of a launch/impact pair, even when
only one of them is at hand yet, plus a discriminator such as the protected site), so that
judging the same inputs again, or more of them later, yields the same id: the store
upserts, never duplicates. The agreement version is left out of the id on purpose: a
corrected version re-judges the same happening into the same finding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truceline.formats.records import Markings, to_json_dict
from truceline.timefmt import format_time

RULES: tuple[str, ...] = (
    "fire",
    "fire_at_protected_site",
    "fire_in_disengagement_area",
    "weapon_in_withdrawal_zone",
    "presence_in_disengagement_area",
    "airspace",
    "restriction_on_monitors",
    "weapon_missing_from_holding_area",
)


def finding_id(rule: str, agreement_id: str, key: Sequence[str], discriminator: str = "") -> str:
    """``fd-`` and 16 hex digits of SHA-256 over the rule, agreement, sorted key and tag."""
    text = "\x1f".join([rule, agreement_id, *sorted(key), discriminator])
    return "fd-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding; :meth:`to_dict` is its line in ``findings.ndjson``."""

    id: str
    rule: str
    subjects: tuple[str, ...]
    time: datetime
    location: tuple[float, float] | None  # (lat, lon)
    responsible_side: str | None
    affected_side: str | None
    grave: bool
    agreement_id: str
    agreement_version: int
    instrument: str | None
    basis: str
    facts: Mapping[str, Any] = field(default_factory=dict, hash=False)
    markings: Markings | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "rule": self.rule,
            "subjects": list(self.subjects),
            "time": format_time(self.time),
            "location": None
            if self.location is None
            else {"lat": round(self.location[0], 7), "lon": round(self.location[1], 7)},
            "responsible_side": self.responsible_side,
            "affected_side": self.affected_side,
            "grave": self.grave,
            "agreement": {"id": self.agreement_id, "version": self.agreement_version},
            "instrument": self.instrument,
            "basis": self.basis,
            "facts": dict(self.facts),
        }
        if self.markings is not None:
            out["markings"] = to_json_dict(self.markings)
        return out
