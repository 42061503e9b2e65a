"""Score fused events against the simulator's ground truth (pure apart from read_events).

Matching rule (docs/simulation.md): an event and a true blast are candidates when they
share at least ``min_shared`` detections (an event detection "comes from" a blast when the
truth lists it under that blast) and the event lies within ``max_distance_m`` of the blast.
Events and blasts are then matched one-to-one by maximising the total number of shared
detections, ties broken by the smaller distance (Hungarian algorithm on each connected
group of candidates). An event matched to no blast is a false event.

Recall is over blasts heard by at least ``min_sensors`` distinct sensors; precision is
matched-to-such-a-blast events over those plus false events (an event matched to a blast
heard by fewer sensors counts neither way). Errors are geodesic on the WGS84 ellipsoid.

One shared detection is enough for a match, so an event that mixes the picks of two or
three rounds of a salvo is credited with one of them. Three figures say how often:
``purity``, the share of those matches whose event draws more than half its detections
from its blast; ``pure_recall``, the recall counting only such matches; and
``majority_recall``, the recall counting only matches whose event holds more than half of
its blast's detections (a fragment of a blast holds fewer).

Attribution: an impact's event *names a launcher*, the launch event of its ``paired_with``
or, unpaired, the first launch of its ``salvo`` (docs/fusion.md, "Attribution by salvo").
The name is right when that event is matched to the impact's own launch or, for a salvo's
round, to a launch of the same salvo: the launcher that fired, which is what the rules
name the responsible side from, whichever round it was. ``attribution_accuracy`` counts
the true pairs found at both ends (as ``pairing_accuracy`` does) whose impact's event
names the right launcher; ``attribution_precision`` the impact events naming a launcher
matched to a blast that name the right one. What the rules make of it is the *responsible
side*, the side of the named launcher's event: over the true impacts of a shot whose
launch exists and which an event matched, ``attribution_coverage`` is the share whose
event names a launcher, and ``responsible_side_accuracy`` the share of those whose
launcher's side is the side the true launch was on (a launcher named wrongly may still
stand on the right side).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from pyproj import Geod
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from truceline.errors import InputError, Problem
from truceline.formats.records import Sensor, Weather
from truceline.fusion.crb import crb_rms_wgs84
from truceline.fusion.truth import TrueBlast, Truth
from truceline.geo import geodetic_to_ecef
from truceline.timefmt import parse_time

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class EventRecord:
    """The parts of one events.geojson feature that scoring needs."""

    id: str
    time: datetime
    lat: float
    lon: float
    phase: str
    side: str | None
    paired_with: str | None
    detections: tuple[str, ...]
    salvo: str | None = None
    pair_margin: float | None = None


@dataclass(frozen=True, slots=True)
class Match:
    event: str
    blast: str
    shared: int
    error_m: float


@dataclass(frozen=True)
class Report:
    """The evaluator's figures; NaN where a measure has nothing to count."""

    blasts: int
    eligible_blasts: int
    events: int
    matched_eligible: int
    false_events: int
    recall: float
    precision: float
    purity: float
    pure_recall: float
    majority_recall: float
    median_error_m: float
    p90_error_m: float
    median_crb_rms_m: float
    median_error_to_crb: float
    true_pairs_found: int
    pairing_accuracy: float
    pairing_precision: float
    attribution_accuracy: float
    attribution_precision: float
    attribution_coverage: float
    responsible_side_accuracy: float
    side_accuracy: float
    side_accuracy_far: float
    phase_accuracy: float
    detections_in_several_events: int
    false_alarms: int
    false_alarms_absorbed: int
    outliers_absorbed: int

    def as_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}  # fmt: skip


# ---------------------------------------------------------------- reading events


def _event(feat: Any) -> EventRecord:
    if not isinstance(feat, dict):
        raise ValueError("expected a Feature object")
    geom = feat.get("geometry") or {}
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if not (isinstance(geom, dict) and geom.get("type") == "Point" and isinstance(coords, list)
            and len(coords) >= 2):  # fmt: skip
        raise ValueError("geometry: expected a Point")
    props = feat.get("properties")
    if not isinstance(props, dict):
        raise ValueError("properties: expected an object")
    for name in ("id", "time"):
        if not isinstance(props.get(name), str):
            raise ValueError(f"properties.{name}: required string is missing")
    dets = props.get("detections", [])
    if not isinstance(dets, list) or not all(isinstance(d, str) for d in dets):
        raise ValueError("properties.detections: expected a list of detection ids")
    for name in ("paired_with", "salvo"):
        if props.get(name) is not None and not isinstance(props[name], str):
            raise ValueError(f"properties.{name}: expected an event id or null")
    margin = props.get("pair_margin")
    if margin is not None and (isinstance(margin, bool) or not isinstance(margin, int | float)):
        raise ValueError("properties.pair_margin: expected a number or null")
    try:
        time = parse_time(props["time"])
    except ValueError as exc:
        raise ValueError(f"properties.time: {exc}") from None
    return EventRecord(
        id=props["id"],
        time=time,
        lat=float(coords[1]),
        lon=float(coords[0]),
        phase=str(props.get("phase") or "unknown"),
        side=props.get("side"),
        paired_with=props.get("paired_with"),
        detections=tuple(dets),
        salvo=props.get("salvo"),
        pair_margin=None if margin is None else float(margin),
    )


def parse_events(doc: Any, *, source: str) -> list[EventRecord]:
    """Decode an events FeatureCollection; :class:`InputError` names feature and field."""
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise InputError(f"{source}: expected a GeoJSON FeatureCollection")
    out: list[EventRecord] = []
    problems: list[Problem] = []
    for i, feat in enumerate(doc["features"]):
        try:
            out.append(_event(feat))
        except ValueError as exc:
            name, _, msg = str(exc).partition(": ")
            field = name if msg and " " not in name else None
            problems.append(Problem(source, i, field, msg if field else str(exc), None, "feature"))
    if problems:
        raise InputError(f"{source}: invalid events file", problems=problems)
    return out


def read_events(path: Path) -> list[EventRecord]:
    """Read events.geojson."""
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg})") from None
    return parse_events(doc, source=str(path))


# ---------------------------------------------------------------- matching


def _distances(events: Sequence[EventRecord], blasts: Sequence[TrueBlast]) -> np.ndarray:
    if not events:
        return np.zeros(0)
    _, _, d = GEOD.inv(
        np.array([e.lon for e in events]),
        np.array([e.lat for e in events]),
        np.array([b.lon for b in blasts]),
        np.array([b.lat for b in blasts]),
    )
    return np.asarray(d, dtype=np.float64)


def match_events(
    truth: Truth,
    events: Sequence[EventRecord],
    *,
    min_shared: int = 1,
    max_distance_m: float = 3_000.0,
) -> list[Match]:
    """One-to-one matches of events to blasts by the module's documented rule."""
    source = truth.source_of()
    blast_index = {b.id: i for i, b in enumerate(truth.blasts)}
    cand_e, cand_b, shared = [], [], []
    for ei, ev in enumerate(events):
        counts = Counter(source[d] for d in ev.detections if d in source)
        for bid, n in counts.items():
            if n >= min_shared:
                cand_e.append(ei)
                cand_b.append(blast_index[bid])
                shared.append(n)
    dist = _distances([events[i] for i in cand_e], [truth.blasts[i] for i in cand_b])
    keep = dist <= max_distance_m
    ce, cb = np.array(cand_e)[keep], np.array(cand_b)[keep]
    sh, di = np.array(shared)[keep], dist[keep]
    if len(ce) == 0:
        return []
    ne = len(events)
    graph = coo_matrix((np.ones(len(ce)), (ce, ne + cb)), shape=(ne + len(truth.blasts),) * 2)
    _, labels = connected_components(graph, directed=False)
    weight = sh - di / (2.0 * max_distance_m)  # distance only breaks ties in shared count
    out: list[Match] = []
    groups: dict[int, list[int]] = {}
    for k in range(len(ce)):
        groups.setdefault(int(labels[ce[k]]), []).append(k)
    for ks in groups.values():
        rows = sorted({int(ce[k]) for k in ks})
        cols = sorted({int(cb[k]) for k in ks})
        row_of = {e: i for i, e in enumerate(rows)}
        col_of = {b: i for i, b in enumerate(cols)}
        w = np.zeros((len(rows), len(cols)))
        pos: dict[tuple[int, int], int] = {}
        for k in ks:
            r, c = row_of[int(ce[k])], col_of[int(cb[k])]
            w[r, c], pos[(r, c)] = weight[k], k
        for r, c in zip(*linear_sum_assignment(-w), strict=True):
            hit = pos.get((int(r), int(c)))
            if hit is not None:
                k = hit
                out.append(Match(events[rows[r]].id, truth.blasts[cols[c]].id, int(sh[k]),
                                 float(di[k])))  # fmt: skip
    return out


# ---------------------------------------------------------------- scoring


def weather_at(weather: Sequence[Weather], when: datetime) -> Weather:
    current = Weather(time=when)
    for w in weather:
        if w.time > when:
            break
        current = w
    return current


def blast_crb_rms(blast: TrueBlast, sensors: Mapping[str, Sensor], weather: Weather) -> float:
    """CRB RMS (m) of a blast from its non-outlier hearing sensors (bearings from arrays)."""
    heard = [sensors[s] for s in blast.hearing_sensors(include_outliers=False) if s in sensors]
    if not heard:
        return math.inf
    ecef = geodetic_to_ecef([s.lat for s in heard], [s.lon for s in heard],
                            [s.alt_m for s in heard])  # fmt: skip
    arrays = [s for s in heard if s.kind == "acoustic_array"]
    arr_ecef = None
    if arrays:
        arr_ecef = geodetic_to_ecef([s.lat for s in arrays], [s.lon for s in arrays],
                                    [s.alt_m for s in arrays])  # fmt: skip
    return crb_rms_wgs84(
        blast.lat,
        blast.lon,
        blast.alt_m,
        ecef,
        np.array([s.timing_sigma_ms for s in heard]) / 1000.0,
        bearing_sensors_ecef=arr_ecef,
        bearing_sigma_rad=np.radians([s.bearing_sigma_deg for s in arrays]),
        temperature_c=weather.temperature_c,
        wind_u_ms=weather.wind_u_ms,
        wind_v_ms=weather.wind_v_ms,
    )


def _median(xs: Sequence[float] | np.ndarray) -> float:
    return float(np.median(xs)) if len(xs) else math.nan


def _share(hits: Sequence[bool]) -> float:
    return float(np.mean(hits)) if len(hits) else math.nan


def paired_right(launch: EventRecord, impact: EventRecord) -> bool:
    """A true pair's two events name each other: what pairing accuracy counts right."""
    return launch.paired_with == impact.id and impact.paired_with == launch.id


def _pairing(
    truth: Truth, by_blast: Mapping[str, EventRecord], matched_events: Mapping[str, str]
) -> tuple[int, float, float]:
    """(true pairs found, pairing accuracy, pairing precision)."""
    blasts = {b.id: b for b in truth.blasts}
    found, correct = 0, 0
    for b in truth.blasts:
        if b.phase != "launch" or b.pair is None:
            continue
        el, ei = by_blast.get(b.id), by_blast.get(b.pair)
        if el is None or ei is None:
            continue
        found += 1
        correct += paired_right(el, ei)
    claimed, right = 0, 0
    for blast_id in matched_events.values():
        ev = by_blast[blast_id]
        if ev.paired_with is None or ev.paired_with not in matched_events or ev.phase != "launch":
            continue
        claimed += 1
        right += blasts[blast_id].pair == matched_events[ev.paired_with]
    acc = correct / found if found else math.nan
    return found, acc, (right / claimed if claimed else math.nan)


def named_launcher(impact: EventRecord, by_id: Mapping[str, EventRecord]) -> EventRecord | None:
    """The launch event an impact's event names: its partner, else its salvo's first launch."""
    name = impact.paired_with or impact.salvo
    return by_id.get(name) if name is not None else None


def right_launcher(impact: TrueBlast, launch: TrueBlast | None) -> bool:
    """Whether ``launch`` fired ``impact``: its own launch, or a launch of its salvo."""
    if launch is None or launch.phase != "launch":
        return False
    return impact.pair == launch.id or (impact.salvo is not None and launch.salvo == impact.salvo)


@dataclass(frozen=True, slots=True)
class _Attribution:
    accuracy: float
    precision: float
    coverage: float
    side_accuracy: float


def _attribution(
    truth: Truth, by_id: Mapping[str, EventRecord], matched_events: Mapping[str, str]
) -> _Attribution:
    """The four attribution figures of the module docstring, over the matched impacts."""
    blasts = {b.id: b for b in truth.blasts}
    event_of = {b: by_id[e] for e, b in matched_events.items()}
    found = correct = 0  # accuracy: true pairs found at both ends
    said: list[bool] = []  # precision: impact events naming a matched launcher
    shot = named = side_right = 0  # coverage and side: impacts of a shot with a launch
    for b in truth.blasts:
        ei = event_of.get(b.id)
        if b.phase != "impact" or ei is None:
            continue
        launcher = named_launcher(ei, by_id)
        right = None
        if launcher is not None and launcher.id in matched_events:
            right = right_launcher(b, blasts[matched_events[launcher.id]])
            said.append(right)
        if b.pair is None:
            continue
        shot += 1
        if launcher is not None:
            named += 1
            side_right += launcher.side == blasts[b.pair].side
        if b.pair in event_of:
            found += 1
            correct += bool(right)
    return _Attribution(
        accuracy=correct / found if found else math.nan,
        precision=_share(said),
        coverage=named / shot if shot else math.nan,
        side_accuracy=side_right / named if named else math.nan,
    )


def evaluate(
    truth: Truth,
    events: Sequence[EventRecord],
    sensors: Sequence[Sensor],
    weather: Sequence[Weather] = (),
    *,
    min_sensors: int = 4,
    far_m: float = 500.0,
    max_distance_m: float = 3_000.0,
    matches: Sequence[Match] | None = None,
) -> Report:
    """Score ``events`` against ``truth`` (see the module docstring for the rules);
    ``matches``, when the caller has them, are :func:`match_events`'s."""
    if matches is None:
        matches = match_events(truth, events, max_distance_m=max_distance_m)
    blasts = {b.id: b for b in truth.blasts}
    ev_by_id = {e.id: e for e in events}
    by_blast = {m.blast: ev_by_id[m.event] for m in matches}
    eligible = {b.id for b in truth.blasts if len(b.hearing_sensors()) >= min_sensors}
    good = [m for m in matches if m.blast in eligible]
    false_events = len(events) - len(matches)
    sensor_map = {s.id: s for s in sensors}
    errors = np.array([m.error_m for m in good])
    ratios, crbs = [], []
    for m in good:
        b = blasts[m.blast]
        c = blast_crb_rms(b, sensor_map, weather_at(weather, b.time))
        if math.isfinite(c) and c > 0:
            crbs.append(c)
            ratios.append(m.error_m / c)
    matched = {m.event: m.blast for m in matches}
    found, pair_acc, pair_prec = _pairing(truth, by_blast, matched)
    attr = _attribution(truth, ev_by_id, matched)
    sided = [m for m in good if blasts[m.blast].side is not None]
    far = [m for m in sided if blasts[m.blast].line_distance_m > far_m]
    use_count = Counter(d for e in events for d in e.detections)
    in_events = set(use_count)
    pure = [2 * m.shared > len(ev_by_id[m.event].detections) for m in good]
    whole = sum(2 * m.shared > len(blasts[m.blast].detections) for m in good)
    return Report(
        blasts=len(truth.blasts),
        eligible_blasts=len(eligible),
        events=len(events),
        matched_eligible=len(good),
        false_events=false_events,
        recall=len(good) / len(eligible) if eligible else math.nan,
        precision=(len(good) / (len(good) + false_events)) if good or false_events else math.nan,
        purity=_share(pure),
        pure_recall=sum(pure) / len(eligible) if eligible else math.nan,
        majority_recall=whole / len(eligible) if eligible else math.nan,
        median_error_m=_median(errors),
        p90_error_m=float(np.percentile(errors, 90)) if len(errors) else math.nan,
        median_crb_rms_m=_median(crbs),
        median_error_to_crb=_median(ratios),
        true_pairs_found=found,
        pairing_accuracy=pair_acc,
        pairing_precision=pair_prec,
        attribution_accuracy=attr.accuracy,
        attribution_precision=attr.precision,
        attribution_coverage=attr.coverage,
        responsible_side_accuracy=attr.side_accuracy,
        side_accuracy=_share([by_blast[m.blast].side == blasts[m.blast].side for m in sided]),
        side_accuracy_far=_share([by_blast[m.blast].side == blasts[m.blast].side for m in far]),
        phase_accuracy=_share([by_blast[m.blast].phase == blasts[m.blast].phase for m in good]),
        detections_in_several_events=sum(1 for n in use_count.values() if n > 1),
        false_alarms=len(truth.false_alarms),
        false_alarms_absorbed=len(truth.false_alarm_ids() & in_events),
        outliers_absorbed=len(truth.outlier_ids() & in_events),
    )
