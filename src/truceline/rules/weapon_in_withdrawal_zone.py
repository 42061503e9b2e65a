"""Rule ``weapon_in_withdrawal_zone``: a weapon closer to the line than its class allows.

Clause: the agreement's ``withdrawal`` list ("how far behind its reference line each side
must keep each class of weapon"; e.g. Minsk II para. 2 and its 29 Sep 2015 addendum), cited
by the entry's own ``instrument`` if it has one, else the side's reference line's, else the
contact line's. Logic: a weapon of a listed class, on its owning side's ground, whose
geodesic distance from that side's reference line (default: the contact line) is at most
the class's distance. The owner is the report's ``side`` (a track's ``side`` extra), else
the side whose ground holds it (the facts say which). Subjects: monitor reports of category
``weapon_sighting`` with ``weapon_class`` (a point; or a bearing sector, which counts when
its part on the owner's ground comes within the distance), and tracks with
``weapon_class`` (the first point inside the zone gives time and place). A weapon on the
*other* side's ground is not a withdrawal matter, and one inside a holding area its owner
declared is where the agreement wants it; neither is a finding here.

Basis: "2 × tank of side RU (seen from uav) 8.0 km behind side RU's line, inside its 15 km
withdrawal zone for tank (location ± 100 m)".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from truceline.formats.records import Observation
from truceline.rules import text
from truceline.rules.context import Judge, place_phrase
from truceline.rules.finding import Finding
from truceline.rules.holding import holding_report, match_holding_area
from truceline.rules.place import Place, densified_vertices, observation_place
from truceline.rules.tracks import TrackSpan

RULE = "weapon_in_withdrawal_zone"


def _line_name(judge: Judge, side: str) -> str:
    _, feature = judge.terms.reference(side)
    kind = "reference line" if feature is not None else "line"
    return f"{text.side(judge.terms.agreement, side)}'s {kind}"


def _distance(judge: Judge, owner: str, place: Place) -> float | None:
    """Distance from the owner's reference line to the part of the place on its ground."""
    measure, _ = judge.terms.reference(owner)
    if measure is None:
        return None
    if place.area is None:
        if judge.terms.sides([place.lat], [place.lon])[0] != owner:
            return None
        return float(measure.distance([place.lat], [place.lon]).distance_m[0])
    part = shapely.intersection(place.area.polygon, judge.terms.ground[owner])
    polygons = [g for g in shapely.get_parts(part) if g.geom_type == "Polygon"]
    if not polygons or sum(g.area for g in polygons) == 0.0:
        return None
    part = shapely.multipolygons(polygons)
    # The nearest point of the part is a vertex of its boundary, densified every ~200 m; the
    # error is at most s^2 / (8 d), half a metre at 10 km, and nil where the part meets the
    # line (its boundary then runs along it).
    verts = densified_vertices(part, step_deg=0.002)
    return float(measure.distance(verts[:, 0], verts[:, 1]).distance_m.min())


def _in_holding_area(judge: Judge, obs: Observation, owner: str, place: Place) -> bool:
    report = holding_report(obs)
    name = report.name if report else None
    area = match_holding_area(judge.terms, name, place, judge.options.holding_point_radius_m)
    return area is not None and area.side == owner


def evaluate_observations(judge: Judge, observations: Sequence[Observation]) -> list[Finding]:
    withdrawal = judge.terms.agreement.withdrawal_km
    out = []
    for obs in observations:
        if obs.category != "weapon_sighting" or obs.weapon_class not in withdrawal:
            continue
        place = observation_place(obs, judge.options.bearing_uncertainty_deg)
        if place is None:
            continue
        owner = obs.side or judge.terms.side_of(place)
        if owner is None or _in_holding_area(judge, obs, owner, place):
            continue
        dist = _distance(judge, owner, place)
        limit_km = withdrawal[obs.weapon_class]
        if dist is None or dist > limit_km * 1000.0:
            continue
        means = f" ({text.means(obs.means)})"
        where = (
            f"in an area reaching to within {text.distance(dist)} of"
            if place.area
            else f"{text.distance(dist)} behind"
        )
        basis = (
            f"{text.count(obs.count, obs.count_qualifier)} × {obs.weapon_class} of "
            f"{text.side(judge.terms.agreement, owner)}{means} {where} "
            f"{_line_name(judge, owner)}, inside its {limit_km:g} km withdrawal zone for "
            f"{obs.weapon_class} ({place_phrase(place)})"
        )
        facts: dict[str, Any] = {
            "weapon_class": obs.weapon_class,
            "count": obs.count,
            "count_qualifier": obs.count_qualifier,
            "side": owner,
            "side_from": "report" if obs.side else "ground",
            "distance_m": text.metres(dist),
            "limit_km": limit_km,
            "reference": "reference_line" if judge.terms.reference(owner)[1] else "contact_line",
            "place": place.facts(),
        }
        out.append(
            judge.subject_finding(
                RULE,
                obs,
                time=obs.time_from,
                location=(place.lat, place.lon),
                responsible=owner,
                instrument=judge.terms.withdrawal_instrument(
                    obs.weapon_class, judge.terms.reference(owner)[1]
                ),
                basis=basis,
                facts=facts,
            )
        )
    return out


def evaluate_track(judge: Judge, span: TrackSpan) -> list[Finding]:
    track = span.track
    withdrawal = judge.terms.agreement.withdrawal_km
    if track.weapon_class not in withdrawal:
        return []
    limit_m = withdrawal[track.weapon_class] * 1000.0
    lats, lons = span.lats, span.lons
    ground = judge.terms.sides(lats, lons)
    hint = span.side_hint
    dist = np.full(lats.size, np.inf)
    for side in {g for g in ground if g is not None and (hint is None or g == hint)}:
        measure, _ = judge.terms.reference(side)
        idx = np.array([i for i, g in enumerate(ground) if g == side])
        if measure is not None and idx.size:
            dist[idx] = measure.distance(lats[idx], lons[idx]).distance_m
    inside = np.flatnonzero(dist <= limit_m)
    if inside.size == 0:
        return []
    first = int(inside[0])
    owner = ground[first]
    assert owner is not None
    p = track.points[span.start + first]
    basis = (
        f"{track.object} track {track.id} ({track.weapon_class}) on "
        f"{text.side(judge.terms.agreement, owner)}'s ground came within "
        f"{text.distance(float(dist[first]))} of {_line_name(judge, owner)} "
        f"at {text.when(p.time)}, "
        f"inside the {limit_m / 1000:g} km withdrawal zone ({inside.size} of "
        f"{lats.size} points inside, closest {text.distance(float(dist[inside].min()))}; "
        f"track uncertainty {text.distance(track.uncertainty_m)})"
    )
    last = track.points[span.start + int(inside[-1])]
    facts = {
        "weapon_class": track.weapon_class,
        "object": track.object,
        "side": owner,
        "side_from": "track" if hint else "ground",
        "distance_m": text.metres(float(dist[first])),
        "closest_m": text.metres(float(dist[inside].min())),
        "limit_km": limit_m / 1000.0,
        "points_inside": int(inside.size),
        "first_inside": text.when(p.time),
        "last_inside": text.when(last.time),
        "track_uncertainty_m": track.uncertainty_m,
    }
    return [
        judge.subject_finding(
            RULE,
            track,
            time=p.time,
            location=(p.lat, p.lon),
            responsible=owner,
            instrument=judge.terms.withdrawal_instrument(
                track.weapon_class, judge.terms.reference(owner)[1]
            ),
            basis=basis,
            facts=facts,
        )
    ]
