"""How sure each pair of an optimal assignment is: its exact margin (pure).

Pairing solves one assignment of least total cost, the costs negative log-likelihoods
(:mod:`truceline.fusion.pairing`), on the symmetric double cover of its events. A pair's
*margin* is how much more the best assignment without it costs, in nats: ``e^margin``
is how many times likelier the pair is than the likeliest pairing of the block that
undoes it, whatever that changes (one pair, a swap, a chain of any length through the
block). A pair whose events have no plausible other partner has a margin of several
nats; a salvo's rounds, 0.5 s apart, swap with their neighbours for a fraction of a nat
(which round is which is what the data cannot say; which launcher fired is not in
doubt, :mod:`truceline.fusion.salvos`).

It is exact for the assignment the solver solves, the double cover, and so for the
matching wherever that solution and the best one without the pair are matchings. Where
either holds an odd cycle of half pairs (rare), the margin is a lower bound of the
matching's, never above it: the relaxed margin, less what cutting the block's odd cycles
cost (:func:`_gap`) where a change undoing the pair could reach one of those cycles for
less than that margin (:func:`truceline.fusion._margin_kernels.exact_margins`). It was an
upper bound before: only changes of one to three pairs were weighed, and a longer chain
costs less (on the independent hard 1, three artillery shots in a chain running through
a fourth pair carried 5.5–6.4 nats). The compiled search
(:mod:`truceline.fusion._margin_kernels`) finds every margin of a block in a millisecond
or less (36 ms for the 4-hour moderate input's 240 blocks); without numba each pair's
assignment is solved again (:func:`_exact_numpy`, the reference), about 0.1 s a
hard block.

A pair cut from a longer cycle of the optimum (``pairing._cut_cycle``) has margin 0: the
relaxation mixed it half and half with its neighbours (an even cycle's two halves cost
the same), so the data do not settle it. A salvo's alignment is costed apart (every
round shifted, its time of flight fitted again, ``pairing._SalvoFit.alignment_margin``),
and a salvo's pair takes the lesser margin
(:func:`truceline.fusion.pairing.solve_pairs_scored`). A pair is chosen in several
pairing blocks before one commits it, and the engine gives it the least margin any of
them found (:class:`truceline.fusion.engine._Candidate`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from truceline.fusion import kernels
from truceline.geo import F64

BIG = 1e6  # the cost of an implausible pair (the pairing's, truceline.fusion.pairing)
ROUNDING = 1e-9  # a gap below this is the sums' rounding, not an odd cycle's cost


def pair_margins(sym: F64, perm: np.ndarray, pairs: Sequence[tuple[int, int]], unpaired: float
                 ) -> F64:  # fmt: skip
    """The margin, in nats, of each of ``pairs`` in the optimal permutation ``perm`` of
    ``sym``.

    ``sym[a, b]`` is the cost of pairing events ``a`` and ``b`` (either way round, the
    cheaper), its diagonal ``2 unpaired`` (leaving an event unpaired); ``perm`` is the
    optimal permutation the pairs were read from.
    """
    if not pairs:
        return np.zeros(0)
    a = np.array([x for x, _ in pairs], dtype=np.int64)
    b = np.array([y for _, y in pairs], dtype=np.int64)
    perm = np.ascontiguousarray(perm, dtype=np.int64)
    cap = 2.0 * unpaired - sym[a, b]  # both left unpaired: always an alternative
    gap = _gap(sym, perm, a, b, unpaired)
    cycle = perm[perm] != np.arange(len(perm))  # events on the optimum's longer cycles
    if kernels.COMPILED:
        found = kernels.exact_margins(sym, perm, a, b, cap + gap, cycle, gap)
    else:
        found = _exact_numpy(sym, perm, a, b, cap + gap, gap)
    margin = np.minimum(found, cap)
    margin[(perm[a] != b) | (perm[b] != a)] = 0.0  # cut from a longer cycle
    return np.asarray(np.maximum(margin, 0.0), dtype=np.float64)


def _gap(sym: F64, perm: np.ndarray, a: np.ndarray, b: np.ndarray, unpaired: float) -> float:
    """What the matching (pairs ``a[t]``, ``b[t]``, the other events unpaired) costs above
    the relaxed optimum ``perm`` it was cut from: 0 unless the optimum holds an odd cycle
    (an even one's two halves cost the same), whose cut leaves an event unpaired. The
    relaxed margins then overstate the matching's, the rest of the block being cheaper
    relaxed than matched, by at most this."""
    relaxed = 0.5 * float(sym[np.arange(len(sym)), perm].sum())
    matched = float(sym[a, b].sum()) + unpaired * (len(sym) - 2 * len(a))
    gap = matched - relaxed
    return gap if gap > ROUNDING else 0.0


def _exact_numpy(sym: F64, perm: np.ndarray, a: np.ndarray, b: np.ndarray, cap: F64,
                 gap: float = 0.0) -> F64:  # fmt: skip
    """:func:`truceline.fusion._margin_kernels.exact_margins` by solving the assignment
    again for each pair, both its cells barred (the reference, and the form fusion
    runs without numba); where the matching was cut from odd cycles (``gap`` > 0), every
    figure is lowered by ``gap``, as the compiled form lowers only those near them."""
    rows = np.arange(len(sym))
    best = sym[rows, perm].sum()
    out = np.full(len(a), np.inf)
    for t, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        if perm[x] != y or perm[y] != x:
            continue
        barred = sym.copy()
        barred[x, y] = barred[y, x] = BIG
        _, other = linear_sum_assignment(barred)
        extra = 0.5 * (barred[rows, other].sum() - best)
        out[t] = extra - gap if extra < cap[t] else np.inf
    return out
