"""Rule ``presence_in_disengagement_area``: armed presence inside a disengagement area.

Clause: a ``disengagement_area`` feature (agreement.md: "both sides withdrew from it: any
armed presence or fire there is a violation"), cited by its ``instrument``. Logic: a monitor
report of category ``weapon_sighting`` or ``movement`` located inside the area (a point
inside it, or a bearing sector that meets it), and a track of a vehicle (``object`` vehicle,
or any non-air object with a ``weapon_class``) with a point inside it; the first such point
gives time and place. A located point is tested as given (its ``uncertainty_m`` is in the
facts): presence, unlike fire, is usually seen from close by. The responsible side is the
report's ``side`` when it gives one; a track names none (a disengagement area straddles the
line, so the ground does not say whose vehicle it is).

Basis: "about 6 movement of side UA (uav) inside the Zolote disengagement area (location
± 100 m)".
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from truceline.formats.records import Observation
from truceline.rules import text
from truceline.rules.context import Judge, place_phrase
from truceline.rules.finding import Finding
from truceline.rules.place import observation_place
from truceline.rules.tracks import TrackSpan

RULE = "presence_in_disengagement_area"
CATEGORIES = ("weapon_sighting", "movement")
AIR = ("uav", "aircraft")


def evaluate_observations(judge: Judge, observations: Sequence[Observation]) -> list[Finding]:
    out = []
    for obs in observations:
        if obs.category not in CATEGORIES:
            continue
        place = observation_place(obs, judge.options.bearing_uncertainty_deg)
        if place is None:
            continue
        for area in judge.terms.containing("disengagement_area", place):
            what = obs.weapon_class or obs.category.replace("_", " ")
            owner = f" of {text.side(judge.terms.agreement, obs.side)}" if obs.side else ""
            means = f" ({text.means(obs.means)})"
            verb = "in an area meeting" if place.area else "inside"
            basis = (
                f"{text.count(obs.count, obs.count_qualifier)} {what}{owner}{means} {verb} "
                f"the {area.label} ({place_phrase(place)})"
            )
            facts = {
                "area": area.label,
                "area_feature": area.index,
                "category": obs.category,
                "weapon_class": obs.weapon_class,
                "count": obs.count,
                "count_qualifier": obs.count_qualifier,
                "side": obs.side,
                "place": place.facts(),
            }
            out.append(
                judge.subject_finding(
                    RULE,
                    obs,
                    discriminator=f"area:{area.index}",
                    time=obs.time_from,
                    location=(place.lat, place.lon),
                    responsible=obs.side,
                    instrument=judge.terms.instrument(area),
                    basis=basis,
                    facts=facts,
                )
            )
    return out


def evaluate_track(judge: Judge, span: TrackSpan) -> list[Finding]:
    track = span.track
    if track.object in AIR or (track.object != "vehicle" and track.weapon_class is None):
        return []
    lats, lons = span.lats, span.lons
    out = []
    for area in judge.terms.with_role("disengagement_area"):
        inside = shapely.intersects_xy(area.geometry, lons, lats)
        if not inside.any():
            continue
        first = int(inside.argmax())
        p = track.points[span.start + first]
        what = f"{track.object} track {track.id}" + (
            f" ({track.weapon_class})" if track.weapon_class else ""
        )
        basis = (
            f"{what} inside the {area.label} at {text.when(p.time)} ({int(inside.sum())} of "
            f"{lats.size} points inside; track uncertainty {text.distance(track.uncertainty_m)})"
        )
        side = span.side_hint
        facts = {
            "area": area.label,
            "area_feature": area.index,
            "object": track.object,
            "weapon_class": track.weapon_class,
            "points_inside": int(inside.sum()),
            "first_inside": text.when(p.time),
            "track_uncertainty_m": track.uncertainty_m,
        }
        out.append(
            judge.subject_finding(
                RULE,
                track,
                discriminator=f"area:{area.index}",
                time=p.time,
                location=(p.lat, p.lon),
                responsible=side,
                instrument=judge.terms.instrument(area),
                basis=basis,
                facts=facts,
            )
        )
    return out
