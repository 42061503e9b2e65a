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
    fast = _margin_kernels.exact_margins(sym, perm, pa, pb, cap)
    slow = _exact_numpy(sym, perm, pa, pb, cap)
    assert np.isfinite(slow).sum() > 10  # not all beyond their caps
    assert np.array_equal(np.isinf(fast), np.isinf(slow))
    assert fast[np.isfinite(fast)] == pytest.approx(slow[np.isfinite(slow)], abs=1e-9)


def test_the_kernels_implausible_cost_is_pairings() -> None:
    assert _margin_kernels.BIG == pair_margins.BIG
