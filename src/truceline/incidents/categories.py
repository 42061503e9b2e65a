"""What kind of happening a source describes, and which kinds can be the same happening (pure).

The observation categories of docs/formats/observations.md (the first six follow the OSCE
SMM's typology of ceasefire violations) plus three that only machine findings produce:
``fire`` (fire established by the rules engine), ``presence`` (armed presence in a
disengagement area) and ``weapon_missing`` (weapons absent from a declared holding area).

Two sources can describe one happening only if their categories are compatible. The score
(0 to 1) says how naturally: the same category 1.0; the same family 0.8 (an explosion heard
by a patrol and a finding of ``fire``); a few cross-family pairs 0.5, each with a reason:
a UAV overflight and an explosion (a drone drop or one-way attack), a restriction and fire
or an overflight (observations.md lists "fire at a camera or UAV" as interference); and
``other``, which is compatible with everything at 0.3 because open-source reports are often
unclassified. Anything else is 0: a restriction at a checkpoint is never the same happening
as a tank sighting however close in space and time.
"""

from __future__ import annotations

from typing import Final

FAMILIES: Final[dict[str, frozenset[str]]] = {
    "fire": frozenset(
        {
            "fire",
            "explosion",
            "projectile_in_flight",
            "muzzle_flash",
            "illumination_flare",
            "burst",
            "shot",
            "casualty",
            "mine",
        }
    ),
    "presence": frozenset({"weapon_sighting", "movement", "presence", "weapon_missing"}),
    "air": frozenset({"uav_overflight"}),
    "access": frozenset({"restriction"}),
    "other": frozenset({"other"}),
}
CATEGORIES: Final[frozenset[str]] = frozenset().union(*FAMILIES.values())
FAMILY_OF: Final[dict[str, str]] = {c: f for f, cs in FAMILIES.items() for c in cs}

SAME_CATEGORY: Final = 1.0
SAME_FAMILY: Final = 0.8
CROSS_FAMILY: Final = 0.5
WITH_OTHER: Final = 0.3

_CROSS: Final[frozenset[frozenset[str]]] = frozenset(
    frozenset(p)
    for p in (
        ("uav_overflight", "explosion"),
        ("uav_overflight", "fire"),
        ("uav_overflight", "casualty"),
        ("restriction", "shot"),
        ("restriction", "burst"),
        ("restriction", "explosion"),
        ("restriction", "fire"),
        ("restriction", "uav_overflight"),
    )
)

# The categories an acoustic or seismic network hears: what "sensors heard nothing" refutes.
AUDIBLE: Final[frozenset[str]] = frozenset(
    {"fire", "explosion", "burst", "shot", "muzzle_flash", "mine"}
)


def compatibility(a: str, b: str) -> float:
    """How naturally categories ``a`` and ``b`` describe one happening (symmetric, 0 to 1)."""
    if a == b:
        return SAME_CATEGORY
    if "other" in (a, b):
        return WITH_OTHER
    if FAMILY_OF[a] == FAMILY_OF[b]:
        return SAME_FAMILY
    if frozenset((a, b)) in _CROSS:
        return CROSS_FAMILY
    return 0.0
