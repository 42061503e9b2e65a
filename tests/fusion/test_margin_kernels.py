"""The compiled exact margins against their reference (the assignment solved again for each
pair), on blocks shaped like pairing's: launches, impacts, ties and implausible cells."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from truceline.fusion import _kernels, _margin_kernels, pair_margins
from truceline.fusion.pair_margins import _exact_numpy

pytestmark = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="compiled kernels need numba")

U = 3.0


def _block(seed: int, n: int, step: float) -> tuple[np.ndarray, np.ndarray]:
    """A symmetric block of ``n`` events and its optimal permutation; costs rounded to
    ``step`` (0: not rounded) make the ties a salvo's rounds make."""
    rng = np.random.default_rng(seed)
    launch = rng.random(n) < 0.5
    either = (launch[:, None] != launch[None, :]) | (rng.random((n, n)) < 0.01)
    cost = rng.uniform(0.0, 6.0, (n, n))
    if step:
        cost = np.round(cost / step) * step
    sym = np.where(either & (rng.random((n, n)) < 0.15), cost, pair_margins.BIG)
    sym = np.minimum(sym, sym.T)
    np.fill_diagonal(sym, 2 * U)
    _, perm = linear_sum_assignment(sym)
    return sym, perm.astype(np.int64)


@pytest.mark.parametrize("step", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_margins_are_the_assignments_solved_again(seed: int, step: float) -> None:
    sym, perm = _block(seed, 120, step)
    pa = np.flatnonzero(perm > np.arange(len(perm)))  # every cell off the diagonal: the
    pb = perm[pa]  # 2-cycles and, for the others, the "no 2-cycle" answer
    cap = np.where(np.arange(len(pa)) % 3 == 0, 0.5, 2 * U - sym[pa, pb])  # some cut short
    cycle = perm[perm] != np.arange(len(perm))
    fast = _margin_kernels.exact_margins(sym, perm, pa, pb, cap, cycle, 0.0)
    slow = _exact_numpy(sym, perm, pa, pb, cap)
    assert np.isfinite(slow).sum() > 10  # not all beyond their caps
    assert np.array_equal(np.isinf(fast), np.isinf(slow))
    assert fast[np.isfinite(fast)] == pytest.approx(slow[np.isfinite(slow)], abs=1e-9)
    # Given a gap, a figure is lowered by it, or kept where no longer cycle is near: all
    # kept in a block without one (5 of these 12), some lowered in the others.
    gapped = _margin_kernels.exact_margins(sym, perm, pa, pb, cap, cycle, 0.7)
    ok = np.isfinite(fast)
    kept = np.isclose(gapped[ok], fast[ok], atol=1e-9)
    assert (kept | np.isclose(gapped[ok], fast[ok] - 0.7, atol=1e-9)).all()
    assert (~kept).any() == cycle.any()


def test_a_pair_far_from_the_optimums_odd_cycle_keeps_its_margin() -> None:
    """A pair whose undoing cannot reach the block's odd cycle keeps its relaxed margin;
    one next to it is lowered by the cycle's cut (what the matching pays above the
    relaxation), so neither is above the matching's exact margin."""
    big = pair_margins.BIG
    n = 7
    sym = np.full((n, n), big)
    for x, y, c in [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (2, 3, 2.5), (4, 5, 1.0), (3, 6, 1.2)]:
        sym[x, y] = sym[y, x] = c  # a triangle 0-1-2, a pair 4-5 alone, 3 and 6 beside it
    np.fill_diagonal(sym, 2 * U)
    _, perm = linear_sum_assignment(sym)
    perm = perm.astype(np.int64)
    cycle = perm[perm] != np.arange(n)
    assert cycle[:3].all() and not cycle[3:].any()  # the triangle, taken at half pairs
    pa, pb = np.array([4, 3]), np.array([5, 6])
    cap = 2 * U - sym[pa, pb] + 1.5
    relaxed = _margin_kernels.exact_margins(sym, perm, pa, pb, cap, cycle, 0.0)
    out = _margin_kernels.exact_margins(sym, perm, pa, pb, cap, cycle, 0.5)
    # 4-5 has no other partner: both unpaired, 2 U - 1, untouched by the triangle
    assert out[0] == relaxed[0] == pytest.approx(2 * U - 1.0)
    # 3-6 is undone by 3 taking 2, in the triangle: lowered by the gap
    assert out[1] == pytest.approx(relaxed[1] - 0.5)


def test_the_kernels_implausible_cost_is_pairings() -> None:
    assert _margin_kernels.BIG == pair_margins.BIG
