"""Choosing disjoint candidate events that explain the most picks (pure, scipy).

Inside a salvo's impact area every candidate fits: the rounds' own pick sets and the
mixtures of neighbouring rounds' picks alike, to a few milliseconds. What tells them
apart is the whole: the rounds partition the picks between them, while a mixture takes
a few picks of several rounds and leaves each of them short of sensors. Taking
candidates best first takes a mixture whenever it fits best; choosing the disjoint set
that explains the most picks (weighted set packing, an integer programme solved exactly
by HiGHS through :func:`scipy.optimize.milp`) takes the partition.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from truceline.geo import F64

NODE_LIMIT = 10_000


def pack(sets: Sequence[np.ndarray], weight: F64, node_limit: int = NODE_LIMIT) -> list[int]:
    """Indices of the disjoint ``sets`` (arrays of item ids) of greatest total ``weight``.

    Sets of non-positive weight are never chosen. The solver is bounded by branch-and-bound
    nodes, not seconds, so that the same input gives the same choice on any machine (the
    live service and ``truceline fuse`` must agree); should it stop there, the best
    disjoint choice it found is returned (never an overlapping one).
    """
    n = len(sets)
    if n == 0:
        return []
    items = np.concatenate([np.asarray(s, dtype=np.int64) for s in sets])
    cols = np.repeat(np.arange(n), [len(s) for s in sets])
    _, rows = np.unique(items, return_inverse=True)
    a = csr_matrix((np.ones(len(items)), (rows, cols)), shape=(int(rows.max()) + 1, n))
    res = milp(
        -np.asarray(weight, dtype=np.float64),
        integrality=np.ones(n),
        bounds=Bounds(0.0, 1.0),
        constraints=LinearConstraint(a, -np.inf, 1.0),
        options={"node_limit": node_limit, "mip_rel_gap": 0.0},
    )
    if res.x is None:
        return []
    chosen = [i for i in range(n) if res.x[i] > 0.5 and weight[i] > 0.0]
    return _disjoint(sets, chosen)


def _disjoint(sets: Sequence[np.ndarray], chosen: list[int]) -> list[int]:
    """``chosen`` in order, skipping any set that overlaps one kept before it (a guard
    against a solver's rounding, which an exact optimum never needs)."""
    used: set[int] = set()
    out = []
    for i in chosen:
        s = {int(v) for v in sets[i]}
        if used.isdisjoint(s):
            used |= s
            out.append(i)
    return out
