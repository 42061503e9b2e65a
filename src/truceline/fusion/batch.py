"""Batched weighted least squares for many candidate events at once (pure, numpy).

The same model and Levenberg–Marquardt step as :mod:`truceline.fusion.locate`, vectorised
over candidates: every array has a leading candidate axis and a pick axis padded to the
longest candidate (``mask`` marks real picks). Each candidate is solved in the exact ENU
frame at its own starting point, with the source on the surface of constant ellipsoidal
height through the osculating sagitta (error ``d³ / R²``, negligible within the few hundred
metres a candidate moves from its box). Association fits hundreds of candidates per block,
and one vectorised pass over all of them costs about what a handful of single fits would.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from truceline.fusion import kernels
from truceline.fusion.locate import CAUCHY_C
from truceline.geo import F64, WGS84_A, WGS84_E2, ecef_to_geodetic, geodetic_to_ecef


@dataclass
class Frames:
    """One exact ENU frame per candidate (at ``lat``, ``lon``, ``height``)."""

    lat: F64
    lon: F64
    height: F64
    _to_sensors: F64 | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        lat, lon = np.radians(self.lat), np.radians(self.lon)
        sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
        zero = np.zeros_like(sl)
        self.rot = np.stack(
            [
                np.stack([-so, co, zero], axis=-1),
                np.stack([-sl * co, -sl * so, cl], axis=-1),
                np.stack([cl * co, cl * so, sl], axis=-1),
            ],
            axis=1,
        )
        self.origin = geodetic_to_ecef(self.lat, self.lon, self.height)
        n_rad = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sl**2)
        m_rad = WGS84_A * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * sl**2) ** 1.5
        self.inv2n = 1.0 / (2.0 * (n_rad + self.height))
        self.inv2m = 1.0 / (2.0 * (m_rad + self.height))

    def local(self, ecef: F64) -> F64:
        """ECEF points ``(C, K, 3)`` (or ``(K, 3)`` shared) into each candidate's frame."""
        d = ecef - self.origin[:, None, :]
        # einsum, not the 10× faster matmul: matmul's different rounding changed which
        # events the demo day's association ends with (one 4-sensor impact lost), and
        # this product is only ~3 % of the hard load's time.
        return np.asarray(np.einsum("cij,ckj->cki", self.rot, d), dtype=np.float64)

    def to_sensors(self, sensor_rot: F64, rows: np.ndarray) -> F64:
        """``(C, S, 3, 3)``: each candidate's frame turned into the own ENU frames of the
        sensors ``rows`` (those with a bearing to turn; ``sensor_rot`` ``(S, 3, 3)``, the
        network's), zero for the others, whose bearings no fit reads; computed once and
        kept. Most sensors have no bearing, and the product for all of them was 3 % of the
        hard load's time. numpy's ``matmul``, whose rounding the compiled batches reuse
        rather than reproduce (a loop of the same products differs in the last bits, and
        one 4-sensor impact of the demo day turns on them); each product is the same bits
        whichever others are computed with it."""
        if self._to_sensors is None:
            self._to_sensors = np.zeros((len(self.rot), len(sensor_rot), 3, 3))
            frame_t = self.rot.transpose(0, 2, 1)[:, None]
            self._to_sensors[:, rows] = np.matmul(sensor_rot[rows][None], frame_t)
        return self._to_sensors

    def take(self, rows: np.ndarray) -> Frames:
        """The frames of candidates ``rows`` (their arrays copied, nothing recomputed; the
        turns into the sensors' frames, a cache, are left for :meth:`to_sensors`)."""
        out = object.__new__(Frames)
        out.lat, out.lon, out.height = self.lat[rows], self.lon[rows], self.height[rows]
        out.rot, out.origin = self.rot[rows], self.origin[rows]
        out.inv2n, out.inv2m = self.inv2n[rows], self.inv2m[rows]
        out._to_sensors = None
        return out

    def surface(self, e: F64, n: F64) -> F64:
        return np.stack([e, n, -(e * e * self.inv2n + n * n * self.inv2m)], axis=-1)

    def geodetic(self, e: F64, n: F64) -> tuple[F64, F64]:
        p = np.einsum("ci,cij->cj", self.surface(e, n), self.rot) + self.origin
        lat, lon, _ = ecef_to_geodetic(p)
        return lat, lon


@dataclass
class Batch:
    """Padded observations of ``C`` candidates with up to ``K`` picks each.

    ``sens`` are sensor positions in each candidate's frame; ``brot`` turns a source
    displacement in the candidate's frame into the sensor's own ENU frame (for bearings);
    ``bear`` is NaN where a pick has no usable bearing.
    """

    sens: F64
    t: F64
    sig: F64
    bear: F64
    sigb: F64
    brot: F64
    mask: np.ndarray
    speed: F64
    wind: F64
    inv2n: F64
    inv2m: F64

    def take(self, rows: np.ndarray) -> Batch:
        """The observations of candidates ``rows``."""
        return Batch(*(getattr(self, f.name)[rows] for f in fields(self)))


def _surface(b: Batch, x: F64) -> F64:
    e, n = x[:, 0], x[:, 1]
    return np.stack([e, n, -(e * e * b.inv2n + n * n * b.inv2m)], axis=-1)


def evaluate(b: Batch, x: F64) -> tuple[F64, F64]:
    """Normalised residuals ``(C, 2K)`` and Jacobian ``(C, 2K, 3)``; padding rows are 0.

    Compiled (:func:`truceline.fusion._kernels.residuals`) when numba is installed;
    :func:`evaluate_numpy` is the reference and the fallback.
    """
    if kernels.COMPILED and len(x):
        return kernels.residuals(
            b.sens, b.t, b.sig, b.bear, b.sigb, b.brot, b.mask, b.speed, b.wind, b.inv2n,
            b.inv2m, np.ascontiguousarray(x, dtype=np.float64),
        )  # fmt: skip
    return evaluate_numpy(b, x)


def evaluate_numpy(b: Batch, x: F64) -> tuple[F64, F64]:
    """Reference (numpy) form of :func:`evaluate`."""
    p = _surface(b, x)
    rel = b.sens - p[:, None, :]
    ve, vn, vu = rel[..., 0], rel[..., 1], rel[..., 2]
    h2 = ve * ve + vn * vn
    dist = np.sqrt(h2 + vu * vu)
    hs = np.maximum(np.sqrt(h2), 1e-6)
    wu, wv = b.wind[:, 0:1], b.wind[:, 1:2]
    f = (wu * ve + wv * vn) / hs
    ceff = b.speed[:, None] + f
    tt = dist / ceff
    ds = np.maximum(dist, 1e-6)
    inv = 1.0 / (ceff * ceff)
    de = (-ve / ds * ceff - dist * (-wu + f * ve / hs) / hs) * inv
    dn = (-vn / ds * ceff - dist * (-wv + f * vn / hs) / hs) * inv
    m = b.mask
    w = np.where(m, 1.0 / b.sig, 0.0)
    r_t = np.where(m, (b.t - x[:, 2:3] - tt), 0.0) * w
    j_t = np.stack([de * w, dn * w, w], axis=-1)
    q = np.einsum("ckij,ckj->cki", b.brot, p[:, None, :] - b.sens)
    r2 = np.maximum(q[..., 0] ** 2 + q[..., 1] ** 2, 1e-6)
    az = np.arctan2(q[..., 0], q[..., 1])
    hb = m & np.isfinite(b.bear)
    wb = np.where(hb, 1.0 / b.sigb, 0.0)
    diff = np.where(hb, b.bear - az, 0.0)
    r_b = ((diff + np.pi) % (2.0 * np.pi) - np.pi) * wb
    j_b = np.stack([q[..., 1] / r2 * wb, -q[..., 0] / r2 * wb, np.zeros_like(wb)], axis=-1)
    return np.concatenate([r_t, r_b], axis=1), np.concatenate([j_t, j_b], axis=1)


def _cost(r: F64, robust: bool) -> F64:
    if robust:
        return np.asarray(np.sum(np.log1p((r / CAUCHY_C) ** 2), axis=1), dtype=np.float64)
    return np.asarray(np.sum(r * r, axis=1), dtype=np.float64)


def solve(b: Batch, x: F64, *, robust: bool, iterations: int) -> F64:
    """Levenberg–Marquardt, a fixed number of steps, each candidate with its own damping.

    Association fits every candidate of a block this way several times; the steps run as
    one compiled loop (:func:`truceline.fusion._kernels.lm_solve`) when numba is
    installed, and :func:`solve_numpy` is the reference and the fallback.
    """
    if kernels.COMPILED and len(x):
        return kernels.lm_solve(
            b.sens, b.t, b.sig, b.bear, b.sigb, b.brot, b.mask, b.speed, b.wind, b.inv2n,
            b.inv2m, np.ascontiguousarray(x, dtype=np.float64), robust, iterations, CAUCHY_C,
        )  # fmt: skip
    return solve_numpy(b, x, robust=robust, iterations=iterations)


def solve_numpy(b: Batch, x: F64, *, robust: bool, iterations: int) -> F64:
    """Reference (numpy) form of :func:`solve`."""
    lam = np.full(len(x), 1e-3)
    r, jac = evaluate_numpy(b, x)
    cost = _cost(r, robust)
    eye = np.eye(3)
    for _ in range(iterations):
        w = 1.0 / (1.0 + (r / CAUCHY_C) ** 2) if robust else np.ones_like(r)
        jw = jac * w[..., None]
        a = np.einsum("cki,ckj->cij", jw, jac)
        g = np.einsum("cki,ck->ci", jw, r)
        diag = np.einsum("cii->ci", a)
        damped = a + lam[:, None, None] * (diag[:, :, None] * eye + 1e-12 * eye)
        try:
            step = np.linalg.solve(damped, g[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.zeros_like(x)
            ok = np.linalg.cond(damped) < 1e12
            if ok.any():
                step[ok] = np.linalg.solve(damped[ok], g[ok][..., None])[..., 0]
        step = np.where(np.isfinite(step), step, 0.0)
        x_new = x + step
        r_new, j_new = evaluate_numpy(b, x_new)
        c_new = _cost(r_new, robust)
        better = c_new <= cost
        x = np.where(better[:, None], x_new, x)
        r = np.where(better[:, None], r_new, r)
        jac = np.where(better[:, None, None], j_new, jac)
        cost = np.where(better, c_new, cost)
        lam = np.where(better, np.maximum(lam / 10.0, 1e-9), np.minimum(lam * 10.0, 1e9))
    return x


def covariance(b: Batch, x: F64) -> tuple[F64, F64, F64]:
    """``(cov (C,3,3), chi2 (C,), normalised residuals (C, 2K))`` at ``x``.

    The covariance is ``(Jᵀ J)⁻¹`` of the normalised residuals: the Cramér–Rao bound of the
    model with the a-priori sigmas. Singular systems get infinite variances.
    """
    r, jac = evaluate(b, x)
    a = np.matmul(jac.transpose(0, 2, 1), jac)
    good = np.abs(np.linalg.det(a)) > 1e-30
    cov = np.full_like(a, np.inf)
    if good.any():
        cov[good] = np.linalg.inv(a[good])
    return cov, np.sum(r * r, axis=1), r
