"""Cramér–Rao bound on a blast's horizontal position (pure, numpy).

Model: sensor ``i`` picks the blast at ``t_i = t0 + tau_i(e, n) + eps_i`` with
``eps_i ~ N(0, sigma_i^2)``; an ``acoustic_array`` may also report the azimuth
``beta_i(e, n) + nu_i`` with ``nu_i ~ N(0, s_i^2)``. The unknowns are the source's east and
north offsets in the local ENU frame at the source and the origin time ``t0`` (a nuisance
parameter); the height is taken as known, as the spec has the engine fix it to the median
sensor height. For Gaussian errors the Fisher information is ``J = sum g_i g_i^T / var_i``
with ``g_i`` the gradient of the ``i``-th measurement in ``(e, n, t0)`` (Kay, *Fundamentals
of Statistical Signal Processing: Estimation Theory*, 1993, eq. 3.31). Any unbiased
estimator's covariance is at least ``J^-1``; its horizontal block gives the bound, and
``sqrt(trace)`` of that block is the RMS horizontal error an efficient estimator attains.

Travel-time gradients come from :func:`truceline.fusion.propagation.travel_times` (the
spec's model, wind included) by central differences in ENU, or analytically for constant
sound speed (used by the tests' Monte Carlo).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from truceline.fusion.propagation import DEFAULT_TEMPERATURE_C, travel_times
from truceline.geo import F64, ecef_to_enu, ecef_to_geodetic, enu_to_ecef

STEP_M = 1.0


def toa_gradients_wgs84(
    lat: float,
    lon: float,
    alt_m: float,
    sensors_ecef: ArrayLike,
    *,
    temperature_c: float = DEFAULT_TEMPERATURE_C,
    wind_u_ms: float = 0.0,
    wind_v_ms: float = 0.0,
) -> F64:
    """``d tau_i / d(e, n)`` in s/m, shape ``(n, 2)``, by central differences of the spec model.

    A 1 m step keeps the truncation error (~ step^2 / range^2) far below 1e-8 relative.
    """
    sensors = np.atleast_2d(np.asarray(sensors_ecef, dtype=np.float64))
    out = np.empty((len(sensors), 2))
    for axis in range(2):
        taus = []
        for sign in (1.0, -1.0):
            enu = np.zeros(3)
            enu[axis] = sign * STEP_M
            src = enu_to_ecef(enu, lat, lon, alt_m)
            s_lat, s_lon, _ = ecef_to_geodetic(src)
            taus.append(
                travel_times(
                    src,
                    float(s_lat),
                    float(s_lon),
                    sensors,
                    temperature_c=temperature_c,
                    wind_u_ms=wind_u_ms,
                    wind_v_ms=wind_v_ms,
                )
            )
        out[:, axis] = (taus[0] - taus[1]) / (2.0 * STEP_M)
    return out


def toa_gradients_enu(source_enu: ArrayLike, sensors_enu: ArrayLike, speed_ms: float) -> F64:
    """Analytic ``d tau_i / d(e, n)`` for ``tau = |x - s_i| / c`` in a flat local frame."""
    diff = np.asarray(source_enu, dtype=np.float64) - np.atleast_2d(
        np.asarray(sensors_enu, dtype=np.float64)
    )
    dist = np.linalg.norm(diff, axis=1, keepdims=True)
    return np.asarray(diff[:, :2] / (dist * speed_ms), dtype=np.float64)


def bearing_gradients(
    source_lat: float, source_lon: float, alt_m: float, sensors_ecef: ArrayLike
) -> F64:
    """``d beta_i / d(e, n)`` in rad/m for azimuths from each sensor to the source.

    ``beta = atan2(de, dn)`` with ``(de, dn)`` the source minus the sensor in the ENU frame
    at the source, so ``d beta / d e = dn / r^2`` and ``d beta / d n = -de / r^2``.
    """
    sensors = np.atleast_2d(np.asarray(sensors_ecef, dtype=np.float64))
    rel = ecef_to_enu(sensors, source_lat, source_lon, alt_m)
    de, dn = -rel[:, 0], -rel[:, 1]
    r2 = np.maximum(de**2 + dn**2, 1.0)
    return np.column_stack([dn / r2, -de / r2])


def fisher_information(
    toa_grad: ArrayLike,
    timing_sigma_s: ArrayLike,
    bearing_grad: ArrayLike | None = None,
    bearing_sigma_rad: ArrayLike | None = None,
) -> F64:
    """Fisher information (3x3) for ``(e, n, t0)`` from arrival times and optional bearings."""
    g = np.atleast_2d(np.asarray(toa_grad, dtype=np.float64))
    full = np.column_stack([g, np.ones(len(g))])
    w = 1.0 / np.asarray(timing_sigma_s, dtype=np.float64) ** 2
    info = (full * w[:, None]).T @ full
    if bearing_grad is not None and bearing_sigma_rad is not None:
        b = np.atleast_2d(np.asarray(bearing_grad, dtype=np.float64))
        if len(b):
            wb = 1.0 / np.asarray(bearing_sigma_rad, dtype=np.float64) ** 2
            info[:2, :2] += (b * wb[:, None]).T @ b
    return np.asarray(info, dtype=np.float64)


def horizontal_covariance(info: ArrayLike) -> F64:
    """The (e, n) block of the inverse Fisher information; infinite when singular."""
    j = np.asarray(info, dtype=np.float64)
    if np.linalg.cond(j) > 1e15:
        return np.full((2, 2), np.inf)
    return np.asarray(np.linalg.inv(j)[:2, :2], dtype=np.float64)


def rms(cov: ArrayLike) -> float:
    """RMS horizontal error ``sqrt(trace)`` of a 2x2 covariance."""
    c = np.asarray(cov, dtype=np.float64)
    return float(math.sqrt(c[0, 0] + c[1, 1]))


def crb_rms_wgs84(
    lat: float,
    lon: float,
    alt_m: float,
    sensors_ecef: ArrayLike,
    timing_sigma_s: ArrayLike,
    *,
    bearing_sensors_ecef: ArrayLike | None = None,
    bearing_sigma_rad: ArrayLike | None = None,
    temperature_c: float = DEFAULT_TEMPERATURE_C,
    wind_u_ms: float = 0.0,
    wind_v_ms: float = 0.0,
) -> float:
    """CRB RMS horizontal error (m) of one blast at a WGS84 point heard by these sensors.

    Infinite when the geometry cannot fix the point (fewer than three sensors without
    bearings, or all sensors on one line through the source).
    """
    sensors = np.atleast_2d(np.asarray(sensors_ecef, dtype=np.float64))
    g = toa_gradients_wgs84(lat, lon, alt_m, sensors, temperature_c=temperature_c,
                            wind_u_ms=wind_u_ms, wind_v_ms=wind_v_ms)  # fmt: skip
    bg = None
    if bearing_sensors_ecef is not None:
        bg = bearing_gradients(lat, lon, alt_m, bearing_sensors_ecef)
    return rms(horizontal_covariance(fisher_information(g, timing_sigma_s, bg, bearing_sigma_rad)))
