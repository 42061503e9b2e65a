"""The batched fit: compiled Levenberg–Marquardt against its numpy reference."""

import numpy as np
import pytest

from truceline.fusion import _kernels, batch
from truceline.geo import geodetic_to_ecef

needs_numba = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is not installed")


def _batch(seed: int, n: int = 40, k: int = 12) -> tuple[batch.Batch, np.ndarray, np.ndarray]:
    """``n`` candidates near 48.5 N 37.8 E, each with up to ``k`` picks (some padded, some
    with bearings, a few mistimed), in wind; also the true (e, n, origin) of each."""
    rng = np.random.default_rng(seed)
    lat = 48.5 + rng.uniform(-0.2, 0.2, n)
    lon = 37.8 + rng.uniform(-0.3, 0.3, n)
    frames = batch.Frames(lat, lon, np.full(n, 150.0))
    truth = np.stack([rng.uniform(-300, 300, n), rng.uniform(-300, 300, n),
                      rng.uniform(0, 60, n)], axis=1)  # fmt: skip
    sens_geo = np.stack([lat[:, None] + rng.uniform(-0.1, 0.1, (n, k)),
                         lon[:, None] + rng.uniform(-0.15, 0.15, (n, k))], axis=2)  # fmt: skip
    ecef = geodetic_to_ecef(sens_geo[..., 0], sens_geo[..., 1], rng.uniform(100, 250, (n, k)))
    sens = frames.local(ecef)
    mask = np.ones((n, k), dtype=bool)
    for c in range(n):
        mask[c, rng.integers(5, k + 1) :] = False
    speed = rng.uniform(330, 345, n)
    wind = rng.normal(0, 5, (n, 2))
    sig = np.where(mask, rng.uniform(0.005, 0.03, (n, k)), 1.0)
    ones = np.ones((n, k))
    nan, rot0 = np.full((n, k), np.nan), np.zeros((n, k, 3, 3))
    empty = batch.Batch(sens, np.zeros((n, k)), ones, nan, ones, rot0, mask, speed, wind,
                        frames.inv2n, frames.inv2m)  # fmt: skip
    r, _ = batch.evaluate_numpy(empty, truth)  # with t = 0, sigma = 1: r = −(origin + tt)
    t = -r[:, :k] + rng.normal(0, 1, (n, k)) * sig
    t[rng.random((n, k)) < 0.05] += 0.3  # mistimed picks
    brot = np.tile(np.eye(3), (n, k, 1, 1))
    q = np.einsum("ckij,ckj->cki", brot, frames.surface(truth[:, 0], truth[:, 1])[:, None] - sens)
    bear = np.where(rng.random((n, k)) < 0.3, np.arctan2(q[..., 0], q[..., 1]), np.nan)
    bear = bear + rng.normal(0, 0.02, (n, k))
    b = batch.Batch(sens, t, sig, bear, np.full((n, k), 0.02), brot, mask, speed, wind,
                    frames.inv2n, frames.inv2m)  # fmt: skip
    start = truth + np.stack([rng.normal(0, 200, n), rng.normal(0, 200, n),
                              rng.normal(0, 0.5, n)], axis=1)  # fmt: skip
    return b, start, truth


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_residuals_match_numpy(seed: int) -> None:
    b, start, _ = _batch(seed)
    r, jac = batch.evaluate(b, start)
    r_ref, jac_ref = batch.evaluate_numpy(b, start)
    np.testing.assert_allclose(r, r_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(jac, jac_ref, rtol=1e-10, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("robust", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_solve_matches_numpy(seed: int, robust: bool) -> None:
    b, start, _ = _batch(seed)
    x = batch.solve(b, start, robust=robust, iterations=10)
    x_ref = batch.solve_numpy(b, start, robust=robust, iterations=10)
    np.testing.assert_allclose(x[:, :2], x_ref[:, :2], atol=1e-3)  # metres
    np.testing.assert_allclose(x[:, 2], x_ref[:, 2], atol=1e-6)  # seconds


@pytest.mark.parametrize("solve", [batch.solve, batch.solve_numpy])
def test_solve_recovers_the_sources(solve: object) -> None:
    """From 200 m and half a second off, a robust fit lands within metres of the truth
    despite the mistimed picks (each candidate has at least five)."""
    b, start, truth = _batch(3)
    x = solve(b, start, robust=True, iterations=15)  # type: ignore[operator]
    err = np.hypot(x[:, 0] - truth[:, 0], x[:, 1] - truth[:, 1])
    assert np.median(err) < 10.0
    assert np.median(np.abs(x[:, 2] - truth[:, 2])) < 0.02


@needs_numba
def test_singular_system_gives_no_step() -> None:
    """A degenerate system (one sensor repeated) must not move the candidate to NaN."""
    b, start, _ = _batch(4, n=3, k=6)
    b.sens[:] = b.sens[:, :1]
    b.bear[:] = np.nan
    x = batch.solve(b, start, robust=False, iterations=5)
    assert np.all(np.isfinite(x))
    out = np.empty(3)
    _kernels._solve3(np.zeros((3, 3)), np.ones(3), out)
    assert np.all(out == 0.0)
