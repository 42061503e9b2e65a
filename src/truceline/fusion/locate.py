"""Weighted least-squares location of one blast from arrival times and bearings (pure).

Unknowns are the source's east and north offsets and its origin time; its height is fixed
(the median height of the sensors that heard it, as docs/formats/detections.md says). The
model is the spec's: straight-line WGS84 path length over ``c(T) + w · u``.

Geometry is exact. The solver works in the exact local ENU frame at the starting point (a
rigid rotation of ECEF, so distances in it are exact) and keeps the source on the surface
of constant ellipsoidal height through the osculating-ellipsoid sagitta
``u = -(e² / 2(N+h) + n² / 2(M+h))``, whose error grows as ``d³ / R²`` (3 mm at 5 km).
When the solution lands more than ``RECENTRE_M`` from the frame's origin the frame is moved
there and the fit repeated, so the result is exact to millimetres wherever it starts.

The step is Levenberg–Marquardt (Marquardt 1963) on the normal equations of the weighted
residuals ``r_i / sigma_i``. The Jacobian is analytic, including the wind term's
dependence on direction. With ``robust=True`` the weights are iteratively reweighted with
the Cauchy loss (scale ``CAUCHY_C`` sigmas), which keeps a few mistimed picks from
dragging the first solution; the caller then drops large residuals and refits with plain
least squares, whose covariance ``(Jᵀ W J)⁻¹`` is the Cramér–Rao bound of the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.fusion.network import WeatherAt
from truceline.fusion.propagation import sound_speed
from truceline.geo import (
    F64,
    WGS84_A,
    WGS84_E2,
    ecef_to_geodetic,
    enu_rotation,
    geodetic_to_ecef,
)

CAUCHY_C = 3.0
RECENTRE_M = 2_000.0
TWO_PI = 2.0 * np.pi


@dataclass(frozen=True, slots=True)
class Picks:
    """The observations of one candidate event, one row per pick.

    ``t`` is in seconds relative to any fixed reference the caller chooses (the returned
    origin uses the same reference); ``bearing`` is in radians, NaN when not given.
    """

    ecef: F64
    rot: F64
    t: F64
    sigma_t: F64
    bearing: F64
    sigma_b: F64

    def subset(self, keep: np.ndarray) -> Picks:
        return Picks(
            self.ecef[keep],
            self.rot[keep],
            self.t[keep],
            self.sigma_t[keep],
            self.bearing[keep],
            self.sigma_b[keep],
        )


@dataclass(frozen=True, slots=True)
class Fix:
    """A located source with its covariance (east m, north m, origin s)."""

    lat: float
    lon: float
    height: float
    origin: float
    cov: F64
    res_t: F64
    res_b: F64
    chi2: float
    dof: int
    converged: bool


class Frame:
    """The exact ENU frame at a point, with the sagitta of its constant-height surface."""

    def __init__(self, lat: float, lon: float, height: float) -> None:
        self.lat, self.lon, self.height = lat, lon, height
        self.rot = enu_rotation(lat, lon)
        self.origin = geodetic_to_ecef(lat, lon, height)
        s2 = np.sin(np.radians(lat)) ** 2
        n_rad = WGS84_A / np.sqrt(1.0 - WGS84_E2 * s2)
        m_rad = WGS84_A * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s2) ** 1.5
        self.inv2n = 1.0 / (2.0 * (n_rad + height))
        self.inv2m = 1.0 / (2.0 * (m_rad + height))

    def to_local(self, ecef: F64) -> F64:
        return np.asarray((ecef - self.origin) @ self.rot.T, dtype=np.float64)

    def surface(self, e: float, n: float) -> F64:
        """The ENU point at horizontal offset (e, n) on the surface of constant height."""
        return np.array([e, n, -(e * e * self.inv2n + n * n * self.inv2m)])

    def geodetic(self, e: float, n: float) -> tuple[float, float]:
        lat, lon, _ = ecef_to_geodetic(self.surface(e, n) @ self.rot + self.origin)
        return float(lat), float(lon)


def travel_model(
    rel: F64, speed: float | F64, wind_u: float | F64, wind_v: float | F64
) -> tuple[F64, F64, F64]:
    """Travel times and their derivatives for sensors at ``rel`` (ENU, sensor − source).

    ``speed`` and the wind are scalars or one value per row of ``rel``.

    Returns ``(tt, dtt_de, dtt_dn)`` for a move of the source by (de, dn). With
    ``D = |rel|``, ``H`` its horizontal part and ``f = w · rel_h / H`` the wind along the
    path, ``tt = D / (c + f)`` and ``d tt = (dD (c + f) − D df) / (c + f)²``.
    """
    ve, vn, vu = rel[:, 0], rel[:, 1], rel[:, 2]
    h2 = ve * ve + vn * vn
    dist = np.sqrt(h2 + vu * vu)
    horiz = np.sqrt(h2)
    hs = np.where(horiz > 0, horiz, 1.0)
    f = (wind_u * ve + wind_v * vn) / hs
    ceff = speed + f
    tt = dist / ceff
    ds = np.where(dist > 0, dist, 1.0)
    df_de = (-wind_u + f * ve / hs) / hs
    df_dn = (-wind_v + f * vn / hs) / hs
    inv = 1.0 / (ceff * ceff)
    dtt_de = (-ve / ds * ceff - dist * df_de) * inv
    dtt_dn = (-vn / ds * ceff - dist * df_dn) * inv
    return tt, dtt_de, dtt_dn


def _wrap(a: F64) -> F64:
    return np.asarray((a + np.pi) % TWO_PI - np.pi, dtype=np.float64)


class _Problem:
    """Residuals and Jacobian of one event in one frame (the LM's inner loop)."""

    def __init__(self, picks: Picks, frame: Frame, weather: WeatherAt) -> None:
        self.picks = picks
        self.frame = frame
        self.sensors = frame.to_local(picks.ecef)
        self.speed = float(sound_speed(weather.temperature_c))
        self.wu, self.wv = weather.wind_u_ms, weather.wind_v_ms
        self.has_b = np.isfinite(picks.bearing)
        self.nb = int(self.has_b.sum())
        if self.nb:
            # q = rot_s (P_ecef − S_ecef) = rot_s rotᵀ (p − s): bearing frame per sensor.
            self.brot = picks.rot[self.has_b] @ frame.rot.T
            self.bsens = self.sensors[self.has_b]

    def evaluate(self, x: F64) -> tuple[F64, F64]:
        """Normalised residuals and Jacobian (rows: times, then bearings)."""
        p = self.frame.surface(float(x[0]), float(x[1]))
        tt, de, dn = travel_model(self.sensors - p, self.speed, self.wu, self.wv)
        sig = self.picks.sigma_t
        r_t = (self.picks.t - x[2] - tt) / sig
        j_t = np.stack([de / sig, dn / sig, 1.0 / sig], axis=1)
        if not self.nb:
            return r_t, j_t
        q = np.einsum("nij,nj->ni", self.brot, p - self.bsens)
        r2 = np.maximum(q[:, 0] ** 2 + q[:, 1] ** 2, 1e-6)
        az = np.arctan2(q[:, 0], q[:, 1])
        sb = self.picks.sigma_b[self.has_b]
        r_b = _wrap(self.picks.bearing[self.has_b] - az) / sb
        # d az / d(e, n) of the source, in the sensor's frame (≈ the fit frame: the two
        # differ by a rotation of d / R, a few 1e-4 rad here).
        j_b = np.stack([q[:, 1] / r2 / sb, -q[:, 0] / r2 / sb, np.zeros_like(sb)], axis=1)
        return np.concatenate([r_t, r_b]), np.concatenate([j_t, j_b])


def _lm(prob: _Problem, x: F64, *, robust: bool, max_iter: int) -> tuple[F64, bool]:
    """Levenberg–Marquardt on the (optionally Cauchy-reweighted) normalised residuals."""
    lam = 1e-3
    r, jac = prob.evaluate(x)

    def cost(res: F64) -> float:
        if robust:
            return float(np.sum(np.log1p((res / CAUCHY_C) ** 2)))
        return float(res @ res)

    current = cost(r)
    for _ in range(max_iter):
        w = 1.0 / (1.0 + (r / CAUCHY_C) ** 2) if robust else np.ones_like(r)
        jw = jac * w[:, None]
        a = jw.T @ jac
        g = jw.T @ r
        while True:
            damped = a + lam * np.diag(np.diag(a) + 1e-12)
            try:
                step = np.linalg.solve(damped, g)
            except np.linalg.LinAlgError:
                return x, False
            x_new = x + step
            r_new, j_new = prob.evaluate(x_new)
            new = cost(r_new)
            if new <= current or lam > 1e8:
                break
            lam *= 10.0
        if new > current:
            return x, abs(new - current) < 1e-9
        x, r, jac, current = x_new, r_new, j_new, new
        lam = max(lam / 10.0, 1e-9)
        if abs(step[0]) + abs(step[1]) < 1e-3 and abs(step[2]) < 1e-7:
            return x, True
    return x, False


def locate(
    picks: Picks,
    *,
    lat0: float,
    lon0: float,
    origin0: float,
    height: float,
    weather: WeatherAt,
    robust: bool = False,
    max_iter: int = 30,
) -> Fix | None:
    """Fit (lat, lon, origin) to the picks, starting from (lat0, lon0, origin0).

    Returns ``None`` when the normal equations are singular (too few or degenerate
    observations). The covariance is the inverse of the weighted normal matrix with the
    a-priori sigmas (not rescaled by the fit: the caller decides).
    """
    frame = Frame(lat0, lon0, height)
    x = np.array([0.0, 0.0, origin0])
    converged = False
    prob = _Problem(picks, frame, weather)
    for _ in range(3):
        x, converged = _lm(prob, x, robust=robust, max_iter=max_iter)
        if not np.all(np.isfinite(x)):
            return None
        if np.hypot(x[0], x[1]) <= RECENTRE_M:
            break
        lat, lon = frame.geodetic(float(x[0]), float(x[1]))
        frame = Frame(lat, lon, height)
        prob = _Problem(picks, frame, weather)
        x = np.array([0.0, 0.0, x[2]])
    r, jac = prob.evaluate(x)
    try:
        cov = np.linalg.inv(jac.T @ jac)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(cov)) or cov[0, 0] <= 0 or cov[1, 1] <= 0:
        return None
    lat, lon = frame.geodetic(float(x[0]), float(x[1]))
    n_t = len(picks.t)
    res_t = r[:n_t] * picks.sigma_t
    res_b = np.full(n_t, np.nan)
    if prob.nb:
        res_b[prob.has_b] = r[n_t:] * picks.sigma_b[prob.has_b]
    return Fix(
        lat=lat,
        lon=lon,
        height=height,
        origin=float(x[2]),
        cov=np.asarray(cov, dtype=np.float64),
        res_t=res_t,
        res_b=res_b,
        chi2=float(r @ r),
        dof=len(r) - 3,
        converged=converged,
    )


def predict(sensors_ecef: F64, fix: Fix, weather: WeatherAt,
            memo: TravelMemo | None = None) -> tuple[F64, F64]:  # fmt: skip
    """Predicted arrival times at the given sensors and their standard deviations.

    The deviation propagates the fix's covariance through the gradient of the arrival
    time (``sqrt(g C gᵀ)``), so that a pick is gated against the prediction's own
    uncertainty as well as its timing sigma. ``memo`` (built on ``sensors_ecef``) serves
    the travel times of a place and weather asked before.
    """
    tt, g = (memo or TravelMemo(sensors_ecef)).at(fix, weather)
    var = np.einsum("ni,ij,nj->n", g, fix.cov, g)
    return fix.origin + tt, np.sqrt(np.maximum(var, 0.0))


def arrivals(sensors_ecef: F64, fix: Fix, weather: WeatherAt,
             memo: TravelMemo | None = None) -> F64:  # fmt: skip
    """:func:`predict`'s arrival times alone (the same values, no deviation)."""
    tt, _ = (memo or TravelMemo(sensors_ecef)).at(fix, weather)
    return fix.origin + tt


class TravelMemo:
    """Travel times from a place to fixed sensors and their gradient, kept for the last
    ``size`` places computed.

    Association predicts the arrivals of the same events again and again: each found
    event is a master of the repeat-source search in its block and, copied with its
    origin shifted, in both neighbouring blocks, and explaining away predicts every
    event of a block in each of its rounds. The travel times depend on the place and the
    weather only (not on the origin time or the covariance), and building the frame and
    the travel model for 90 sensors cost about 5 % of the fusion time (the 4-hour
    moderate input, under py-spy). The values served are the very arrays computed the
    first time, so the predictions are the same bits.
    """

    def __init__(self, sensors_ecef: F64, size: int = 1024) -> None:
        self.sensors = sensors_ecef
        self.size = size
        self._kept: dict[tuple[float, ...], tuple[F64, F64]] = {}

    def at(self, fix: Fix, weather: WeatherAt) -> tuple[F64, F64]:
        """Travel times ``tt`` (n,) and the rows ``g`` (n, 3) of the arrival time's
        gradient in (east, north, origin) at ``fix``'s place under ``weather``."""
        key = (fix.lat, fix.lon, fix.height, weather.temperature_c, weather.wind_u_ms,
               weather.wind_v_ms)  # fmt: skip
        hit = self._kept.get(key)
        if hit is not None:
            return hit
        rel = Frame(fix.lat, fix.lon, fix.height).to_local(self.sensors)
        tt, de, dn = travel_model(
            rel, float(sound_speed(weather.temperature_c)), weather.wind_u_ms,
            weather.wind_v_ms,
        )  # fmt: skip
        tt.flags.writeable = False  # served again: no caller may change them
        g = np.stack([de, dn, np.ones_like(de)], axis=1)
        g.flags.writeable = False
        if len(self._kept) >= self.size:
            self._kept.pop(next(iter(self._kept)), None)  # the first of those kept
        self._kept[key] = (tt, g)
        return tt, g
