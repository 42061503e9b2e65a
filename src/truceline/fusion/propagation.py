"""The propagation model of docs/formats/detections.md (pure, vectorised).

Path length is the straight line between WGS84 positions in ECEF. The speed of sound is
``c(T) = 331.3 * sqrt(1 + T / 273.15)`` m/s and wind adds its component along the
horizontal direction of travel, ``c(T) + w . u``, ``u`` being the unit horizontal vector
from source to sensor in the local ENU frame at the source.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from truceline.geo import F64, enu_rotation

DEFAULT_TEMPERATURE_C = 15.0


def sound_speed(temperature_c: ArrayLike) -> F64:
    """Speed of sound in still air, m/s, for air temperature in degrees Celsius."""
    t = np.asarray(temperature_c, dtype=np.float64)
    return np.asarray(331.3 * np.sqrt(1.0 + t / 273.15), dtype=np.float64)


def travel_times(
    source_ecef: ArrayLike,
    source_lat_deg: float,
    source_lon_deg: float,
    sensors_ecef: ArrayLike,
    *,
    temperature_c: float = DEFAULT_TEMPERATURE_C,
    wind_u_ms: float = 0.0,
    wind_v_ms: float = 0.0,
) -> F64:
    """Travel time in seconds from one source to each sensor (shape ``(n,)``)."""
    diff = np.atleast_2d(np.asarray(sensors_ecef, dtype=np.float64)) - np.asarray(
        source_ecef, dtype=np.float64
    )
    dist = np.linalg.norm(diff, axis=-1)
    enu = diff @ enu_rotation(source_lat_deg, source_lon_deg).T
    horiz = np.hypot(enu[:, 0], enu[:, 1])
    safe = np.where(horiz > 0, horiz, 1.0)
    along = np.where(horiz > 0, (wind_u_ms * enu[:, 0] + wind_v_ms * enu[:, 1]) / safe, 0.0)
    return np.asarray(dist / (sound_speed(temperature_c) + along), dtype=np.float64)
