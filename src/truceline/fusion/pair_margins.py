"""How sure each pair of an optimal assignment is: its margin over local alternatives (pure).

Pairing solves one assignment of least total cost, the costs negative log-likelihoods
(:mod:`truceline.fusion.pairing`). A pair's *margin* is how much more the best local
change that undoes it would cost, in nats: leaving both events unpaired, pairing either
with an event left unpaired (the other then unpaired), or swapping partners with another
pair of the assignment. ``e^margin`` is then how many times likelier the pair is than its
best such alternative. A pair whose events have no plausible other partner has a margin of
several nats; a salvo's rounds, 0.5 s apart, swap with their neighbours for a fraction of
a nat (which round is which is what the data cannot say; which launcher fired is not in
doubt, :mod:`truceline.fusion.salvos`).

The alternatives are local (one or two pairs change), so the margin is an upper bound of
the cost of the best assignment without the pair: a longer chain of changes can cost
less. Exact bounds would need an assignment solved per pair (about a second per hard
block); these cost one pass over the block's cost matrix. One longer chain is costed
apart: a salvo aligned otherwise (every round shifted, its time of flight fitted again),
whose cost the salvo fit gives (``pairing._SalvoFit.alignment_margin``); a salvo's pair
takes the lesser of the two margins (:func:`truceline.fusion.pairing.solve_pairs_scored`).
A pair is chosen in several pairing blocks before one commits it, and the engine gives
it the least margin any of them found (:class:`truceline.fusion.engine._Candidate`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from truceline.geo import F64


def pair_margins(sym: F64, pairs: Sequence[tuple[int, int]], unpaired: float) -> F64:
    """The margin, in nats, of each of ``pairs`` in an optimal assignment of ``sym``.

    ``sym[a, b]`` is the cost of pairing events ``a`` and ``b`` (either way round, the
    cheaper; its diagonal is not read), ``unpaired`` the cost of leaving one event
    unpaired.
    """
    if not pairs:
        return np.zeros(0)
    x = np.array([a for a, _ in pairs])
    y = np.array([b for _, b in pairs])
    s = sym[x, y]
    best = 2.0 * unpaired - s  # both unpaired
    free = np.setdiff1d(np.arange(len(sym)), np.concatenate([x, y]))
    if len(free):  # one end taken by an unpaired event, the other left unpaired
        best = np.minimum(best, sym[np.ix_(x, free)].min(axis=1) - s)
        best = np.minimum(best, sym[np.ix_(y, free)].min(axis=1) - s)
    if len(pairs) > 1:  # two pairs swap partners, either way
        cross = sym[np.ix_(x, y)] + sym[np.ix_(x, y)].T
        same = sym[np.ix_(x, x)] + sym[np.ix_(y, y)]
        swap = np.minimum(cross, same) - s[:, None] - s[None, :]
        np.fill_diagonal(swap, np.inf)
        best = np.minimum(best, swap.min(axis=1))
    return np.asarray(np.maximum(best, 0.0), dtype=np.float64)
