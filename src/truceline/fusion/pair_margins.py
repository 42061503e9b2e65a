"""How sure each pair of an optimal assignment is: its margin over local alternatives (pure).

Pairing solves one assignment of least total cost, the costs negative log-likelihoods
(:mod:`truceline.fusion.pairing`). A pair's *margin* is how much more the best local
change that undoes it would cost, in nats: leaving both events unpaired, pairing either
with an event left unpaired (the other then unpaired), swapping partners with another pair
of the assignment, or three pairs passing their partners round (``pairs`` given as
(launch, impact), each launch taking the next one's impact). ``e^margin`` is then how many
times likelier the pair is than its best such alternative. A pair whose events have no
plausible other partner has a margin of several nats; a salvo's rounds, 0.5 s apart, swap
with their neighbours for a fraction of a nat (which round is which is what the data
cannot say; which launcher fired is not in doubt, :mod:`truceline.fusion.salvos`).

The alternatives are local (one to three pairs change), so the margin is an upper bound of
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

BIG = 1e6  # the cost of an implausible pair (the pairing's, truceline.fusion.pairing)
CHUNK = 64  # rows of the rotations' min-plus product computed at once


def pair_margins(sym: F64, pairs: Sequence[tuple[int, int]], unpaired: float) -> F64:
    """The margin, in nats, of each of ``pairs`` in an optimal assignment of ``sym``.

    ``sym[a, b]`` is the cost of pairing events ``a`` and ``b`` (either way round, the
    cheaper; its diagonal is not read), ``unpaired`` the cost of leaving one event
    unpaired; ``pairs`` are (launch, impact) for the rotations (the other alternatives
    take either order).
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
    if len(pairs) > 2:
        best = np.minimum(best, _rotations(sym, x, y, s))
    return np.asarray(np.maximum(best, 0.0), dtype=np.float64)


def _rotations(sym: F64, x: np.ndarray, y: np.ndarray, s: F64) -> F64:
    """For each pair, the least extra cost of three pairs passing their partners round:
    ``x_i`` with ``y_j``, ``x_j`` with ``y_k`` and ``x_k`` with ``y_i`` (``inf`` where no
    such rotation is plausible).

    Pairs oriented (launch, impact), this is three launches each taking the next one's
    impact, the chain a swap of two misses: on the independent hard 1 three artillery
    shots a minute apart, each paired with the next one's impact, carried 5.5–6.4 nats.
    Only pairs that can give and take an impact (a cross cost below ``BIG``) take part,
    so the min-plus product is over a few of a block's pairs; ``CHUNK`` rows at a time
    bound its memory.
    """
    n = len(x)
    out = np.full(n, np.inf)
    cp = sym[np.ix_(x, y)] - s[:, None]  # i takes j's impact, less what i's pair cost
    np.fill_diagonal(cp, np.inf)
    ok = cp < BIG / 2
    live = np.flatnonzero(ok.any(axis=1) & ok.any(axis=0))
    if len(live) < 3:
        return out
    sub = np.where(ok[np.ix_(live, live)], cp[np.ix_(live, live)], np.inf)
    for lo in range(0, len(live), CHUNK):
        two = (sub[lo : lo + CHUNK, :, None] + sub[None, :, :]).min(axis=1)  # i → j → k
        out[live[lo : lo + CHUNK]] = (two + sub[:, lo : lo + CHUNK].T).min(axis=1)  # k → i
    return out
