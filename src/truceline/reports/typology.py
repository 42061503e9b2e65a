"""Ceasefire violations in the OSCE SMM's typology (pure).

The SMM's daily reports counted ceasefire violations by what monitors perceived:
explosions (by subtype: impact, airburst, outgoing, undetermined), projectiles in flight,
muzzle flashes, illumination flares, and bursts and shots of small-arms and heavy
machine-gun fire (docs/formats/observations.md keeps the same categories). Truceline's
``fire`` findings rest on fused sensor events and on monitors' reports; each subject of a
finding (each entry of its ``facts.shots``) is counted here as the SMM would have counted
it:

* a monitor's report counts ``count`` items (default 1) of its ``category``; an
  ``explosion`` keeps its ``subtype`` (``undetermined`` when none is given); ``burst`` and
  ``shot`` fall together under "bursts and shots", as in the SMM's tables;
* a fused event counts one item: a ``small_arms`` event is a burst or shot; any other
  weapon (artillery, mortar, MLRS, tank, or an explosion of unknown weapon) is an
  explosion whose subtype is the event's phase: ``launch`` → outgoing, ``impact`` →
  impact, ``unknown`` → undetermined.

So a paired launch and impact (one finding) counts two explosions, one outgoing and one
impact, exactly as two monitors, one at each end, would have reported them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

KINDS: tuple[str, ...] = (
    "explosion_impact",
    "explosion_airburst",
    "explosion_outgoing",
    "explosion_undetermined",
    "projectile_in_flight",
    "muzzle_flash",
    "illumination_flare",
    "burst_or_shot",
)
"""The typology's rows, in the order reports print them."""

_PHASE_SUBTYPE = {"launch": "outgoing", "impact": "impact"}
_SINGLE = {
    "projectile_in_flight": "projectile_in_flight",
    "muzzle_flash": "muzzle_flash",
    "illumination_flare": "illumination_flare",
    "burst": "burst_or_shot",
    "shot": "burst_or_shot",
}


def shot_kind(shot: Mapping[str, Any], weapon: str | None = None) -> str:
    """The typology row of one subject of a ``fire`` finding (see the module docstring)."""
    category = shot.get("category")
    if category is not None:  # a person's report
        if category == "explosion":
            kind = f"explosion_{shot.get('subtype') or 'undetermined'}"
            return kind if kind in KINDS else "explosion_undetermined"
        return _SINGLE.get(str(category), "explosion_undetermined")
    if (shot.get("weapon") or weapon) == "small_arms":
        return "burst_or_shot"
    return "explosion_" + _PHASE_SUBTYPE.get(str(shot.get("phase")), "undetermined")


def shot_count(shot: Mapping[str, Any]) -> tuple[int, bool]:
    """How many items the subject stands for, and whether that number is exact."""
    if shot.get("category") is None:
        return 1, True
    count = shot.get("count")
    n = int(count) if isinstance(count, int) and count > 0 else 1
    return n, shot.get("count_qualifier", "exact") == "exact"


def classify(finding: Mapping[str, Any]) -> dict[str, tuple[int, bool]]:
    """Items of each typology row in one ``fire`` finding: ``{kind: (count, exact)}``."""
    facts = finding.get("facts") or {}
    weapon = facts.get("weapon")
    out: dict[str, tuple[int, bool]] = {}
    for shot in facts.get("shots") or []:
        kind = shot_kind(shot, weapon)
        n, exact = shot_count(shot)
        old_n, old_exact = out.get(kind, (0, True))
        out[kind] = (old_n + n, old_exact and exact)
    return out


def tally(findings: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, bool]]:
    """Sum :func:`classify` over findings: every row of :data:`KINDS`, zero when absent."""
    out = {k: (0, True) for k in KINDS}
    for finding in findings:
        for kind, (n, exact) in classify(finding).items():
            old_n, old_exact = out[kind]
            out[kind] = (old_n + n, old_exact and exact)
    return out
