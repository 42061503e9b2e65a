"""Why the evaluator's missed blasts were missed (pure).

Recall counts every blast heard by at least four sensors, but not every such blast can be
told from its neighbours by timing: inside a salvo's impact area each hearing sensor has
a pick every half second, and a set of one pick per sensor drawn from several rounds can
fit one point as well as a round's own picks do. :func:`explain_misses` gives each
eligible blast that no event matched one cause, the first that holds:

``mistimed``
    fewer than ``min_sensors`` sensors picked it on time (its mis-timed picks set aside);
``taken``
    some of its detections are held by other events;
``misfit``
    its on-time picks, fitted exactly, fail the acceptance's fit test (chi-square
    probability below :attr:`FusionConfig.min_fit_p`);
``ambiguous``
    its on-time picks are free, and a rival fits about as well: a chance set (one pick
    per sensor from the same sensors, not all of them one blast's, so at least one not
    its own: picks of several blasts or false alarms), arriving within
    ``2 · RIVAL_M / SLOWEST_MS`` of its own picks, whose exact fit lands within ``RIVAL_M``
    of it with a chi-square (bearings included) less than ``RIVAL_CHI2`` above its own:
    its picks are at most ten times likelier than the rival's, so timing and bearings
    cannot say which of the two is the blast;
``missed``
    none of these: its picks were free, and no rival fits as well, yet the search made
    no event of them.

Rivals are found as the salvo areas' rounds are: a grid over the disc (``GRID_M``) proposes
every set whose picks agree within ``PROPOSE_S`` at some point of it, and each is then
fitted exactly (:func:`truceline.fusion.locate.locate`, WGS84 and the spec's propagation
model with the weather in force).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy.stats import chi2 as chi2_dist

from truceline.errors import InputError
from truceline.formats.records import Detection, Sensor, Weather
from truceline.fusion.config import FusionConfig
from truceline.fusion.evaluate import EventRecord, match_events, weather_at
from truceline.fusion.locate import Picks, locate, travel_model
from truceline.fusion.network import WeatherAt
from truceline.fusion.propagation import sound_speed
from truceline.fusion.truth import TrueBlast, Truth
from truceline.geo import F64, enu_rotation, geodetic_to_ecef

RIVAL_M = 1_000.0  # how far from the blast a rival may fit
GRID_M = 10.0  # spacing of the proposals' grid
RIVAL_CHI2 = 2.0 * math.log(10.0)  # a likelihood ratio of 10 (Jeffreys: "strong")
PROPOSE_S = 0.04  # agreement of a proposal's picks at a grid point (10 m is 30 ms)
SLOWEST_MS = 300.0  # the slowest sound, for the window of each sensor's picks
CAUSES = ("mistimed", "taken", "misfit", "ambiguous", "missed")


@dataclass(frozen=True, slots=True)
class Miss:
    """One eligible blast that no event matched, and why."""

    blast: str
    phase: str
    weapon: str
    salvo: str | None
    sensors: int  # distinct sensors that picked it
    on_time: int  # of them, those with an on-time pick
    taken: int  # its detections held by other events
    fit_p: float  # chi-square probability of its own on-time picks (NaN if not fitted)
    rivals: int  # other sets of its sensors fitting within RIVAL_M about as well
    cause: str


@dataclass(frozen=True, slots=True)
class _Pick:
    t: float  # seconds after the blast
    bearing: float  # radians, NaN without
    sigma_b: float  # radians


def explain_misses(
    truth: Truth,
    events: Sequence[EventRecord],
    sensors: Sequence[Sensor],
    detections: Sequence[Detection],
    weather: Sequence[Weather] = (),
    *,
    min_sensors: int = 4,
    max_distance_m: float = 3_000.0,
) -> list[Miss]:
    """The missed eligible blasts (the evaluator's matching rule) with their causes."""
    matched = {m.blast for m in match_events(truth, events, max_distance_m=max_distance_m)}
    held = {d for e in events for d in e.detections}
    owner = truth.source_of()
    min_fit_p = FusionConfig().min_fit_p
    by_sensor: dict[str, list[Detection]] = {}
    for d in detections:
        by_sensor.setdefault(d.sensor, []).append(d)
    smap = {s.id: s for s in sensors}
    unknown = sorted({s for b in truth.blasts for s in b.sensors} - set(smap))
    if unknown:
        raise InputError(f"sensors: no sensor {unknown[0]!r}, which the truth says picked "
                         f"a blast ({len(unknown)} such sensors)")  # fmt: skip
    out = []
    for b in truth.blasts:
        if len(b.hearing_sensors()) < min_sensors or b.id in matched:
            continue
        out.append(_explain(b, held, owner, by_sensor, smap, weather_at(weather, b.time),
                            min_sensors, min_fit_p))  # fmt: skip
    return out


def _explain(b: TrueBlast, held: set[str], owner: Mapping[str, str],
             by_sensor: Mapping[str, list[Detection]], smap: Mapping[str, Sensor],
             weather: Weather, min_sensors: int, min_fit_p: float) -> Miss:  # fmt: skip
    on_time = b.hearing_sensors(include_outliers=False)
    taken = sum(d in held for d in b.detections)

    def miss(cause: str, fit_p: float = math.nan, rivals: int = 0) -> Miss:
        return Miss(b.id, b.phase, b.weapon, b.salvo, len(b.hearing_sensors()), len(on_time),
                    taken, fit_p, rivals, cause)  # fmt: skip

    if len(on_time) < min_sensors:
        return miss("mistimed")
    if taken:
        return miss("taken")
    own = {s: d for d, s in zip(b.detections, b.sensors, strict=True) if d not in b.outliers}
    scene = _Scene(b, [smap[s] for s in on_time], weather)
    arrival = scene.travel(np.zeros(1), np.zeros(1))[:, 0]
    windows = [_window(by_sensor.get(s, []), b.time, a, scene.reach)
               for s, a in zip(on_time, arrival, strict=True)]  # fmt: skip
    truth_set = tuple(own[s] for s in on_time)
    chi2, dof = scene.fit(truth_set, windows)
    fit_p = float(chi2_dist.sf(chi2, dof)) if dof else math.nan
    if not fit_p >= min_fit_p:
        return miss("misfit", fit_p)
    rivals = [r for r in scene.proposals(windows) if _chance_set(r, owner)]
    close = sum(scene.fit(r, windows, within=RIVAL_M)[0] < chi2 + RIVAL_CHI2 for r in rivals)
    return miss("ambiguous" if close else "missed", fit_p, close)


def _chance_set(picks: tuple[str, ...], owner: Mapping[str, str]) -> bool:
    """Whether no one blast made all of ``picks`` (a false alarm has no blast): one that
    did is that blast, heard, not a rival."""
    owners = {owner.get(d) for d in picks}
    return len(owners) > 1 or None in owners


def _window(picks: list[Detection], t0: datetime, arrival: float, reach: float
            ) -> dict[str, _Pick]:  # fmt: skip
    """A sensor's picks within ``2 · reach`` of the blast's own arrival there (``arrival``
    seconds after the blast; ``reach``, the most a source within ``RIVAL_M`` moves an
    arrival), by id, their times in seconds after the blast."""
    out = {}
    for d in picks:
        t = (d.time - t0).total_seconds()
        if abs(t - arrival) <= 2.0 * reach:
            br = math.radians(d.bearing_deg) if d.bearing_deg is not None else math.nan
            sb = math.radians(d.bearing_sigma_deg) if d.bearing_sigma_deg is not None else math.nan
            out[d.id] = _Pick(t, br, sb)
    return out


class _Scene:
    """One blast's on-time sensors in the exact ENU frame at the blast."""

    def __init__(self, b: TrueBlast, sensors: list[Sensor], weather: Weather) -> None:
        self.b, self.sensors = b, sensors
        self.weather = WeatherAt(weather.temperature_c, weather.wind_u_ms, weather.wind_v_ms)
        self.speed = float(sound_speed(weather.temperature_c))
        self.ecef = geodetic_to_ecef([s.lat for s in sensors], [s.lon for s in sensors],
                                     [s.alt_m for s in sensors])  # fmt: skip
        self.rot = np.stack([enu_rotation(s.lat, s.lon) for s in sensors])
        origin = geodetic_to_ecef(b.lat, b.lon, b.alt_m)
        self.enu = (self.ecef - origin) @ enu_rotation(b.lat, b.lon).T
        self.reach = RIVAL_M / SLOWEST_MS
        self.sigma = np.array([s.timing_sigma_ms for s in sensors]) / 1000.0
        self.sigma_b = np.radians([s.bearing_sigma_deg if s.bearing_sigma_deg is not None
                                   else np.nan for s in sensors])  # fmt: skip

    def travel(self, e: F64, n: F64) -> F64:
        """Travel times (sensors × points) from sources at (e, n) at the blast's height."""
        out = np.empty((len(self.sensors), len(e)))
        for i, v in enumerate(self.enu):
            rel = np.stack([v[0] - e, v[1] - n, np.full_like(e, v[2])], axis=1)
            out[i] = travel_model(rel, self.speed, self.weather.wind_u_ms,
                                  self.weather.wind_v_ms)[0]  # fmt: skip
        return out

    def proposals(self, windows: list[dict[str, _Pick]]) -> set[tuple[str, ...]]:
        """Every set of one pick per sensor that agrees within ``PROPOSE_S`` at some grid
        point of the disc."""
        g = np.arange(-RIVAL_M, RIVAL_M + GRID_M, GRID_M)
        e, n = (a.ravel() for a in np.meshgrid(g, g))
        inside = np.hypot(e, n) <= RIVAL_M
        tt = self.travel(e[inside], n[inside])
        ids = [list(w) for w in windows]
        times = [np.array([w[i].t for i in w]) for w in windows]
        order = [np.argsort(t) for t in times]
        found: set[tuple[str, ...]] = set()
        ref = int(np.argmin([len(t) for t in times]))  # every set holds one of its picks
        for tp in times[ref]:
            t0 = tp - tt[ref]
            pick = np.zeros((len(windows), len(t0)), dtype=np.int64)
            ok = np.ones(len(t0), dtype=bool)
            for s in range(len(windows)):  # each window holds the blast's own pick
                sorted_t = times[s][order[s]]
                pred = t0 + tt[s]
                j = np.minimum(np.searchsorted(sorted_t, pred), len(sorted_t) - 1)
                lo = np.maximum(j - 1, 0)
                near = np.where(np.abs(sorted_t[lo] - pred) <= np.abs(sorted_t[j] - pred), lo, j)
                ok &= np.abs(sorted_t[near] - pred) <= PROPOSE_S
                pick[s] = order[s][near]
            for col in np.unique(pick[:, ok], axis=1).T:
                found.add(tuple(ids[s][k] for s, k in enumerate(col)))
        return found

    def fit(self, chosen: tuple[str, ...], windows: list[dict[str, _Pick]], *,
            within: float = math.inf) -> tuple[float, int]:  # fmt: skip
        """Chi-square and degrees of freedom of the exact fit of one pick per sensor
        (infinite when it fails or lands farther than ``within`` from the blast)."""
        picks = [w[i] for w, i in zip(windows, chosen, strict=True)]
        t = np.array([p.t for p in picks])
        sb = np.array([p.sigma_b for p in picks])
        sb = np.where(np.isfinite(sb), sb, self.sigma_b)  # the pick's sigma, else its sensor's
        bearing = np.where(np.isfinite(sb), [p.bearing for p in picks], np.nan)  # none: unused
        obs = Picks(self.ecef, self.rot, t, self.sigma, bearing, sb)
        guess = float(np.min(t - np.linalg.norm(self.enu, axis=1) / self.speed))
        fix = locate(obs, lat0=self.b.lat, lon0=self.b.lon, origin0=guess,
                     height=self.b.alt_m, weather=self.weather)  # fmt: skip
        if fix is None or not fix.converged or fix.dof < 1:
            return math.inf, 0
        here = geodetic_to_ecef(fix.lat, fix.lon, self.b.alt_m)
        there = geodetic_to_ecef(self.b.lat, self.b.lon, self.b.alt_m)
        if np.linalg.norm(here - there) > within:
            return math.inf, fix.dof
        return fix.chi2, fix.dof


def cause_counts(misses: Sequence[Miss]) -> dict[str, int]:
    """How many misses each cause explains, in :data:`CAUSES` order."""
    return {c: sum(m.cause == c for m in misses) for c in CAUSES}
