"""Rule ``airspace``: a UAV or aircraft across the contact line or into a no-fly zone.

Clauses: ``uav_overflight`` in the agreement's ``prohibited`` list (cited from the contact
line's ``instrument``), and each ``no_fly_zone`` ("where uav_overflight and aircraft are
prohibited", cited by the zone's ``instrument``). Logic, for tracks of ``object`` uav or
aircraft:

- crossing the contact line, when ``uav_overflight`` is prohibited: every track segment
  that meets the line and whose ends lie on different sides' ground (or, where the ground
  is unknown at an end, that meets it an odd number of times). The finding gives the
  crossing point, its time interpolated along the segment, and the side whose ground the
  object came from (responsible) and flew into (affected). One finding per crossing.
- entering a no-fly zone, whatever the ``prohibited`` list says (the zone itself prohibits
  flight): the first point of each entry, interpolated on the zone's boundary (or the
  first point, when the track begins inside). The responsible side is the one whose ground
  the track came from (its first point on either side's ground); the affected side the one
  holding the entry point, if it is the other.

Monitor reports of category ``uav_overflight`` are findings when ``uav_overflight`` is
prohibited or they lie in (or, for a bearing sector, meet) a no-fly zone; they name the
side whose ground was overflown as affected and no responsible side.

Basis: "uav track tr-0001 crossed the contact line from side RU's ground into side UA's at
48.27664, 38.00121, 2026-03-02T02:19:05.2Z (interpolated between points 20 s apart; track
uncertainty 15 m)".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely

from truceline.formats.records import Observation
from truceline.rules import text
from truceline.rules.context import Judge, place_phrase
from truceline.rules.finding import Finding
from truceline.rules.place import observation_place
from truceline.rules.tracks import SegmentHit, TrackSpan, point_hit, segment_hits

RULE = "airspace"
AIR = ("uav", "aircraft")


def _walk(sides: list[str | None], k: int, step: int) -> str | None:
    while 0 <= k < len(sides):
        if sides[k] is not None:
            return sides[k]
        k += step
    return None


def _hit_facts(span: TrackSpan, hit: SegmentHit) -> dict[str, Any]:
    pts = span.track.points
    out: dict[str, Any] = {
        "point": {"lat": round(hit.lat, 7), "lon": round(hit.lon, 7)},
        "time": text.when(hit.time),
        "segment": [hit.k, min(hit.k + 1, len(pts) - 1)],
        "interpolated": hit.fraction > 0.0,
        "track_uncertainty_m": span.track.uncertainty_m,
    }
    if hit.alt_m is not None:
        out["alt_m"] = hit.alt_m
    return out


def _gap(span: TrackSpan, hit: SegmentHit) -> str:
    pts = span.track.points
    if hit.k + 1 >= len(pts) or hit.fraction == 0.0:
        return "first point seen inside"
    dt = (pts[hit.k + 1].time - pts[hit.k].time).total_seconds()
    return f"interpolated between points {dt:g} s apart"


def _crossings(judge: Judge, span: TrackSpan, sides: list[str | None]) -> list[Finding]:
    terms, track = judge.terms, span.track
    if "uav_overflight" not in terms.agreement.prohibited or terms.contact_geometry is None:
        return []
    out = []
    for hit in segment_hits(span, terms.contact_geometry):
        came, went = _walk(sides, hit.k, -1), _walk(sides, hit.k + 1, 1)
        if came is not None and went is not None and came == went:
            continue  # touched the line and stayed on the same ground
        a = terms.agreement
        basis = (
            f"{track.object} track {track.id} crossed the contact line from "
            f"{text.side(a, came)}'s ground into {text.side(a, went)}'s at "
            f"{hit.lat:.5f}, {hit.lon:.5f}, {text.when(hit.time)} ({_gap(span, hit)}; "
            f"track uncertainty {text.distance(track.uncertainty_m)})"
        )
        facts = {
            "kind": "line_crossing",
            "from_side": came,
            "to_side": went,
            "object": track.object,
            **_hit_facts(span, hit),
        }
        out.append(
            judge.subject_finding(
                RULE,
                track,
                discriminator=f"crossing:{hit.k}",
                time=hit.time,
                location=(hit.lat, hit.lon),
                responsible=came,
                affected=went,
                instrument=terms.instrument(),
                basis=basis,
                facts=facts,
            )
        )
    return out


def _entries(judge: Judge, span: TrackSpan, sides: list[str | None]) -> list[Finding]:
    terms, track = judge.terms, span.track
    origin = _walk(sides, 0, 1)
    lats, lons = span.lats, span.lons
    out = []
    for zone in terms.with_role("no_fly_zone"):
        inside = shapely.intersects_xy(zone.geometry, lons, lats)
        hits: list[SegmentHit] = [point_hit(span, span.start)] if inside[0] else []
        for hit in segment_hits(span, zone.geometry.boundary):
            if not inside[hit.k - span.start]:
                hits.append(hit)
        for hit in hits:
            at = terms.sides([hit.lat], [hit.lon])[0]
            a = terms.agreement
            basis = (
                f"{track.object} track {track.id}, which came from {text.side(a, origin)}'s "
                f"ground, entered the {zone.label} at {hit.lat:.5f}, {hit.lon:.5f}, "
                f"{text.when(hit.time)} ({_gap(span, hit)}; track uncertainty "
                f"{text.distance(track.uncertainty_m)})"
            )
            facts = {
                "kind": "no_fly_zone",
                "zone": zone.label,
                "zone_feature": zone.index,
                "origin_side": origin,
                "entry_side": at,
                "object": track.object,
                **_hit_facts(span, hit),
            }
            out.append(
                judge.subject_finding(
                    RULE,
                    track,
                    discriminator=f"nfz:{zone.index}:{hit.k}",
                    time=hit.time,
                    location=(hit.lat, hit.lon),
                    responsible=origin,
                    affected=at if at != origin else None,
                    instrument=terms.instrument(zone),
                    basis=basis,
                    facts=facts,
                )
            )
    return out


def evaluate_track(judge: Judge, span: TrackSpan) -> list[Finding]:
    track = span.track
    if track.object not in AIR:
        return []
    # whose ground each point of the whole track is on (not only the span's): where it came from
    sides = judge.terms.sides([p.lat for p in track.points], [p.lon for p in track.points])
    return _crossings(judge, span, sides) + _entries(judge, span, sides)


def evaluate_observations(judge: Judge, observations: Sequence[Observation]) -> list[Finding]:
    terms = judge.terms
    prohibited = "uav_overflight" in terms.agreement.prohibited
    out = []
    for obs in observations:
        if obs.category != "uav_overflight":
            continue
        place = observation_place(obs, judge.options.bearing_uncertainty_deg)
        if place is None:
            continue
        zones = terms.containing("no_fly_zone", place)
        if not prohibited and not zones:
            continue
        ground = terms.side_of(place)
        means = f" ({text.means(obs.means)})"
        basis = (
            f"{text.count(obs.count, obs.count_qualifier)} UAV overflight{means} "
            f"{text.span(obs.time_from, obs.time_to)} over {text.side(terms.agreement, ground)}'s "
            f"ground ({place_phrase(place)})"
        )
        if zones:
            basis += ", in the " + " and the ".join(z.label for z in zones)
        facts = {
            "kind": "reported_overflight",
            "ground_side": ground,
            "zones": [z.label for z in zones],
            "place": place.facts(),
        }
        out.append(
            judge.subject_finding(
                RULE,
                obs,
                time=obs.time_from,
                location=(place.lat, place.lon),
                responsible=None,
                affected=ground,
                instrument=terms.instrument(zones[0] if zones else None),
                basis=basis,
                facts=facts,
            )
        )
    return out
