"""Names of the closed vocabularies in the report's language (pure).

Each table is a function of the catalogue so that ``pybabel extract`` sees every
``pgettext`` call; the context keeps homonyms apart ("fire" the incident category, "tank"
the weapon). A code with no entry is shown as it is (a code is language-neutral).
"""

from __future__ import annotations

from collections.abc import Callable

from truceline.reports.i18n import Gettext

Table = Callable[[Gettext], dict[str, str]]


def weapons(t: Gettext) -> dict[str, str]:
    return {
        "small_arms": t.pgettext("weapon", "small arms"),
        "heavy_machine_gun": t.pgettext("weapon", "heavy machine gun"),
        "grenade_launcher": t.pgettext("weapon", "grenade launcher"),
        "armoured_vehicle": t.pgettext("weapon", "armoured combat vehicle"),
        "tank": t.pgettext("weapon", "tank"),
        "artillery_lt100": t.pgettext("weapon", "artillery under 100 mm"),
        "artillery_100mm_plus": t.pgettext("weapon", "artillery of 100 mm or more"),
        "artillery": t.pgettext("weapon", "artillery"),
        "mortar_le120": t.pgettext("weapon", "mortar up to 120 mm"),
        "mortar": t.pgettext("weapon", "mortar"),
        "mlrs": t.pgettext("weapon", "multiple rocket launcher"),
        "mlrs_heavy": t.pgettext("weapon", "heavy multiple rocket launcher"),
        "tactical_missile": t.pgettext("weapon", "tactical missile"),
        "air_defence": t.pgettext("weapon", "air defence"),
        "fpv_uav": t.pgettext("weapon", "FPV drone"),
        "attack_uav": t.pgettext("weapon", "attack drone"),
        "guided_bomb": t.pgettext("weapon", "guided bomb"),
        "cruise_missile": t.pgettext("weapon", "cruise missile"),
        "ballistic_missile": t.pgettext("weapon", "ballistic missile"),
        "aircraft": t.pgettext("weapon", "combat aircraft"),
        "explosion": t.pgettext("weapon", "undetermined weapon"),
        "unknown": t.pgettext("weapon", "undetermined weapon"),
    }


def typology(t: Gettext) -> dict[str, str]:
    return {
        "explosion_impact": t.pgettext("typology", "Explosions: impact"),
        "explosion_airburst": t.pgettext("typology", "Explosions: airburst"),
        "explosion_outgoing": t.pgettext("typology", "Explosions: outgoing"),
        "explosion_undetermined": t.pgettext("typology", "Explosions: undetermined"),
        "projectile_in_flight": t.pgettext("typology", "Projectiles in flight"),
        "muzzle_flash": t.pgettext("typology", "Muzzle flashes"),
        "illumination_flare": t.pgettext("typology", "Illumination flares"),
        "burst_or_shot": t.pgettext("typology", "Bursts and shots"),
    }


def categories(t: Gettext) -> dict[str, str]:
    return {
        "explosion": t.pgettext("category", "Explosions"),
        "shelling": t.pgettext("category", "Shelling"),
        "fire": t.pgettext("category", "Fire"),
        "burst": t.pgettext("category", "Bursts of fire"),
        "shot": t.pgettext("category", "Shots"),
        "projectile_in_flight": t.pgettext("category", "Projectiles in flight"),
        "muzzle_flash": t.pgettext("category", "Muzzle flashes"),
        "illumination_flare": t.pgettext("category", "Illumination flares"),
        "uav_overflight": t.pgettext("category", "UAV overflight"),
        "airspace": t.pgettext("category", "Airspace violation"),
        "restriction": t.pgettext("category", "Restriction on monitors"),
        "weapon_sighting": t.pgettext("category", "Weapons sighted"),
        "weapon_missing": t.pgettext("category", "Weapons missing from a holding area"),
        "movement": t.pgettext("category", "Movement"),
        "mine": t.pgettext("category", "Mine"),
        "casualty": t.pgettext("category", "Casualties"),
        "presence": t.pgettext("category", "Armed presence"),
        "other": t.pgettext("category", "Reported incident"),
    }


def rules(t: Gettext) -> dict[str, str]:
    return {
        "fire": t.pgettext("rule", "Fire while the ceasefire is in force"),
        "fire_at_protected_site": t.pgettext("rule", "Fire at a protected site"),
        "fire_in_disengagement_area": t.pgettext("rule", "Fire in a disengagement area"),
        "weapon_in_withdrawal_zone": t.pgettext("rule", "Weapon inside a withdrawal zone"),
        "weapon_missing_from_holding_area": t.pgettext(
            "rule", "Weapons missing from a holding area"
        ),
        "presence_in_disengagement_area": t.pgettext(
            "rule", "Armed presence in a disengagement area"
        ),
        "airspace": t.pgettext("rule", "Airspace violation"),
        "restriction_on_monitors": t.pgettext("rule", "Restriction on monitors"),
    }


def grades(t: Gettext) -> dict[str, str]:
    return {
        "confirmed": t.pgettext("grade", "confirmed"),
        "fair": t.pgettext("grade", "fairly corroborated"),
        "weak": t.pgettext("grade", "weakly corroborated"),
        "contested": t.pgettext("grade", "contested"),
        "discounted": t.pgettext("grade", "discounted"),
    }


def states(t: Gettext) -> dict[str, str]:
    return {
        "received": t.pgettext("state", "received"),
        "triaged": t.pgettext("state", "triaged"),
        "under_investigation": t.pgettext("state", "under investigation"),
        "ready_for_review": t.pgettext("state", "ready for review"),
        "determined": t.pgettext("state", "determined"),
        "published": t.pgettext("state", "published"),
        "archived": t.pgettext("state", "archived"),
        "duplicate": t.pgettext("state", "duplicate"),
    }


def actions(t: Gettext) -> dict[str, str]:
    return {
        "receive": t.pgettext("action", "received"),
        "triage": t.pgettext("action", "triaged"),
        "assign": t.pgettext("action", "assigned for investigation"),
        "submit": t.pgettext("action", "investigation submitted"),
        "return": t.pgettext("action", "returned for more investigation"),
        "determine": t.pgettext("action", "determined"),
        "amend": t.pgettext("action", "determination amended"),
        "dissent": t.pgettext("action", "dissent recorded"),
        "publish": t.pgettext("action", "published"),
        "archive": t.pgettext("action", "archived"),
        "mark_duplicate": t.pgettext("action", "marked as a duplicate"),
    }


def roles(t: Gettext) -> dict[str, str]:
    return {
        "admin": t.pgettext("role", "administrator"),
        "monitor": t.pgettext("role", "monitor"),
        "analyst": t.pgettext("role", "analyst"),
        "investigator": t.pgettext("role", "investigator"),
        "reviewer": t.pgettext("role", "reviewer"),
        "commissioner": t.pgettext("role", "commissioner"),
        "party_liaison": t.pgettext("role", "party liaison officer"),
        "observer": t.pgettext("role", "observer"),
        "public": t.pgettext("role", "public"),
    }


def outcomes(t: Gettext) -> dict[str, str]:
    return {
        "violation": t.pgettext("outcome", "violation"),
        "no_violation": t.pgettext("outcome", "no violation"),
        "inconclusive": t.pgettext("outcome", "inconclusive"),
    }


def confidences(t: Gettext) -> dict[str, str]:
    return {
        "high": t.pgettext("confidence", "high"),
        "medium": t.pgettext("confidence", "medium"),
        "low": t.pgettext("confidence", "low"),
        "not_attributable": t.pgettext("confidence", "not attributable"),
    }


def observation_types(t: Gettext) -> dict[str, str]:
    return {
        "monitor_report": t.pgettext("source", "monitors' report"),
        "allegation": t.pgettext("source", "party's allegation"),
        "open_source": t.pgettext("source", "open source"),
    }


def means(t: Gettext) -> dict[str, str]:
    return {
        "heard": t.pgettext("means", "heard"),
        "seen": t.pgettext("means", "seen"),
        "heard_and_seen": t.pgettext("means", "heard and seen"),
        "camera": t.pgettext("means", "camera"),
        "uav": t.pgettext("means", "UAV imagery"),
        "satellite": t.pgettext("means", "satellite imagery"),
        "inspection": t.pgettext("means", "on-site inspection"),
        "document": t.pgettext("means", "document"),
    }


def sensor_kinds(t: Gettext) -> dict[str, str]:
    return {
        "acoustic": t.pgettext("sensor", "acoustic sensor"),
        "acoustic_array": t.pgettext("sensor", "acoustic array"),
        "seismic": t.pgettext("sensor", "seismic sensor"),
        "radar": t.pgettext("sensor", "radar"),
        "camera": t.pgettext("sensor", "camera"),
        "uav": t.pgettext("sensor", "UAV station"),
    }


def statuses(t: Gettext) -> dict[str, str]:
    return {
        "operational": t.pgettext("status", "operational"),
        "degraded": t.pgettext("status", "degraded"),
        "non_operational": t.pgettext("status", "down"),
    }


def groups(t: Gettext) -> dict[str, str]:
    return {
        "civilian": t.pgettext("casualty", "civilian"),
        "combatant": t.pgettext("casualty", "combatant"),
        "unknown": t.pgettext("casualty", "unknown"),
    }


def restrictions(t: Gettext) -> dict[str, str]:
    return {
        "denial": t.pgettext("restriction", "denial of access"),
        "delay": t.pgettext("restriction", "delay"),
        "conditional_access": t.pgettext("restriction", "conditional access"),
        "interference": t.pgettext("restriction", "interference"),
        "harassment": t.pgettext("restriction", "harassment"),
    }


def objects(t: Gettext) -> dict[str, str]:
    return {
        "uav": t.pgettext("object", "A UAV"),
        "aircraft": t.pgettext("object", "An aircraft"),
        "vehicle": t.pgettext("object", "A vehicle"),
        "vessel": t.pgettext("object", "A vessel"),
        "unknown": t.pgettext("object", "An unidentified object"),
    }


ALL: tuple[Table, ...] = (
    weapons, typology, categories, rules, grades, states, actions, roles, outcomes,
    confidences, observation_types, means, sensor_kinds, statuses, groups, restrictions,
    objects,
)  # fmt: skip


def name(table: Table, t: Gettext, code: str | None) -> str:
    """The name of ``code`` in ``table``; the code itself when the table lacks it."""
    if code is None:
        return ""
    return table(t).get(code, code)
