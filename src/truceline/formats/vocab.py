"""Closed vocabularies shared by the interchange formats (pure)."""

from __future__ import annotations

from typing import Literal

WEAPON_CLASSES: tuple[str, ...] = (
    "small_arms",
    "heavy_machine_gun",
    "grenade_launcher",
    "armoured_vehicle",
    "tank",
    "artillery_lt100",
    "artillery_100mm_plus",
    "mortar_le120",
    "mlrs",
    "mlrs_heavy",
    "tactical_missile",
    "air_defence",
    "fpv_uav",
    "attack_uav",
    "guided_bomb",
    "cruise_missile",
    "ballistic_missile",
    "aircraft",
)
WeaponClass = Literal[
    "small_arms",
    "heavy_machine_gun",
    "grenade_launcher",
    "armoured_vehicle",
    "tank",
    "artillery_lt100",
    "artillery_100mm_plus",
    "mortar_le120",
    "mlrs",
    "mlrs_heavy",
    "tactical_missile",
    "air_defence",
    "fpv_uav",
    "attack_uav",
    "guided_bomb",
    "cruise_missile",
    "ballistic_missile",
    "aircraft",
]
SensorKind = Literal["acoustic", "acoustic_array", "seismic", "radar", "camera", "uav"]
Phase = Literal["launch", "impact", "unknown"]
WeaponLabel = Literal["artillery", "mortar", "mlrs", "tank", "small_arms", "explosion", "unknown"]
ObservationType = Literal["monitor_report", "allegation", "open_source"]
Category = Literal[
    "explosion",
    "projectile_in_flight",
    "muzzle_flash",
    "illumination_flare",
    "burst",
    "shot",
    "weapon_sighting",
    "movement",
    "uav_overflight",
    "mine",
    "casualty",
    "restriction",
    "other",
]
SUBTYPES: dict[str, tuple[str, ...]] = {
    "explosion": ("impact", "airburst", "outgoing", "undetermined"),
    "restriction": ("denial", "delay", "conditional_access", "interference", "harassment"),
}
CountQualifier = Literal["exact", "approx", "at_least"]
Means = Literal[
    "heard", "seen", "heard_and_seen", "camera", "uav", "satellite", "inspection", "document"
]
CasualtyGroup = Literal["civilian", "combatant", "unknown"]
TrackObject = Literal["uav", "aircraft", "vehicle", "vessel", "unknown"]
Tlp = Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
RELEASE_GROUPS: tuple[str, ...] = ("MISSION", "COALITION", "PARTIES", "PUBLIC")
