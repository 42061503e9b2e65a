"""Synthetic networks and blasts for the fusion tests (exact spec propagation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from truceline.formats.records import Detection, Sensor, Weather
from truceline.fusion.arriving import releases
from truceline.fusion.engine import FusionEngine
from truceline.fusion.event import Event
from truceline.fusion.propagation import travel_times
from truceline.geo import ecef_to_geodetic, enu_to_ecef, geodetic_to_ecef

LAT0, LON0 = 48.0, 37.8
T0 = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def enu_to_latlon(e: float, n: float) -> tuple[float, float]:
    lat, lon, _ = ecef_to_geodetic(enu_to_ecef([e, n, 0.0], LAT0, LON0, 0.0))
    return float(lat), float(lon)


def grid_network(
    n_side: int = 4, spacing_m: float = 4_000.0, arrays: bool = True, sigma_ms: float = 2.0
) -> list[Sensor]:
    """A square grid of sensors (every other one an acoustic array), heights 150–250 m."""
    out = []
    half = (n_side - 1) * spacing_m / 2
    k = 0
    for i in range(n_side):
        for j in range(n_side):
            lat, lon = enu_to_latlon(i * spacing_m - half + 300.0 * (j % 2), j * spacing_m - half)
            is_array = arrays and (i + j) % 2 == 0
            out.append(
                Sensor(
                    id=f"S{k:03d}",
                    kind="acoustic_array" if is_array else "acoustic",
                    lat=lat,
                    lon=lon,
                    alt_m=150.0 + 25.0 * ((i * 3 + j) % 5),
                    owner="MISSION",
                    timing_sigma_ms=sigma_ms,
                    bearing_sigma_deg=3.0,
                )
            )
            k += 1
    return out


@dataclass(frozen=True)
class Blast:
    id: str
    lat: float
    lon: float
    seconds: float
    phase: str = "launch"
    weapon: str = "artillery"


def picks(
    sensors: list[Sensor],
    blasts: list[Blast],
    rng: np.random.Generator,
    *,
    weather: Weather | None = None,
    noise: bool = True,
    loud_db: float | None = None,
) -> list[Detection]:
    """Every sensor hears every blast (time noise at its sigma, bearings at 3°); with
    ``loud_db``, each pick has an SNR: that at 1 km, less spherical spreading, plus 3 dB
    of site noise."""
    ecef = geodetic_to_ecef(
        [s.lat for s in sensors], [s.lon for s in sensors], [s.alt_m for s in sensors]
    )
    height = float(np.median([s.alt_m for s in sensors]))
    w = weather or Weather(time=T0)
    out = []
    for b in blasts:
        src = geodetic_to_ecef(b.lat, b.lon, height)
        tt = travel_times(
            src, b.lat, b.lon, ecef, temperature_c=w.temperature_c,
            wind_u_ms=w.wind_u_ms, wind_v_ms=w.wind_v_ms,
        )  # fmt: skip
        for k, s in enumerate(sensors):
            sigma = s.timing_sigma_ms / 1e3
            t = b.seconds + tt[k] + (rng.normal(0.0, sigma) if noise else 0.0)
            row: dict[str, object] = {
                "id": f"{b.id}-{s.id}",
                "sensor": s.id,
                "time": T0 + timedelta(microseconds=round(t * 1e6)),
                "phase": b.phase,
                "weapon": b.weapon,
            }
            if loud_db is not None:
                dist_km = float(np.linalg.norm(ecef[k] - src)) / 1e3
                row["snr_db"] = loud_db - 20.0 * np.log10(dist_km) + rng.normal(0.0, 3.0)
            if s.kind == "acoustic_array":
                enu = (src - ecef[k]) @ _rot(s.lat, s.lon).T
                az = np.degrees(np.arctan2(enu[0], enu[1]))
                row["bearing_deg"] = float((az + (rng.normal(0, 3.0) if noise else 0.0)) % 360.0)
            out.append(Detection.model_validate(row))
    out.sort(key=lambda d: (d.time, d.id))
    return out


def _rot(lat: float, lon: float) -> np.ndarray:
    from truceline.geo import enu_rotation

    return enu_rotation(lat, lon)


def run_chunked(sensors: list[Sensor], dets: list[Detection], weather: list[Weather],
                size: int) -> list[Event]:  # fmt: skip
    """The events of ``dets`` fed in batches of ``size``, each released as soon as the
    engine can (the live path), then the rest at the end."""
    eng = FusionEngine(sensors, weather)
    out = []
    for i in range(0, len(dets), size):
        batch = dets[i : i + size]
        eng.add(batch)
        out += eng.ready(batch[-1].time)
    return out + eng.finish()


def run_arriving(engine: FusionEngine, dets: list[Detection],
                 arrives: Callable[[Detection], datetime],
                 lags: list[float] | None = None) -> list[Event]:  # fmt: skip
    """The events of ``dets`` fed as a live worker feeds them (:func:`.arriving.releases`),
    then the rest at the end. ``lags`` (when given) gets each event released before the
    end its lag: from its origin time to the end of its minute (s)."""
    out: list[Event] = []
    for now, released, final in releases(engine, dets, arrives):
        if lags is not None and not final:
            lags += [(now - e.time).total_seconds() for e in released]
        out += released
    return out
