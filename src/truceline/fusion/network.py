"""The sensor network and the weather as arrays for the solvers (pure).

:class:`Network` turns the registry into ECEF positions (exact WGS84), per-sensor ENU
rotations (for bearings, measured in each sensor's own local frame) and positions in one
exact ENU frame at the network's centre (for the association's coarse search).
:class:`WeatherTable` answers "which weather record was in force at time t" (a record holds
from its time until the next one; before the first, or without any, 15 °C and no wind, as
docs/formats/detections.md says).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from truceline.formats.records import Sensor, Weather
from truceline.fusion.propagation import DEFAULT_TEMPERATURE_C
from truceline.geo import ecef_to_enu, enu_rotation, geodetic_to_ecef
from truceline.timefmt import to_micros


class Network:
    """The registry as arrays; sensor ``i`` is row ``i`` everywhere."""

    def __init__(self, sensors: Sequence[Sensor]) -> None:
        if not sensors:
            raise ValueError("the sensor registry is empty")
        self.ids: list[str] = [s.id for s in sensors]
        self.index: dict[str, int] = {sid: i for i, sid in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            raise ValueError("sensor ids are not unique")
        self.lat = np.array([s.lat for s in sensors], dtype=np.float64)
        self.lon = np.array([s.lon for s in sensors], dtype=np.float64)
        self.alt = np.array([s.alt_m for s in sensors], dtype=np.float64)
        self.ecef = geodetic_to_ecef(self.lat, self.lon, self.alt)
        self.rot = np.stack([enu_rotation(a, b) for a, b in zip(self.lat, self.lon, strict=True)])
        self.sigma_t = np.array([s.timing_sigma_ms / 1e3 for s in sensors], dtype=np.float64)
        self.sigma_b = np.radians(np.array([s.bearing_sigma_deg for s in sensors]))
        self.is_array = np.array([s.kind == "acoustic_array" for s in sensors], dtype=bool)
        self.active_from = np.array(
            [
                to_micros(s.active_from) if s.active_from else np.iinfo(np.int64).min
                for s in sensors
            ],
            dtype=np.int64,
        )
        self.active_to = np.array(
            [to_micros(s.active_to) if s.active_to else np.iinfo(np.int64).max for s in sensors],
            dtype=np.int64,
        )
        # One exact ENU frame at the network's centre, for the partitioning search.
        self.lat0 = float((self.lat.min() + self.lat.max()) / 2)
        self.lon0 = float((self.lon.min() + self.lon.max()) / 2)
        self.h0 = float(np.median(self.alt))
        self.enu = ecef_to_enu(self.ecef, self.lat0, self.lon0, self.h0)
        # Meridian convergence: a bearing measured in a sensor's own frame, turned into the
        # centre frame, gains the angle between the sensor's north and the centre's north.
        north = self.rot[:, 1, :] @ enu_rotation(self.lat0, self.lon0).T
        self.convergence = np.arctan2(north[:, 0], north[:, 1])

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class WeatherAt:
    """Weather in force at one instant."""

    temperature_c: float = DEFAULT_TEMPERATURE_C
    wind_u_ms: float = 0.0
    wind_v_ms: float = 0.0


class WeatherTable:
    """Piecewise-constant weather: each record holds from its time until the next."""

    def __init__(self, records: Sequence[Weather]) -> None:
        ordered = sorted(records, key=lambda w: w.time)
        self.times = np.array([to_micros(w.time) / 1e6 for w in ordered], dtype=np.float64)
        self.temp = np.array([w.temperature_c for w in ordered], dtype=np.float64)
        self.u = np.array([w.wind_u_ms for w in ordered], dtype=np.float64)
        self.v = np.array([w.wind_v_ms for w in ordered], dtype=np.float64)

    def _index(self, t: float) -> int:
        return int(self._indices(np.asarray(t, dtype=np.float64)))

    def _indices(self, t: np.ndarray) -> np.ndarray:
        """The record in force at each Unix time ``t``: its index, −1 before the first."""
        return np.searchsorted(self.times, t, side="right") - 1

    def at(self, t: float) -> WeatherAt:
        """The record in force at Unix time ``t`` (seconds)."""
        i = self._index(t)
        if i < 0:
            return WeatherAt()
        return WeatherAt(float(self.temp[i]), float(self.u[i]), float(self.v[i]))

    def at_many(self, t: np.ndarray) -> list[WeatherAt]:
        """:meth:`at` for each of the Unix times ``t``, in one search: association asks
        it for every candidate it fits."""
        idx = self._indices(np.asarray(t, dtype=np.float64))
        temp, u, v = self.temp.tolist(), self.u.tolist(), self.v.tolist()
        return [WeatherAt(temp[i], u[i], v[i]) if i >= 0 else WeatherAt() for i in idx.tolist()]

    def during(self, t0: float, t1: float) -> list[WeatherAt]:
        """Every record in force at some moment of ``[t0, t1]``."""
        i0, i1 = self._index(t0), self._index(t1)
        out = [WeatherAt()] if i0 < 0 else []
        out += [
            WeatherAt(float(self.temp[i]), float(self.u[i]), float(self.v[i]))
            for i in range(max(i0, 0), i1 + 1)
        ]
        return out
