"""Exact WGS84 geometry (pure, vectorised with numpy).

Everything that measures a path between two points goes through Earth-centred,
Earth-fixed (ECEF) coordinates or a local east-north-up (ENU) frame derived exactly from
them; nothing here is a flat-earth or spherical shortcut. Geodesic (along-the-surface)
distances, which the agreement's withdrawal distances are, use Karney's algorithm through
``pyproj.Geod`` in :mod:`truceline.agreement.spatial`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

WGS84_A = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_B = WGS84_A * (1.0 - WGS84_F)
WGS84_EP2 = (WGS84_A**2 - WGS84_B**2) / WGS84_B**2

F64 = NDArray[np.float64]


def geodetic_to_ecef(lat_deg: ArrayLike, lon_deg: ArrayLike, h_m: ArrayLike = 0.0) -> F64:
    """WGS84 latitude, longitude (degrees) and ellipsoidal height (m) to ECEF metres.

    Returns an array of shape ``(..., 3)``.
    """
    if isinstance(lat_deg, float) and isinstance(lon_deg, float) and isinstance(h_m, float):
        return _geodetic_to_ecef_one(lat_deg, lon_deg, h_m)
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    h = np.asarray(h_m, dtype=np.float64)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    x = (n + h) * cos_lat * np.cos(lon)
    y = (n + h) * cos_lat * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def _geodetic_to_ecef_one(lat_deg: float, lon_deg: float, h: float) -> F64:
    """:func:`geodetic_to_ecef` of one point in scalar arithmetic, the same operations in
    the same order (the same bits where numpy's sine and the C library's agree, as on the
    project's machine): fusion converts events one at a time, thousands of times an
    hour, where numpy's per-call overhead was 4 % of its samples under py-spy."""
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    sin_lat, cos_lat = math.sin(lat), math.cos(lat)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * (sin_lat * sin_lat))
    return np.array([(n + h) * cos_lat * math.cos(lon), (n + h) * cos_lat * math.sin(lon),
                     (n * (1.0 - WGS84_E2) + h) * sin_lat])  # fmt: skip


def ecef_to_geodetic(xyz: ArrayLike) -> tuple[F64, F64, F64]:
    """ECEF metres to WGS84 (lat_deg, lon_deg, h_m).

    Bowring's initial value followed by two Newton-style refinements: sub-millimetre
    everywhere near the Earth's surface, which is far below any sensor's error.
    """
    p = np.asarray(xyz, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    lon = np.arctan2(y, x)
    r = np.hypot(x, y)
    theta = np.arctan2(z * WGS84_A, r * WGS84_B)
    lat = np.arctan2(
        z + WGS84_EP2 * WGS84_B * np.sin(theta) ** 3,
        r - WGS84_E2 * WGS84_A * np.cos(theta) ** 3,
    )
    for _ in range(2):
        sin_lat = np.sin(lat)
        n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
        h = r / np.cos(lat) - n
        lat = np.arctan2(z, r * (1.0 - WGS84_E2 * n / (n + h)))
    sin_lat = np.sin(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    cos_lat = np.cos(lat)
    h = np.where(
        np.abs(cos_lat) > 1e-10,
        r / np.where(cos_lat == 0, 1.0, cos_lat) - n,
        np.abs(z) - WGS84_B,
    )
    return np.degrees(lat), np.degrees(lon), h


def enu_rotation(lat0_deg: float, lon0_deg: float) -> F64:
    """The 3x3 matrix whose rows are the east, north and up unit vectors at a point."""
    lat, lon = np.radians(lat0_deg), np.radians(lon0_deg)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    return np.array(
        [[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]], dtype=np.float64
    )


def ecef_to_enu(xyz: ArrayLike, lat0_deg: float, lon0_deg: float, h0_m: float = 0.0) -> F64:
    """ECEF points to the exact local ENU frame at an origin (shape ``(..., 3)``)."""
    origin = geodetic_to_ecef(lat0_deg, lon0_deg, h0_m)
    return (np.asarray(xyz, dtype=np.float64) - origin) @ enu_rotation(lat0_deg, lon0_deg).T


def enu_to_ecef(enu: ArrayLike, lat0_deg: float, lon0_deg: float, h0_m: float = 0.0) -> F64:
    """Inverse of :func:`ecef_to_enu`."""
    origin = geodetic_to_ecef(lat0_deg, lon0_deg, h0_m)
    return np.asarray(enu, dtype=np.float64) @ enu_rotation(lat0_deg, lon0_deg) + origin
