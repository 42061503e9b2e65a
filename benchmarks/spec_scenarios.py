"""Scenarios generated independently of ``truceline simulate``, from the specs alone.

The issue's targets hold "on the project's own scenarios and on scenarios it has never
seen, generated independently from the spec". Unseen seeds of the project's own simulator
share its every assumption (its network layout, hearing law, ballistics, label errors), so
this generator shares none of its code and makes other choices wherever the specs
(docs/formats: sensors, detections, weather, agreement) leave room:

- a contact line running north-east (the simulator's runs north), ~135 km, wiggling;
- sensors in two belts (near the line and 12–25 km behind it, at least 2.5 km apart), a
  tenth with no ``timing_sigma_ms`` or ``bearing_sigma_deg`` (the spec's defaults, 2 ms
  and 5°, are then the truth), sigmas 0.8–4 ms, the CSV's columns shuffled, two sensors
  coming on line mid-scenario (``active_from``) and three silent for a while;
- hearing from a sonar-style budget: source level − spherical spreading − 1 dB/km of
  absorption ± a wind term, against each sensor's own noise floor, detected with
  logistic probability in the signal-to-noise ratio (not a fixed range law); 30 % of the
  sensors report no ``snr_db``;
- times of flight from vacuum ballistics stretched by drag (×1.00–1.15), elevations
  per class; MLRS salvos of 40 rockets in 20 s whose rounds vary in muzzle velocity;
  unpaired demolitions (``explosion``) besides the four gun classes;
- weather every 30 minutes, the record in force at the blast's origin time; the wind's
  component along a path taken in the sensor's horizontal (Truceline takes the
  source's; ``--wind-frame source`` does too, ``path`` integrates along the path);
- labels right 80 % (phase) and 75 % (weapon) of the time and left out on a fifth of the
  detections; a twentieth of the arrays' bearings carry their own, larger sigma;
- detection ids random, fields in varying order, the file in arrival-time order.

The ground truth is written as ``truth.ndjson`` in the evaluator's format
(docs/simulation.md), so ``truceline evaluate`` scores the events. Only numpy and shapely
are used: nothing of ``truceline`` is imported. Usage::

    .venv/bin/python benchmarks/spec_scenarios.py --preset moderate --seed 1 --hours 0.5 --out DIR

``benchmarks/spec_eval.py`` generates, fuses and scores a set of them.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.ops import split

A_WGS, F_WGS = 6378137.0, 1.0 / 298.257223563
E2 = F_WGS * (2.0 - F_WGS)
G = 9.80665
START = datetime(2026, 6, 14, 22, 0, tzinfo=UTC)
LINE_LL = [(37.15, 47.55), (37.55, 47.80), (37.85, 48.00), (38.20, 48.25), (38.45, 48.45)]


@dataclass(frozen=True)
class Preset:
    """Loads as the issue states them."""

    shots_per_hour: float
    salvos_per_hour: float
    outlier_fraction: float
    false_alarms: float  # per sensor-hour
    wind_ms: float


PRESETS = {
    "moderate": Preset(300.0, 2.0, 0.01, 2.0, 3.0),
    "hard": Preset(600.0, 10.0, 0.03, 6.0, 7.0),
}

# class: (range km, elevation deg, launch depth km, launch level dB, impact level dB)
CLASSES = {
    "artillery": ((5.0, 24.0), (18.0, 50.0), (3.0, 16.0), 176.0, 172.0),
    "mortar": ((1.0, 6.5), (45.0, 78.0), (0.5, 3.0), 163.0, 166.0),
    "mlrs": ((5.0, 20.0), (15.0, 50.0), (5.0, 15.0), 172.0, 172.0),
    "tank": ((0.8, 3.5), (0.0, 0.0), (0.3, 1.5), 176.0, 160.0),
}
MIX = {"artillery": 0.40, "mortar": 0.30, "mlrs": 0.10, "tank": 0.15, "explosion": 0.05}
WEAPONS = ("artillery", "mortar", "mlrs", "tank", "small_arms", "explosion")


# ---------------------------------------------------------------- WGS84 (exact)


def ecef(lat: np.ndarray, lon: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Geodetic (degrees, metres) to Earth-centred Earth-fixed metres."""
    la, lo = np.radians(lat), np.radians(lon)
    n = A_WGS / np.sqrt(1.0 - E2 * np.sin(la) ** 2)
    return np.stack([(n + h) * np.cos(la) * np.cos(lo), (n + h) * np.cos(la) * np.sin(lo),
                     (n * (1.0 - E2) + h) * np.sin(la)], axis=-1)  # fmt: skip


def enu_axes(lat: float, lon: float) -> np.ndarray:
    """Rows: east, north, up unit vectors at a point (ECEF)."""
    la, lo = math.radians(lat), math.radians(lon)
    return np.array([
        [-math.sin(lo), math.cos(lo), 0.0],
        [-math.sin(la) * math.cos(lo), -math.sin(la) * math.sin(lo), math.cos(la)],
        [math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)],
    ])  # fmt: skip


class Frame:
    """An exact local tangent frame at a reference point (ECEF rotated and shifted)."""

    def __init__(self, lat: float, lon: float) -> None:
        self.origin = ecef(np.array(lat), np.array(lon), np.array(0.0))
        self.axes = enu_axes(lat, lon)

    def to_enu(self, lat: np.ndarray, lon: np.ndarray, h: np.ndarray) -> np.ndarray:
        return (ecef(lat, lon, h) - self.origin) @ self.axes.T

    def to_geodetic(self, enu: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inverse of :meth:`to_enu`."""
        return geodetic(enu @ self.axes + self.origin)


def geodetic(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF metres to geodetic (degrees, metres): Bowring's method, iterated (sub-mm)."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - E2))
    for _ in range(5):
        n = A_WGS / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
        h = p / np.cos(lat) - n
        lat = np.arctan2(z, p * (1.0 - E2 * n / (n + h)))
    n = A_WGS / np.sqrt(1.0 - E2 * np.sin(lat) ** 2)
    return np.degrees(lat), np.degrees(lon), p / np.cos(lat) - n


WIND_FRAMES = ("sensor", "source", "path")


def effective_speed(mode: str, src: np.ndarray, sensors: np.ndarray, c: float,
                    wind: np.ndarray) -> np.ndarray:  # fmt: skip
    """The spec's ``c(T) + w · u`` from ``src`` to each of ``sensors`` (ECEF), m/s.

    The spec leaves open where the horizontal of ``u`` is taken, and the east and north
    of a wind vector turn along a path (by about 0.2° over 20 km east to west at 48° N:
    up to 4 ms of travel time in 7 m/s of wind). ``sensor``: the horizontal at the
    sensor; ``source``: at the source (Truceline's reading); ``path``: the travel time
    integrated along the path with the frame turning along it (returned as the one
    speed that gives that time).
    """
    d = sensors - src
    if mode in ("sensor", "source"):
        at = sensors if mode == "sensor" else np.broadcast_to(src, sensors.shape)
        return c + _along(at, d, wind)
    f = (np.arange(16) + 0.5) / 16
    pts = src + f[None, :, None] * d[:, None, :]  # 16 points along each path
    slowness = np.mean(1.0 / (c + _along(pts, d[:, None, :], wind)), axis=1)
    return np.asarray(1.0 / slowness)


def _along(at: np.ndarray, d: np.ndarray, wind: np.ndarray) -> np.ndarray:
    """``w · u`` with ``u`` the horizontal direction of ``d`` in the local frame at ``at``."""
    lat, lon, _ = geodetic(at)
    la, lo = np.radians(lat), np.radians(lon)
    east = np.stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)], axis=-1)
    north = np.stack([-np.sin(la) * np.cos(lo), -np.sin(la) * np.sin(lo), np.cos(la)], axis=-1)
    de, dn = np.sum(d * east, axis=-1), np.sum(d * north, axis=-1)
    return (wind[0] * de + wind[1] * dn) / np.maximum(np.hypot(de, dn), 1e-6)


def terrain(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Ground height above the ellipsoid (m): rolling steppe, 90–290 m."""
    return (190.0 + 60.0 * np.sin(3.1 * lon + 1.3) * np.cos(2.3 * lat)
            + 40.0 * np.sin(7.7 * lat - 0.4 * lon))  # fmt: skip


def sound_speed(temp_c: float) -> float:
    """The spec's speed of sound."""
    return 331.3 * math.sqrt(1.0 + temp_c / 273.15)


# ---------------------------------------------------------------- scenario pieces


@dataclass
class World:
    rng: np.random.Generator
    frame: Frame
    line: LineString  # contact line in the local frame (east, north metres)
    areas: dict[str, Polygon]  # control areas in the local frame
    sensors: list[dict[str, object]] = field(default_factory=list)
    weather: list[dict[str, float | str]] = field(default_factory=list)
    weather_t: list[datetime] = field(default_factory=list)  # each record's time
    wind_frame: str = "sensor"  # where the wind's component along a path is taken


def make_world(rng: np.random.Generator) -> World:
    """The front: a wiggling north-east line and the two sides' control areas."""
    centre = np.mean(np.array(LINE_LL), axis=0)
    frame = Frame(float(centre[1]), float(centre[0]))
    pts = np.array(LINE_LL)
    dense = []
    for (lo0, la0), (lo1, la1) in itertools.pairwise(pts):
        for f in np.linspace(0.0, 1.0, 12, endpoint=False):
            dense.append((lo0 + f * (lo1 - lo0), la0 + f * (la1 - la0)))
    dense.append(tuple(pts[-1]))
    d = np.array(dense)
    enu = frame.to_enu(d[:, 1], d[:, 0], np.zeros(len(d)))[:, :2]
    # wiggles of a few km across the line
    tang = np.gradient(enu, axis=0)
    normal = np.stack([tang[:, 1], -tang[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    s = np.linspace(0.0, 1.0, len(enu))
    phase = rng.uniform(0, 2 * np.pi, 2)
    off = 2500.0 * np.sin(2 * np.pi * 2.0 * s + phase[0]) + 1200.0 * np.sin(
        2 * np.pi * 5.3 * s + phase[1]
    )
    enu = enu + normal * off[:, None]
    line = LineString(enu)
    # extend the line's ends far out and split a box around it into the two sides
    a, b = enu[0], enu[-1]
    ua, ub = (a - enu[1]) / np.linalg.norm(a - enu[1]), (b - enu[-2]) / np.linalg.norm(b - enu[-2])
    cut = LineString([a + 200_000 * ua, *enu, b + 200_000 * ub])
    box = line.buffer(60_000.0).envelope
    halves = list(split(box, cut).geoms)
    nw = Point(*(enu[len(enu) // 2] + np.array([-20_000.0, 20_000.0])))
    area_a = next(h for h in halves if h.contains(nw))
    area_b = next(h for h in halves if h is not area_a)
    return World(rng, frame, line, {"A": area_a, "B": area_b})


def _across(line: LineString, at: float) -> tuple[np.ndarray, np.ndarray]:
    """The point ``at`` metres along the line and the unit vector across it there."""
    p = line.interpolate(at)
    q = line.interpolate(min(line.project(p) + 50.0, line.length))
    t = np.array([q.x - p.x, q.y - p.y])
    t /= np.linalg.norm(t)
    return np.array([p.x, p.y]), np.array([t[1], -t[0]])


def side_of(world: World, e: float, n: float) -> str | None:
    p = Point(e, n)
    for code, poly in world.areas.items():
        if poly.covers(p):
            return code
    return None


def place_sensors(world: World, n_sensors: int, hours: float) -> None:
    """Two belts of sensors on both sides; mixed kinds, sigmas and missing values."""
    rng, line = world.rng, world.line
    length = line.length
    placed: list[np.ndarray] = []
    owners = ["USA", "GBR", "FRA", "POL", "DEU", "CAN", "NLD", "MISSION"]
    tries = 0
    while len(placed) < n_sensors and tries < 100_000:
        tries += 1
        at, normal = _across(line, rng.uniform(0.02, 0.98) * length)
        near = rng.random() < 0.6
        depth = rng.uniform(0.5, 12.0) if near else rng.uniform(12.0, 25.0)
        pos = at + normal * depth * 1000.0 * rng.choice([-1.0, 1.0])
        if placed and np.min(np.linalg.norm(np.array(placed) - pos, axis=1)) < 2500.0:
            continue
        placed.append(pos)
    en = np.array(placed)
    lat, lon, _ = world.frame.to_geodetic(np.column_stack([en, np.zeros(len(en))]))
    h = terrain(lat, lon) + 1.5
    end = START + timedelta(hours=hours)
    late = set(rng.choice(len(en), 2, replace=False).tolist())
    for i in range(len(en)):
        kind = "acoustic_array" if rng.random() < 0.4 else "acoustic"
        sigma = float(np.round(rng.uniform(0.8, 4.0), 1))
        sb = float(np.round(rng.uniform(2.0, 6.0), 1))
        row: dict[str, object] = {
            "id": f"S{i:03d}-{owners[i % len(owners)][:2]}",
            "kind": kind, "lat": round(float(lat[i]), 6), "lon": round(float(lon[i]), 6),
            "alt_m": round(float(h[i]), 1), "owner": owners[i % len(owners)],
            "timing_sigma_ms": "" if rng.random() < 0.1 else sigma,
            "bearing_sigma_deg": "" if kind != "acoustic_array" or rng.random() < 0.1 else sb,
            "active_from": "", "active_to": "",
        }  # fmt: skip
        on = START + (end - START) * float(rng.uniform(0.2, 0.5)) if i in late else START
        if i in late:
            row["active_from"] = _fmt(on)
        row["_sigma_s"] = (2.0 if row["timing_sigma_ms"] == "" else sigma) / 1000.0
        row["_sigma_b"] = 5.0 if row["bearing_sigma_deg"] == "" else sb
        row["_noise_db"] = float(rng.uniform(62.0, 72.0))
        row["_snr"] = rng.random() >= 0.3
        row["_enu"] = world.frame.to_enu(np.array(lat[i]), np.array(lon[i]), np.array(h[i]))
        row["_ecef"] = ecef(np.array(lat[i]), np.array(lon[i]), np.array(h[i]))
        row["_axes"] = enu_axes(float(lat[i]), float(lon[i]))
        row["_on"] = on
        world.sensors.append(row)
    # three sensors silent for a while (outages: working, registered, hearing nothing)
    for i in rng.choice(len(world.sensors), 3, replace=False).tolist():
        a = START + timedelta(hours=hours * float(rng.uniform(-0.5, 0.8)))
        world.sensors[i]["_down"] = (a, a + timedelta(hours=float(rng.uniform(0.5, 2.0))))


def make_weather(world: World, hours: float, wind: float) -> None:
    """A record every 30 minutes from an hour before to two after; slowly varying."""
    rng = world.rng
    temp = float(rng.uniform(-5.0, 22.0))
    direction = float(rng.uniform(0.0, 2 * math.pi))
    t = START - timedelta(hours=1)
    while t <= START + timedelta(hours=hours + 2):
        temp += float(rng.normal(0.0, 0.6))
        direction += float(rng.normal(0.0, 0.12))
        speed = max(0.0, wind * float(rng.uniform(0.75, 1.25)))
        world.weather_t.append(t)
        world.weather.append({"time": _fmt(t), "temperature_c": round(temp, 1),
                              "wind_u_ms": round(speed * math.sin(direction), 1),
                              "wind_v_ms": round(speed * math.cos(direction), 1)})  # fmt: skip
        t += timedelta(minutes=30)


def weather_at(world: World, t: datetime) -> dict[str, float | str]:
    """The record in force at ``t`` (the first before the records begin)."""
    return world.weather[max(bisect.bisect_right(world.weather_t, t) - 1, 0)]


def _fmt(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- shots


@dataclass
class Blast:
    id: str
    t: datetime
    enu: np.ndarray  # east, north (m, local frame); height filled from terrain
    phase: str
    weapon: str
    level_db: float
    pair: str | None = None
    shot: str = ""
    salvo: str | None = None
    lat: float = 0.0
    lon: float = 0.0
    alt: float = 0.0
    detections: list[str] = field(default_factory=list)
    sensors: list[str] = field(default_factory=list)
    outliers: list[str] = field(default_factory=list)


def _tof(rng: np.random.Generator, weapon: str, rng_m: float) -> float:
    """Time of flight: vacuum ballistics at a drawn elevation, stretched by drag."""
    (_, (el0, el1), _, _, _) = CLASSES[weapon]
    if weapon == "tank":
        return rng_m / float(rng.uniform(800.0, 1700.0))
    el = math.radians(float(rng.uniform(el0, el1)))
    return math.sqrt(2.0 * rng_m * math.tan(el) / G) * float(rng.uniform(1.0, 1.15))


def _aim(world: World, weapon: str) -> tuple[np.ndarray, np.ndarray]:
    """A launch point behind the line on a random side and an impact point."""
    rng, line = world.rng, world.line
    (r0, r1), _, (d0, d1), _, _ = CLASSES[weapon]
    at, normal = _across(line, float(rng.uniform(0.0, 1.0)) * line.length)
    sgn = float(rng.choice([-1.0, 1.0]))
    launch = at + sgn * normal * float(rng.uniform(d0, d1)) * 1000.0
    across = rng.random() < 0.88
    ang = float(rng.uniform(-35.0, 35.0)) if across else float(rng.uniform(0.0, 360.0))
    towards = -sgn * normal if across else normal
    c, s = math.cos(math.radians(ang)), math.sin(math.radians(ang))
    dirv = np.array([c * towards[0] - s * towards[1], s * towards[0] + c * towards[1]])
    rng_m = float(rng.uniform(r0, r1)) * 1000.0
    return launch, launch + dirv * rng_m


def make_blasts(world: World, preset: Preset, hours: float) -> list[Blast]:
    rng = world.rng
    out: list[Blast] = []
    span = hours * 3600.0
    n_shots = rng.poisson(preset.shots_per_hour * hours)
    shot = 0
    names, probs = list(MIX), np.array(list(MIX.values()))
    for t0 in np.sort(rng.uniform(0.0, span, n_shots)):
        weapon = names[int(rng.choice(len(names), p=probs / probs.sum()))]
        shot += 1
        t = START + timedelta(seconds=float(t0))
        if weapon == "explosion":
            p = world.line.interpolate(float(rng.uniform(0, 1)) * world.line.length)
            at = np.array([p.x, p.y]) + rng.normal(0.0, 4000.0, 2)
            out.append(Blast("", t, at, "impact", "explosion", 170.0, shot=f"s{shot}"))
            continue
        launch, impact = _aim(world, weapon)
        tof = _tof(rng, weapon, float(np.linalg.norm(impact - launch)))
        lvl_l, lvl_i = CLASSES[weapon][3], CLASSES[weapon][4]
        a = Blast("", t, launch, "launch", weapon, lvl_l, shot=f"s{shot}")
        b = Blast("", t + timedelta(seconds=tof), impact, "impact", weapon, lvl_i, shot=f"s{shot}")
        out += [a, b]
    for v in range(rng.poisson(preset.salvos_per_hour * hours)):
        out += _salvo(world, f"v{v + 1}", START + timedelta(seconds=float(rng.uniform(0, span))),
                      shot_base=10_000 * (v + 1))  # fmt: skip
    out.sort(key=lambda b: b.t)
    for i, b in enumerate(out):
        b.id = f"blast-{i + 1:06d}"
    by_shot: dict[str, list[Blast]] = {}
    for b in out:
        by_shot.setdefault(b.shot, []).append(b)
    for group in by_shot.values():
        if len(group) == 2:
            group[0].pair, group[1].pair = group[1].id, group[0].id
    return out


def _salvo(world: World, name: str, t0: datetime, shot_base: int) -> list[Blast]:
    """A BM-21 salvo: 40 rockets, one every 0.5 s, muzzle velocities varying a little."""
    rng = world.rng
    launch, aim = _aim(world, "mlrs")
    rng_aim = float(np.linalg.norm(aim - launch))
    u = (aim - launch) / rng_aim
    v = np.array([-u[1], u[0]])
    tof_aim = _tof(rng, "mlrs", rng_aim)
    out: list[Blast] = []
    for k in range(40):
        t = t0 + timedelta(seconds=0.5 * k + float(rng.uniform(0.0, 0.1)))
        d_range, d_defl = float(rng.normal(0.0, 130.0)), float(rng.normal(0.0, 60.0))
        hit = aim + u * d_range + v * d_defl
        r = float(np.linalg.norm(hit - launch))
        tof = tof_aim * math.sqrt(r / rng_aim) + float(rng.normal(0.0, 0.06))
        at = launch + rng.normal(0.0, 2.0, 2)
        shot = f"s{shot_base + k}"
        out.append(Blast("", t, at, "launch", "mlrs", 172.0, shot=shot, salvo=name))
        out.append(Blast("", t + timedelta(seconds=tof), hit, "impact", "mlrs", 172.0,
                         shot=shot, salvo=name))  # fmt: skip
    return out


# ---------------------------------------------------------------- hearing


def hear(
    world: World, blasts: list[Blast], preset: Preset, hours: float
) -> list[dict[str, object]]:
    """Every sensor's picks of every blast, plus outliers and false alarms."""
    rng = world.rng
    dets: list[dict[str, object]] = []
    s_ecef = np.array([s["_ecef"] for s in world.sensors])
    s_enu = np.array([s["_enu"] for s in world.sensors])
    for b in blasts:
        lat, lon, _ = world.frame.to_geodetic(np.array([b.enu[0], b.enu[1], 0.0]))
        b.lat, b.lon = round(float(lat), 7), round(float(lon), 7)
        b.alt = round(float(terrain(np.array(b.lat), np.array(b.lon))), 2)
        src = ecef(np.array(b.lat), np.array(b.lon), np.array(b.alt))
        w = weather_at(world, b.t)
        c = sound_speed(float(w["temperature_c"]))
        wind = np.array([float(w["wind_u_ms"]), float(w["wind_v_ms"])])
        dist = np.linalg.norm(s_ecef - src, axis=1)
        src_enu = world.frame.to_enu(np.array(b.lat), np.array(b.lon), np.array(b.alt))
        horiz = s_enu[:, :2] - src_enu[:2]
        travel = dist / effective_speed(world.wind_frame, src, s_ecef, c, wind)
        along = (horiz @ wind) / np.maximum(np.linalg.norm(horiz, axis=1), 1.0)
        level = b.level_db - 20.0 * np.log10(np.maximum(dist, 1.0)) - 1.0 * dist / 1000.0
        level += 0.25 * along * dist / 1000.0 / 5.0  # downwind carries, upwind fades
        for i, s in enumerate(world.sensors):
            arrival = b.t + timedelta(seconds=float(travel[i]))
            if arrival < s["_on"] or ("_down" in s and s["_down"][0] <= arrival < s["_down"][1]):
                continue
            snr = float(level[i]) - float(s["_noise_db"])
            if rng.random() >= 1.0 / (1.0 + math.exp(-(snr - 10.0) / 2.0)):
                continue
            dt = float(rng.normal(0.0, float(s["_sigma_s"])))
            det = _detection(world, s, arrival + timedelta(seconds=dt), b, snr, src)
            if rng.random() < preset.outlier_fraction:
                shift = float(rng.uniform(0.02, 0.4)) * (1.0 if rng.random() < 0.6 else -1.0)
                det["_t"] = det["_t"] + timedelta(seconds=shift)
                b.outliers.append(str(det["id"]))
            b.detections.append(str(det["id"]))
            b.sensors.append(str(s["id"]))
            dets.append(det)
    for s in world.sensors:
        for t0 in rng.uniform(0.0, hours * 3600.0, rng.poisson(preset.false_alarms * hours)):
            t = START + timedelta(seconds=float(t0))
            if t < s["_on"] or ("_down" in s and s["_down"][0] <= t < s["_down"][1]):
                continue
            dets.append(_detection(world, s, t, None, float(rng.uniform(3.0, 10.0)), None))
    dets.sort(key=lambda d: d["_t"])
    return dets


def _detection(world: World, s: dict[str, object], t: datetime, b: Blast | None, snr: float,
               src: np.ndarray | None) -> dict[str, object]:  # fmt: skip
    rng = world.rng
    det: dict[str, object] = {"id": f"x{rng.integers(0, 16**12):012x}", "sensor": s["id"], "_t": t}
    if s["kind"] == "acoustic_array":
        sb = float(s["_sigma_b"])
        if rng.random() < 0.05:
            sb = 8.0
            det["bearing_sigma_deg"] = sb
        if src is None:
            az = float(rng.uniform(0.0, 360.0))
        else:
            loc = np.asarray(s["_axes"]) @ (src - np.asarray(s["_ecef"]))
            az = math.degrees(math.atan2(loc[0], loc[1])) + float(rng.normal(0.0, sb))
        det["bearing_deg"] = round(az % 360.0, 1) % 360.0  # 359.96 rounds to 360
    if rng.random() >= 0.2:
        true_phase = b.phase if b else str(rng.choice(["launch", "impact"]))
        det["phase"] = (
            true_phase
            if rng.random() < 0.8
            else str(rng.choice([p for p in ("launch", "impact", "unknown") if p != true_phase]))
        )
        true_w = b.weapon if b else str(rng.choice(WEAPONS))
        det["weapon"] = (
            true_w if rng.random() < 0.75 else str(rng.choice([w for w in WEAPONS if w != true_w]))
        )
    if s["_snr"]:
        det["snr_db"] = round(snr + float(rng.normal(0.0, 1.5)), 1)
    return det


# ---------------------------------------------------------------- writing


def write(world: World, blasts: list[Blast], dets: list[dict[str, object]], out: Path,
          preset: str, seed: int, hours: float) -> None:  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    rng = world.rng
    cols = ["id", "kind", "lat", "lon", "alt_m", "owner", "timing_sigma_ms",
            "bearing_sigma_deg", "active_from", "active_to"]  # fmt: skip
    order = cols[:1] + [cols[1 + i] for i in rng.permutation(len(cols) - 1)]
    with (out / "sensors.csv").open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(order)
        for s in world.sensors:
            wr.writerow([s[c] for c in order])
    with (out / "detections.ndjson").open("w") as fh:
        for d in dets:
            rec = {k: v for k, v in d.items() if not k.startswith("_")}
            rec["time"] = _fmt(d["_t"])  # type: ignore[arg-type]
            keys = list(rec)
            rng.shuffle(keys)
            fh.write(json.dumps({k: rec[k] for k in keys}) + "\n")
    with (out / "weather.ndjson").open("w") as fh:
        for w in world.weather:
            fh.write(json.dumps(w) + "\n")
    _write_agreement(world, out / "agreement.geojson")
    heard = {d for b in blasts for d in b.detections}
    by_id = {str(d["id"]): d for d in dets}
    with (out / "truth.ndjson").open("w") as fh:
        fh.write(
            json.dumps(
                {
                    "kind": "scenario",
                    "version": 1,
                    "preset": f"spec-{preset}",
                    "seed": seed,
                    "start": _fmt(START),
                    "end": _fmt(START + timedelta(hours=hours)),
                    "hours": hours,
                }
            )
            + "\n"
        )
        for b in blasts:
            e, n = world.frame.to_enu(np.array(b.lat), np.array(b.lon), np.array(b.alt))[:2]
            order_d = sorted(range(len(b.detections)), key=lambda k: by_id[b.detections[k]]["_t"])
            fh.write(json.dumps({
                "kind": "blast", "id": b.id, "time": _fmt(b.t), "lat": b.lat, "lon": b.lon,
                "alt_m": b.alt, "phase": b.phase, "weapon": b.weapon, "pair": b.pair,
                "shot": b.shot, "salvo": b.salvo, "side": side_of(world, float(e), float(n)),
                "line_distance_m": round(world.line.distance(Point(float(e), float(n))), 1),
                "detections": [b.detections[k] for k in order_d],
                "sensors": [b.sensors[k] for k in order_d], "outliers": b.outliers,
            }) + "\n")  # fmt: skip
        for d in dets:
            if str(d["id"]) not in heard:
                fh.write(json.dumps({"kind": "false_alarm", "detection": d["id"],
                                     "sensor": d["sensor"]}) + "\n")  # fmt: skip
        for s in world.sensors:
            if "_down" in s:
                a, z = s["_down"]  # type: ignore[misc]
                fh.write(json.dumps({"kind": "outage", "sensor": s["id"], "start": _fmt(a),
                                     "end": _fmt(z)}) + "\n")  # fmt: skip


def _write_agreement(world: World, path: Path) -> None:
    def ll(geom: object) -> dict[str, object]:
        g = mapping(geom)

        def conv(c: object) -> object:
            if isinstance(c[0], (int, float)):  # type: ignore[index]
                lat, lon, _ = world.frame.to_geodetic(np.array([c[0], c[1], 0.0]))  # type: ignore[index]
                return [round(float(lon), 6), round(float(lat), 6)]
            return [conv(x) for x in c]  # type: ignore[union-attr]

        return {"type": g["type"], "coordinates": conv(g["coordinates"])}

    feats = [
        {"type": "Feature", "properties": {"role": "contact_line"}, "geometry": ll(world.line)}
    ]
    for code in ("A", "B"):
        # trim so the two areas' rounded coordinates cannot overlap
        poly = world.areas[code].buffer(-2.0)
        feats.append({"type": "Feature", "properties": {"role": "control_area", "side": code},
                      "geometry": ll(poly)})  # fmt: skip
    doc = {"type": "FeatureCollection",
           "agreement": {"id": "spec-scenario", "title": "Independent test scenario",
                         "effective_from": _fmt(START - timedelta(days=2)),
                         "sides": [{"code": "A", "name": "Side A"},
                                   {"code": "B", "name": "Side B"}],
                         "prohibited": ["fire"]},
           "features": feats}  # fmt: skip
    path.write_text(json.dumps(doc))


def generate(
    preset: str, seed: int, hours: float, out: Path, n_sensors: int = 90,
    wind_frame: str = "sensor",
) -> dict[str, int]:  # fmt: skip
    """Write one scenario; returns counts."""
    p = PRESETS[preset]
    world = make_world(np.random.default_rng([seed, 7_919]))
    world.wind_frame = wind_frame
    place_sensors(world, n_sensors, hours)
    make_weather(world, hours, p.wind_ms)
    blasts = make_blasts(world, p, hours)
    dets = hear(world, blasts, p, hours)
    write(world, blasts, dets, out, preset, seed, hours)
    heard4 = sum(1 for b in blasts if len(set(b.sensors)) >= 4)
    return {"blasts": len(blasts), "heard_by_4": heard4, "detections": len(dets)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="moderate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hours", type=float, default=0.5)
    ap.add_argument("--sensors", type=int, default=90)
    ap.add_argument("--wind-frame", choices=WIND_FRAMES, default="sensor",
                    help="where the wind's component along a path is taken")  # fmt: skip
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    print(json.dumps(generate(a.preset, a.seed, a.hours, a.out, a.sensors, a.wind_frame)))


if __name__ == "__main__":
    main()
