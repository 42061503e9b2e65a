"""Scenario simulator with ground truth for sensor fusion (pure: no I/O, no clock).

All randomness comes from the ``numpy.random.Generator`` passed in (default: seeded from
``config.seed``), so one seed gives one scenario, bit for bit. Physics follows
``docs/formats/detections.md`` exactly: straight-line WGS84 paths through ECEF and
``c(T) + w . u`` through :func:`truceline.fusion.propagation.travel_times`, with the
weather record in force at the blast's origin time. Placement (where a gun stands, where
the round lands) uses an azimuthal-equidistant plane centred on the front, which is only a
way of drawing random points; every measured quantity goes through ECEF.

The figures (ranges, times of flight, hearing ranges) and their sources are in
``docs/simulation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, mapping, shape
from shapely.ops import split, unary_union

from truceline.formats.records import Detection, Sensor, Weather
from truceline.fusion.propagation import travel_times
from truceline.fusion.truth import ClockFault, FalseAlarm, Outage, TrueBlast, Truth
from truceline.geo import F64, ecef_to_enu, geodetic_to_ecef
from truceline.timefmt import to_micros

G = 9.80665
PHASE_LABELS = ("launch", "impact", "unknown")
WEAPON_LABELS = ("artillery", "mortar", "mlrs", "tank", "small_arms", "explosion", "unknown")
OWNERS = ("USA", "GBR", "FRA", "DEU", "POL", "CAN", "FIN", "MISSION")
CLOCK_STREAM = 0xC10C  # the clock faults' random stream, beside the scenario's seed
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WeaponSpec:
    """Ballistics and loudness of one weapon class (figures: docs/simulation.md)."""

    range_km: tuple[float, float]
    tof_s: tuple[float, float]
    elevation_deg: tuple[float, float]
    depth_km: tuple[float, float]
    hear_r50_km: float
    hear_max_km: float
    direct_fire_ms: tuple[float, float] | None = None

    def time_of_flight(self, range_m: float, rng: np.random.Generator) -> float:
        """Time of flight for a range: vacuum trajectory, clipped to the class envelope.

        Indirect fire: ``t = sqrt(2 R tan(theta) / g)`` at a quadrant elevation drawn from
        the class's usual band; direct fire: ``R / v`` at a mean projectile speed.
        """
        if self.direct_fire_ms is not None:
            t = range_m / rng.uniform(*self.direct_fire_ms)
        else:
            theta = math.radians(rng.uniform(*self.elevation_deg))
            t = math.sqrt(2.0 * range_m * math.tan(theta) / G)
        return float(np.clip(t, *self.tof_s))


WEAPONS: dict[str, WeaponSpec] = {
    "mortar": WeaponSpec((1.0, 7.0), (10.0, 40.0), (45.0, 60.0), (0.5, 3.0), 9.0, 14.0),
    "artillery": WeaponSpec((5.0, 30.0), (15.0, 70.0), (20.0, 45.0), (3.0, 18.0), 15.0, 20.0),
    "mlrs": WeaponSpec((5.0, 40.0), (20.0, 90.0), (15.0, 45.0), (5.0, 20.0), 15.0, 20.0),
    "tank": WeaponSpec((1.0, 4.0), (1.0, 5.0), (0.0, 0.0), (0.3, 1.5), 9.0, 14.0, (900.0, 1600.0)),
}


@dataclass(frozen=True)
class SimulationConfig:
    """Every knob of a scenario; :meth:`preset` gives the named loads of the issue."""

    preset: str = "moderate"
    seed: int = 0
    hours: float = 1.0
    start: datetime = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    n_sensors: int = 90
    array_fraction: float = 0.4
    sensor_max_line_km: float = 25.0
    sensor_min_spacing_km: float = 3.0
    shots_per_hour: float = 300.0
    weapon_mix: tuple[tuple[str, float], ...] = (
        ("artillery", 0.45),
        ("mortar", 0.30),
        ("mlrs", 0.10),
        ("tank", 0.15),
    )
    own_side_impact_fraction: float = 0.1
    salvos_per_hour: float = 2.0
    salvo_size: int = 40
    salvo_duration_s: float = 20.0
    salvo_spread_m: float = 150.0
    salvo_tof_jitter_s: float = 0.05
    detect_p_max: float = 0.98
    hearing_scale: float = 1.0
    outlier_fraction: float = 0.01
    outlier_ms: tuple[float, float] = (30.0, 300.0)
    false_alarms_per_sensor_hour: float = 2.0
    phase_label_accuracy: float = 0.85
    weapon_label_accuracy: float = 0.8
    temperature_c: float = 5.0
    temperature_swing_c: float = 5.0
    wind_ms: float = 3.0
    outages: int = 3
    outage_hours: tuple[float, float] = (1.0, 3.0)
    clock_faults: int = 0  # sensors whose clock steps off from some time on
    clock_fault_ms: tuple[float, float] = (5.0, 1000.0)  # its offset's size (log-uniform)
    clock_drifts: int = 0  # sensors whose clock drifts from some time on (free-running)
    clock_drift_ppm: tuple[float, float] = (2.0, 100.0)  # its rate's size (log-uniform)

    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> SimulationConfig:
        """A named preset (``moderate`` or ``hard``) with some fields overridden."""
        if name not in PRESETS:
            raise ValueError(f"preset: unknown preset {name!r} (choose {', '.join(PRESETS)})")
        return replace(PRESETS[name], **overrides)


PRESETS: dict[str, SimulationConfig] = {
    "moderate": SimulationConfig(),
    "hard": SimulationConfig(
        preset="hard",
        shots_per_hour=600.0,
        salvos_per_hour=10.0,
        outlier_fraction=0.03,
        false_alarms_per_sensor_hour=6.0,
        wind_ms=7.0,
    ),
}


@dataclass(frozen=True)
class Front:
    """The contact line as ``(lon, lat)`` vertices plus, optionally, the control areas.

    ``control_areas`` maps a side code to a GeoJSON Polygon or MultiPolygon geometry. When
    absent, a box 50 km around the line is split along it: side ``A`` holds the ground to
    the left of the line's direction of travel, ``B`` the ground to the right.
    """

    contact_line: tuple[tuple[float, float], ...]
    control_areas: Mapping[str, Mapping[str, Any]] | None = None
    side_names: Mapping[str, str] = field(default_factory=lambda: {"A": "Side A", "B": "Side B"})


@dataclass(frozen=True)
class Scenario:
    """A simulated scenario: the files' contents plus the truth behind them."""

    config: SimulationConfig
    start: datetime
    end: datetime
    sensors: tuple[Sensor, ...]
    detections: tuple[Detection, ...]
    weather: tuple[Weather, ...]
    agreement: dict[str, Any]
    truth: Truth


# ---------------------------------------------------------------- geometry of the front


class _Plane:
    """Azimuthal-equidistant plane (metres, x east, y north) centred on the front."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        crs = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m"
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_xy(self, lon: Any, lat: Any) -> tuple[F64, F64]:
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_lonlat(self, x: Any, y: Any) -> tuple[F64, F64]:
        lon, lat = self._inv.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)


def terrain_height(x: F64, y: F64) -> F64:
    """A smooth synthetic terrain between 100 and 300 m (Donbas ridge heights)."""
    h = (
        200.0
        + 55.0 * np.sin(x / 11_000.0 + 0.7) * np.cos(y / 17_000.0)
        + 30.0 * np.sin(y / 7_000.0 + x / 23_000.0)
    )
    return np.asarray(np.clip(h, 100.0, 300.0), dtype=np.float64)


def default_front() -> Front:
    """A gently curved north-south contact line ~125 km long near 48° N 37.8° E."""
    plane = _Plane(48.0, 37.8)
    y = np.linspace(-62_000.0, 62_000.0, 125)
    x = 5_000.0 * np.sin(np.pi * y / 80_000.0) + 3_000.0 * (y / 62_000.0) ** 2
    lon, lat = plane.to_lonlat(x, y)
    line = tuple((round(float(a), 6), round(float(b), 6)) for a, b in zip(lon, lat, strict=True))
    return Front(contact_line=line)


def _split_box(line_ll: LineString, box_ll: Polygon) -> dict[str, Any]:
    """Split a box along the line (extended past the box); A left of travel, B right."""
    coords = np.asarray(line_ll.coords)
    head = coords[0] + (coords[0] - coords[1]) / np.linalg.norm(coords[0] - coords[1]) * 5.0
    tail = coords[-1] + (coords[-1] - coords[-2]) / np.linalg.norm(coords[-1] - coords[-2]) * 5.0
    long_line = LineString([head, *coords, tail])
    parts: dict[str, list[Any]] = {"A": [], "B": []}
    for piece in split(box_ll, long_line).geoms:
        p = piece.representative_point()
        nearest = long_line.project(p)
        a = np.asarray(long_line.interpolate(max(nearest - 1e-4, 0.0)).coords[0])
        b = np.asarray(long_line.interpolate(min(nearest + 1e-4, long_line.length)).coords[0])
        cross = (b[0] - a[0]) * (p.y - a[1]) - (b[1] - a[1]) * (p.x - a[0])
        parts["A" if cross > 0 else "B"].append(piece)
    return {side: unary_union(ps) for side, ps in parts.items() if ps}


class _Geometry:
    """The front in the plane and in lon/lat, ready for sampling and side look-ups."""

    def __init__(self, front: Front, margin_m: float = 50_000.0) -> None:
        ll = np.asarray(front.contact_line, dtype=float)
        if ll.ndim != 2 or ll.shape[0] < 2:
            raise ValueError("contact_line: needs at least two (lon, lat) vertices")
        self.plane = _Plane(float(ll[:, 1].mean()), float(ll[:, 0].mean()))
        x, y = self.plane.to_xy(ll[:, 0], ll[:, 1])
        self.line_xy = LineString(np.column_stack([x, y]))
        self.line_ll = LineString(ll)
        x0, y0, x1, y1 = self.line_xy.bounds
        self.box_xy = (x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
        if front.control_areas is not None:
            self.areas = {k: shape(v) for k, v in front.control_areas.items()}
        else:
            bx = np.linspace(self.box_xy[0], self.box_xy[2], 41)
            by = np.linspace(self.box_xy[1], self.box_xy[3], 41)
            ring_x = np.concatenate([bx, np.full(41, bx[-1]), bx[::-1], np.full(41, bx[0])])
            ring_y = np.concatenate([np.full(41, by[0]), by, np.full(41, by[-1]), by[::-1]])
            lon, lat = self.plane.to_lonlat(ring_x, ring_y)
            box_ll = Polygon(np.column_stack([lon, lat])).buffer(0)
            self.areas = _split_box(self.line_ll, box_ll)
        for geom in self.areas.values():
            shapely.prepare(geom)
        self.side_names = dict(front.side_names)

    def side_of(self, lon: float, lat: float) -> str | None:
        p = Point(lon, lat)
        for side, geom in self.areas.items():
            if geom.covers(p):
                return side
        return None

    def line_distance(self, x: float, y: float) -> float:
        return float(self.line_xy.distance(Point(x, y)))

    def normal_towards(self, s: float, side: str) -> tuple[F64, F64]:
        """Point at arc length ``s`` on the line and the unit normal pointing into ``side``."""
        p = np.asarray(self.line_xy.interpolate(s).coords[0])
        q = np.asarray(self.line_xy.interpolate(min(s + 50.0, self.line_xy.length)).coords[0])
        if np.allclose(p, q):
            q = p
            p = np.asarray(self.line_xy.interpolate(s - 50.0).coords[0])
        t = (q - p) / np.linalg.norm(q - p)
        n = np.array([-t[1], t[0]])
        probe = p + 1_000.0 * n
        lon, lat = self.plane.to_lonlat(probe[0], probe[1])
        if self.side_of(float(lon), float(lat)) != side:
            n = -n
        return p, n


# ---------------------------------------------------------------- sensors and weather


def place_sensors(
    geom: _Geometry, config: SimulationConfig, rng: np.random.Generator
) -> tuple[Sensor, ...]:
    """About ``n_sensors`` sensors within ``sensor_max_line_km`` of the line, spaced out."""
    pts: list[tuple[float, float]] = []
    x0, y0, x1, y1 = geom.line_xy.bounds
    reach = config.sensor_max_line_km * 1000.0
    spacing = config.sensor_min_spacing_km * 1000.0
    for _ in range(200 * config.n_sensors):
        if len(pts) >= config.n_sensors:
            break
        x, y = rng.uniform(x0 - reach, x1 + reach), rng.uniform(y0, y1)
        if not 300.0 < geom.line_distance(x, y) <= reach:
            continue
        if any((x - a) ** 2 + (y - b) ** 2 < spacing**2 for a, b in pts):
            continue
        pts.append((x, y))
    xy = np.asarray(pts, dtype=float)
    lon, lat = geom.plane.to_lonlat(xy[:, 0], xy[:, 1])
    alt = terrain_height(xy[:, 0], xy[:, 1]) + 2.0
    sensors = []
    for i in range(len(pts)):
        array = rng.random() < config.array_fraction
        row: dict[str, Any] = {
            "id": f"{'AA' if array else 'AC'}-{i + 1:04d}",
            "kind": "acoustic_array" if array else "acoustic",
            "lat": round(float(lat[i]), 6),
            "lon": round(float(lon[i]), 6),
            "alt_m": round(float(alt[i]), 1),
            "owner": OWNERS[int(rng.integers(len(OWNERS)))],
            "timing_sigma_ms": round(float(rng.uniform(1.0, 3.0)), 1),
        }
        if array:
            row["bearing_sigma_deg"] = round(float(rng.uniform(2.0, 5.0)), 1)
        sensors.append(Sensor.model_validate(row))
    return tuple(sensors)


def make_weather(
    config: SimulationConfig, start: datetime, hours: float, rng: np.random.Generator
) -> tuple[Weather, ...]:
    """Hourly records from an hour before ``start`` to two hours after the end.

    Temperature follows a diurnal sine (warmest at 15 h UTC+0 ~ 14 h local solar time at
    38° E is close enough) plus a slow random walk; the wind keeps its strength within
    ~15 % and veers by ~10° an hour. Values are rounded before use, so the file written
    holds exactly the weather the simulator propagated with.
    """
    first = start.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    n = math.ceil(hours) + 4
    direction = rng.uniform(0.0, 2.0 * math.pi)
    drift = 0.0
    out = []
    for k in range(n):
        t = first + timedelta(hours=k)
        hour = t.hour + t.minute / 60.0
        drift += rng.normal(0.0, 0.3)
        temp = config.temperature_c + config.temperature_swing_c * math.sin(
            2.0 * math.pi * (hour - 9.0) / 24.0
        )
        speed = max(0.0, config.wind_ms * (1.0 + 0.15 * rng.normal()))
        direction += math.radians(rng.normal(0.0, 10.0))
        out.append(
            Weather(
                time=t,
                temperature_c=round(temp + drift, 1) + 0.0,
                wind_u_ms=round(speed * math.sin(direction), 1) + 0.0,
                wind_v_ms=round(speed * math.cos(direction), 1) + 0.0,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------- shots


@dataclass
class _Blast:
    t: float  # origin time, seconds after start
    x: float
    y: float
    phase: str
    weapon: str
    shot: int
    salvo: int | None


def _draw_weapon(config: SimulationConfig, rng: np.random.Generator) -> str:
    names = [w for w, _ in config.weapon_mix]
    p = np.asarray([f for _, f in config.weapon_mix], dtype=float)
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _in_box(geom: _Geometry, x: float, y: float) -> bool:
    b = geom.box_xy
    return bool(b[0] + 1_000 < x < b[2] - 1_000 and b[1] + 1_000 < y < b[3] - 1_000)


def _side_xy(geom: _Geometry, x: float, y: float) -> str | None:
    lon, lat = geom.plane.to_lonlat(x, y)
    return geom.side_of(float(lon), float(lat))


def _aim(
    geom: _Geometry,
    weapon: str,
    config: SimulationConfig,
    rng: np.random.Generator,
    sides: Sequence[str],
) -> tuple[float, float, float, float, float] | None:
    """One launch point and one aim point: (xl, yl, xi, yi, range_m), or None on failure."""
    spec = WEAPONS[weapon]
    side = sides[int(rng.integers(len(sides)))]
    own = rng.random() < config.own_side_impact_fraction
    for _ in range(30):
        s = rng.uniform(0.0, geom.line_xy.length)
        p, n = geom.normal_towards(s, side)
        depth = rng.uniform(*spec.depth_km) * 1000.0
        launch = p + depth * n
        lo, hi = spec.range_km[0] * 1000.0, spec.range_km[1] * 1000.0
        if own:
            rng_m, ang = rng.uniform(lo, hi), rng.uniform(0.0, 2.0 * np.pi)
            d = np.array([math.cos(ang), math.sin(ang)])
        else:
            lo = max(lo, depth + 500.0)
            if lo >= hi:
                continue
            rng_m = rng.uniform(lo, min(hi, depth + 20_000.0))
            ang = math.radians(rng.uniform(-30.0, 30.0))
            c, si = math.cos(ang), math.sin(ang)
            d = np.array([-(c * n[0] - si * n[1]), -(si * n[0] + c * n[1])])
        impact = launch + rng_m * d
        if not (_in_box(geom, *launch) and _in_box(geom, *impact)):
            continue
        if _side_xy(geom, *launch) != side:
            continue
        if (_side_xy(geom, *impact) == side) != own:
            continue
        return float(launch[0]), float(launch[1]), float(impact[0]), float(impact[1]), rng_m
    return None


def make_shots(geom: _Geometry, config: SimulationConfig, rng: np.random.Generator) -> list[_Blast]:
    """Single shots (Poisson in time) and MLRS salvos, as launch and impact blasts."""
    duration = config.hours * 3600.0
    sides = sorted(geom.areas)
    blasts: list[_Blast] = []
    n_shots = int(rng.poisson(config.shots_per_hour * config.hours))
    shot = 0
    for t in np.sort(rng.uniform(0.0, duration, n_shots)):
        weapon = _draw_weapon(config, rng)
        aim = _aim(geom, weapon, config, rng, sides)
        if aim is None:
            continue
        xl, yl, xi, yi, r = aim
        tof = WEAPONS[weapon].time_of_flight(r, rng)
        blasts.append(_Blast(float(t), xl, yl, "launch", weapon, shot, None))
        blasts.append(_Blast(float(t) + tof, xi, yi, "impact", weapon, shot, None))
        shot += 1
    n_salvos = int(rng.poisson(config.salvos_per_hour * config.hours))
    for k, t0 in enumerate(np.sort(rng.uniform(0.0, duration, n_salvos))):
        aim = _aim(geom, "mlrs", replace(config, own_side_impact_fraction=0.0), rng, sides)
        if aim is None:
            continue
        xl, yl, xi, yi, r = aim
        along = np.array([xi - xl, yi - yl]) / r
        across = np.array([-along[1], along[0]])
        tof = WEAPONS["mlrs"].time_of_flight(r, rng)
        step = config.salvo_duration_s / config.salvo_size
        for i in range(config.salvo_size):
            t = float(t0) + i * step + rng.uniform(0.0, 0.25 * step)
            lx, ly = xl + rng.normal(0.0, 3.0), yl + rng.normal(0.0, 3.0)
            off = (
                rng.normal(0.0, config.salvo_spread_m) * along
                + rng.normal(0.0, config.salvo_spread_m / 2.0) * across
            )
            blasts.append(_Blast(t, lx, ly, "launch", "mlrs", shot, k))
            r_i = math.hypot(xi + off[0] - lx, yi + off[1] - ly)
            t_imp = t + tof * math.sqrt(r_i / r) + rng.normal(0.0, config.salvo_tof_jitter_s)
            blasts.append(_Blast(t_imp, xi + off[0], yi + off[1], "impact", "mlrs", shot, k))
            shot += 1
    return blasts


# ---------------------------------------------------------------- hearing


def _label(true: str, accuracy: float, labels: Sequence[str], rng: np.random.Generator) -> str:
    if rng.random() < accuracy:
        return true
    others = [x for x in labels if x != true]
    return others[int(rng.integers(len(others)))]


def _phase_label(true: str, accuracy: float, rng: np.random.Generator) -> str:
    """Wrong phase labels are 'unknown' half the time, the other phase otherwise."""
    if rng.random() < accuracy:
        return true
    if rng.random() < 0.5:
        return "unknown"
    return "impact" if true == "launch" else "launch"


@dataclass
class _Pick:
    t_us: int
    sensor: int
    blast: int  # -1 for a false alarm
    outlier: bool
    row: dict[str, Any]


class _Network:
    """Sensor positions and properties as arrays, for vectorised hearing."""

    def __init__(self, sensors: Sequence[Sensor]) -> None:
        self.sensors = sensors
        self.lat = np.array([s.lat for s in sensors])
        self.lon = np.array([s.lon for s in sensors])
        self.ecef = geodetic_to_ecef(self.lat, self.lon, np.array([s.alt_m for s in sensors]))
        self.sigma_s = np.array([s.timing_sigma_ms for s in sensors]) / 1000.0
        self.is_array = np.array([s.kind == "acoustic_array" for s in sensors])
        self.bearing_sigma = np.array([s.bearing_sigma_deg for s in sensors])


def _bearings(net: _Network, idx: Sequence[int], src_ecef: F64) -> F64:
    """Exact azimuth (deg from true north) from each sensor towards the source."""
    out = np.empty(len(idx))
    for k, i in enumerate(idx):
        enu = ecef_to_enu(src_ecef, float(net.lat[i]), float(net.lon[i]))
        enu = enu - ecef_to_enu(net.ecef[i], float(net.lat[i]), float(net.lon[i]))
        out[k] = math.degrees(math.atan2(enu[0], enu[1]))
    return out


def hear_blast(
    k: int,
    b: _Blast,
    lat: float,
    lon: float,
    alt: float,
    net: _Network,
    weather: Weather,
    config: SimulationConfig,
    start_us: int,
    down: Callable[[int, int], bool],
    rng: np.random.Generator,
) -> list[_Pick]:
    """Which sensors pick this blast, when, with what bearing and labels."""
    src = geodetic_to_ecef(lat, lon, alt)
    dist = np.linalg.norm(net.ecef - src, axis=1)
    spec = WEAPONS[b.weapon]
    r50 = spec.hear_r50_km * 1000.0 * config.hearing_scale
    p = config.detect_p_max / (1.0 + (dist / r50) ** 4)
    p[dist > spec.hear_max_km * 1000.0 * config.hearing_scale] = 0.0
    heard = np.flatnonzero(rng.random(len(dist)) < p)
    if len(heard) == 0:
        return []
    tt = travel_times(
        src,
        lat,
        lon,
        net.ecef[heard],
        temperature_c=weather.temperature_c,
        wind_u_ms=weather.wind_u_ms,
        wind_v_ms=weather.wind_v_ms,
    )
    arrival = b.t + tt + rng.normal(0.0, net.sigma_s[heard])
    outlier = rng.random(len(heard)) < config.outlier_fraction
    sign = np.where(rng.random(len(heard)) < 0.7, 1.0, -1.0)
    arrival += outlier * sign * rng.uniform(*config.outlier_ms, len(heard)) / 1000.0
    bearing = _bearings(net, heard.tolist(), src)
    snr = 10.0 + 20.0 * np.log10(r50 / np.maximum(dist[heard], 50.0)) + rng.normal(0, 3, len(heard))
    picks = []
    for j, i in enumerate(heard.tolist()):
        t_us = start_us + round(float(arrival[j]) * 1e6)
        if down(i, t_us):
            continue
        row: dict[str, Any] = {"sensor": net.sensors[i].id}
        if net.is_array[i]:
            noisy = bearing[j] + rng.normal(0.0, net.bearing_sigma[i])
            row["bearing_deg"] = round(float(noisy) % 360.0, 1) % 360.0
        row["phase"] = _phase_label(b.phase, config.phase_label_accuracy, rng)
        row["weapon"] = _label(b.weapon, config.weapon_label_accuracy, WEAPON_LABELS, rng)
        row["snr_db"] = round(float(snr[j]), 1)
        picks.append(_Pick(t_us, i, k, bool(outlier[j]), row))
    return picks


def false_alarms(
    net: _Network,
    config: SimulationConfig,
    start_us: int,
    down: Callable[[int, int], bool],
    rng: np.random.Generator,
) -> list[_Pick]:
    """Poisson false alarms per sensor, uniform in time, with random labels."""
    picks = []
    duration_us = round(config.hours * 3600.0 * 1e6)
    for i in range(len(net.sensors)):
        n = int(rng.poisson(config.false_alarms_per_sensor_hour * config.hours))
        for t in np.sort(rng.integers(0, duration_us, n)):
            t_us = start_us + int(t)
            if down(i, t_us):
                continue
            row: dict[str, Any] = {"sensor": net.sensors[i].id}
            if net.is_array[i]:
                row["bearing_deg"] = round(float(rng.uniform(0.0, 360.0)), 1) % 360.0
            row["phase"] = PHASE_LABELS[int(rng.integers(3))]
            row["weapon"] = WEAPON_LABELS[int(rng.integers(len(WEAPON_LABELS)))]
            row["snr_db"] = round(float(rng.uniform(3.0, 12.0)), 1)
            picks.append(_Pick(t_us, i, -1, False, row))
    return picks


def make_clock_faults(
    net: _Network, config: SimulationConfig, start: datetime, outages: Sequence[Outage]
) -> tuple[ClockFault, ...]:
    """A few sensors (none with an outage) whose clocks run off from a time in the
    scenario's first half to its end: ``clock_faults`` step off by a constant offset (a
    time source spoofed, or a clock set by hand after satellite time was lost),
    ``clock_drifts`` drift at a constant rate from zero (an oscillator left free-running).
    Drawn from a stream of their own, so that a scenario with faults differs from the one
    without only in those sensors' times."""
    n_faults = max(config.clock_faults, 0) + max(config.clock_drifts, 0)
    if n_faults == 0:
        return ()
    rng = np.random.default_rng([config.seed, CLOCK_STREAM])
    down = {o.sensor for o in outages}
    free = [i for i, s in enumerate(net.sensors) if s.id not in down]
    chosen = sorted(rng.choice(free, size=min(n_faults, len(free)), replace=False))
    steps = set(rng.permutation(len(chosen))[: max(config.clock_faults, 0)].tolist())
    out = []
    for k, i in enumerate(chosen):
        begin = round(rng.uniform(0.0, 0.5) * config.hours * 3600.0)
        lo, hi = (math.log(v) for v in (config.clock_fault_ms if k in steps
                                        else config.clock_drift_ppm))  # fmt: skip
        size = math.exp(rng.uniform(lo, hi)) * (1.0 if rng.random() < 0.5 else -1.0)
        offset, drift = (round(size, 3), 0.0) if k in steps else (0.0, round(size, 3))
        out.append(ClockFault(net.sensors[int(i)].id, start + timedelta(seconds=begin),
                              offset, drift))  # fmt: skip
    return tuple(out)


def _shift_clocks(picks: list[_Pick], faults: Sequence[ClockFault], index: dict[str, int]
                  ) -> list[_Pick]:  # fmt: skip
    """The picks with each faulty sensor's times from its fault's start moved by its
    clock's offset then (the truth keeps the true times of blasts)."""
    if not faults:
        return picks
    when = {index[f.sensor]: (to_micros(f.start), f) for f in faults}
    out = []
    for p in picks:
        start_us, fault = when.get(p.sensor, (None, None))
        if fault is not None and start_us is not None and p.t_us >= start_us:
            shift_ms = fault.offset_ms + fault.drift_ppm * 1e-3 * (p.t_us - start_us) / 1e6
            p = replace(p, t_us=p.t_us + round(shift_ms * 1e3))
        out.append(p)
    return out


def make_outages(
    net: _Network, config: SimulationConfig, start: datetime, rng: np.random.Generator
) -> tuple[Outage, ...]:
    """A few sensors down for hours, starting anywhere from an hour before the start."""
    n = min(config.outages, len(net.sensors))
    chosen = sorted(rng.choice(len(net.sensors), size=n, replace=False).tolist())
    out = []
    for i in chosen:
        begin = rng.uniform(-1.0, config.hours) * 3600.0
        length = rng.uniform(*config.outage_hours) * 3600.0
        s = start + timedelta(seconds=round(begin))
        out.append(Outage(net.sensors[i].id, s, s + timedelta(seconds=round(length))))
    return tuple(out)


# ---------------------------------------------------------------- agreement


def make_agreement(geom: _Geometry, start: datetime) -> dict[str, Any]:
    """A valid agreement.geojson: contact line, control areas, two reporting sectors."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {"role": "contact_line"},
            "geometry": mapping(geom.line_ll),
        }
    ]
    for side in sorted(geom.areas):
        features.append(
            {
                "type": "Feature",
                "properties": {"role": "control_area", "side": side},
                "geometry": mapping(geom.areas[side]),
            }
        )
    x0, y0, x1, y1 = geom.box_xy
    ym = (y0 + y1) / 2.0
    for name, (ya, yb) in (("North", (ym, y1)), ("South", (y0, ym))):
        xs = np.array([x0, x1, x1, x0, x0])
        ys = np.array([ya, ya, yb, yb, ya])
        lon, lat = geom.plane.to_lonlat(xs, ys)
        ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]
        features.append(
            {
                "type": "Feature",
                "properties": {"role": "sector", "name": f"Sector {name}"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    sides = [{"code": c, "name": geom.side_names.get(c, f"Side {c}")} for c in sorted(geom.areas)]
    return {
        "type": "FeatureCollection",
        "agreement": {
            "id": "sim-ceasefire",
            "title": "Simulated ceasefire (truceline simulate)",
            "version": 1,
            "effective_from": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sides": sides,
            "withdrawal": [
                {"weapon_class": "artillery_100mm_plus", "distance_km": 25},
                {"weapon_class": "mlrs", "distance_km": 35},
                {"weapon_class": "mortar_le120", "distance_km": 15},
                {"weapon_class": "tank", "distance_km": 15},
            ],
            "prohibited": ["fire"],
        },
        "features": features,
    }


# ---------------------------------------------------------------- the scenario


def _weather_at(weather: Sequence[Weather], starts_us: F64, t_us: int) -> Weather:
    i = int(np.searchsorted(starts_us, t_us, side="right")) - 1
    return weather[max(i, 0)]


def simulate(
    config: SimulationConfig,
    rng: np.random.Generator | None = None,
    *,
    front: Front | None = None,
    sensors: Sequence[Sensor] | None = None,
    progress: Progress | None = None,
) -> Scenario:
    """Simulate one scenario: sensors, detections, weather, agreement and ground truth.

    ``rng`` defaults to ``numpy.random.default_rng(config.seed)``. ``front`` defaults to
    :func:`default_front`; ``sensors`` (e.g. a real network) replaces the generated ones.
    ``progress(done, total)`` is called as blasts are heard.
    """
    rng = np.random.default_rng(config.seed) if rng is None else rng
    geom = _Geometry(front or default_front())
    start = config.start
    end = start + timedelta(seconds=config.hours * 3600.0)
    start_us = to_micros(start)
    net_sensors = tuple(sensors) if sensors is not None else place_sensors(geom, config, rng)
    net = _Network(net_sensors)
    weather = make_weather(config, start, config.hours, rng)
    w_us = np.array([to_micros(w.time) for w in weather])
    outages = make_outages(net, config, start, rng)
    spans: dict[int, list[tuple[int, int]]] = {}
    index = {s.id: i for i, s in enumerate(net_sensors)}
    for o in outages:
        spans.setdefault(index[o.sensor], []).append((to_micros(o.start), to_micros(o.end)))
    for i, s in enumerate(net_sensors):
        lo = to_micros(s.active_from) if s.active_from else None
        hi = to_micros(s.active_to) if s.active_to else None
        if lo is not None or hi is not None:
            spans.setdefault(i, [])
            if lo is not None:
                spans[i].append((-(2**62), lo - 1))
            if hi is not None:
                spans[i].append((hi + 1, 2**62))

    def down(i: int, t_us: int) -> bool:
        return any(a <= t_us <= b for a, b in spans.get(i, ()))

    blasts = make_shots(geom, config, rng)
    xs = np.array([b.x for b in blasts])
    ys = np.array([b.y for b in blasts])
    lons, lats = (np.round(v, 7) for v in geom.plane.to_lonlat(xs, ys))
    lift = np.array([1.5 if b.phase == "launch" else 0.0 for b in blasts])
    alts = np.round(terrain_height(xs, ys) + lift, 2)  # truth.ndjson holds these exact values
    picks: list[_Pick] = []
    for k, b in enumerate(blasts):
        wx = _weather_at(weather, w_us, start_us + round(b.t * 1e6))
        picks += hear_blast(
            k, b, float(lats[k]), float(lons[k]), float(alts[k]), net, wx, config, start_us,
            down, rng,
        )  # fmt: skip
        if progress is not None and (k % 100 == 0 or k == len(blasts) - 1):
            progress(k + 1, len(blasts))
    picks += false_alarms(net, config, start_us, down, rng)
    faults = make_clock_faults(net, config, start, outages)
    picks = _shift_clocks(picks, faults, index)
    picks.sort(key=lambda p: (p.t_us, p.sensor))
    detections, truth = _assemble(picks, blasts, lats, lons, alts, geom, net, start_us)
    meta = {
        "preset": config.preset,
        "seed": config.seed,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hours": config.hours,
    }
    truth = Truth(truth.blasts, truth.false_alarms, outages, meta, faults)
    return Scenario(
        config=config,
        start=start,
        end=end,
        sensors=net_sensors,
        detections=detections,
        weather=weather,
        agreement=make_agreement(geom, start),
        truth=truth,
    )


def _assemble(
    picks: list[_Pick],
    blasts: list[_Blast],
    lats: F64,
    lons: F64,
    alts: F64,
    geom: _Geometry,
    net: _Network,
    start_us: int,
) -> tuple[tuple[Detection, ...], Truth]:
    """Give detections time-ordered ids and gather the truth records."""
    order = sorted(range(len(blasts)), key=lambda k: (blasts[k].t, k))
    blast_id = {k: f"b-{n + 1:06d}" for n, k in enumerate(order)}
    dets_of: dict[int, list[tuple[str, str, bool]]] = {}
    detections = []
    alarms = []
    for n, p in enumerate(picks):
        did = f"d-{n + 1:07d}"
        row = {"id": did, "time": _utc(p.t_us), **p.row}
        detections.append(Detection.model_validate(row))
        if p.blast < 0:
            alarms.append(FalseAlarm(did, net.sensors[p.sensor].id))
        else:
            dets_of.setdefault(p.blast, []).append((did, net.sensors[p.sensor].id, p.outlier))
    partner: dict[int, int] = {}
    first: dict[int, int] = {}
    for k, b in enumerate(blasts):
        if b.shot in first:
            partner[k], partner[first[b.shot]] = first[b.shot], k
        else:
            first[b.shot] = k
    records = []
    for k in order:
        b = blasts[k]
        heard = dets_of.get(k, [])
        records.append(
            TrueBlast(
                id=blast_id[k],
                time=_utc(start_us + round(b.t * 1e6)),
                lat=float(lats[k]),
                lon=float(lons[k]),
                alt_m=float(alts[k]),
                phase=b.phase,
                weapon=b.weapon,
                pair=blast_id[partner[k]] if k in partner else None,
                shot=f"s-{b.shot + 1:06d}",
                salvo=None if b.salvo is None else f"v-{b.salvo + 1:04d}",
                side=geom.side_of(float(lons[k]), float(lats[k])),
                line_distance_m=round(geom.line_distance(b.x, b.y), 1),
                detections=tuple(d for d, _, _ in heard),
                sensors=tuple(s for _, s, _ in heard),
                outliers=tuple(d for d, _, o in heard if o),
            )
        )
    return tuple(detections), Truth(tuple(records), tuple(alarms))


def _utc(t_us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=t_us)
