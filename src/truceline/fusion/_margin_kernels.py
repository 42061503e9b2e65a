"""Each pair's exact margin in the pairing's assignment, compiled (pure; numba when installed).

Pairing solves an assignment on the symmetric double cover of its events
(:mod:`truceline.fusion.pairing`); a pair ``(a, b)`` is the 2-cycle ``a → b → a`` of
the optimal permutation. Its margin is what the best permutation without both cells
costs more, halved (the double cover counts each pair twice). Solving the assignment
again for each pair costs about 0.1 s for a hard pairing block; this finds the same
figure from the optimum already solved, in a millisecond or less, as successive
shortest paths do in min-cost flow (Ahuja, Magnanti and Orlin, *Network Flows*, 1993,
§9.7):

1. potentials from Bellman–Ford on the optimum's residual graph (no negative cycle, as
   it is optimal), so every residual arc costs zero or more once reduced;
2. cell ``(a, b)`` taken out (row ``a`` and column ``b`` freed): the shortest path from
   row ``a`` to column ``b`` (Dijkstra) is the least extra cost of an optimum without
   it; the potentials move by the distances, so they stay feasible;
3. if cell ``(b, a)`` is still held, the same from row ``b`` to column ``a``, both cells
   barred.

A search stops at ``cap`` (the margin of leaving both events unpaired, an alternative
always there), so each explores only what could cost less: a few rows for most pairs.
The residual graph holds the plausible cells only (below ``BIG / 2``); a path through an
implausible one would cost above any cap.
"""

from __future__ import annotations

import numpy as np

from truceline.fusion._kernels import jit

BIG = 1e6  # the cost of an implausible pair (pairing's)
SLACK = 1e-12  # an improvement smaller than this is rounding, not a shorter path


@jit
def _neighbours(sym: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's plausible columns, as compressed rows (``ptr``, ``col``)."""
    n = len(sym)
    ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        ptr[i + 1] = ptr[i] + np.sum(sym[i] < BIG / 2)
    col = np.empty(ptr[n], dtype=np.int64)
    for i in range(n):
        k = ptr[i]
        for j in range(n):
            if sym[i, j] < BIG / 2:
                col[k] = j
                k += 1
    return ptr, col


@jit
def _potentials(sym: np.ndarray, perm: np.ndarray, ptr: np.ndarray, col: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Potentials of rows and columns under which every arc of the residual graph of the
    optimal ``perm`` costs zero or more (Bellman–Ford from a source joined to all)."""
    n = len(perm)
    pr = np.zeros(n)
    pc = np.zeros(n)
    for _ in range(2 * n + 1):
        changed = False
        for i in range(n):
            for e in range(ptr[i], ptr[i + 1]):  # row i → column j, unheld
                j = col[e]
                if j != perm[i] and pr[i] + sym[i, j] < pc[j] - SLACK:
                    pc[j] = pr[i] + sym[i, j]
                    changed = True
            j = perm[i]  # column j → row i, held: back at minus its cost
            if pc[j] - sym[i, j] < pr[i] - SLACK:
                pr[i] = pc[j] - sym[i, j]
                changed = True
        if not changed:
            break
    return pr, pc


@jit
def _nearest(dist: np.ndarray, done: np.ndarray, seen: np.ndarray, reached: int
             ) -> tuple[int, float]:  # fmt: skip
    """The unsettled node nearest the search's start among the ``reached`` ones in
    ``seen`` (-1 if none): the frontier is small, so a scan beats a heap."""
    x, dx = -1, np.inf
    for k in range(reached):
        y = seen[k]
        if not done[y] and dist[y] < dx:
            x, dx = y, dist[y]
    return x, dx


@jit
def _step(
    sym: np.ndarray, ptr: np.ndarray, col: np.ndarray, q: np.ndarray, qinv: np.ndarray,
    pr: np.ndarray, pc: np.ndarray, a: int, b: int, x: int, dx: float, dist: np.ndarray,
    done: np.ndarray, pred: np.ndarray, seen: np.ndarray, reached: int,
) -> int:  # fmt: skip
    """Relax the arcs out of node ``x``, just settled at ``dx`` (nodes: rows ``0..n-1``,
    columns ``n..2n-1``), on reduced costs: a column back along its held cell to its
    row, a row on to its unheld plausible columns, cells ``(a, b)`` and ``(b, a)``
    barred; a column reached keeps its row in ``pred``. Returns how many nodes are
    reached (listed in ``seen``)."""
    n = len(q)
    if x >= n:
        j = x - n
        i = qinv[j]
        d = dx + max(pc[j] - pr[i] - sym[i, j], 0.0)
        if not done[i] and d < dist[i]:
            if dist[i] == np.inf:
                seen[reached] = i
                reached += 1
            dist[i] = d
        return reached
    for e in range(ptr[x], ptr[x + 1]):
        j = col[e]
        if j == q[x] or (x == a and j == b) or (x == b and j == a) or done[n + j]:
            continue
        d = dx + max(sym[x, j] + pr[x] - pc[j], 0.0)
        if d < dist[n + j]:
            if dist[n + j] == np.inf:
                seen[reached] = n + j
                reached += 1
            dist[n + j] = d
            pred[n + j] = x
    return reached


@jit
def _shortest(
    sym: np.ndarray, ptr: np.ndarray, col: np.ndarray, q: np.ndarray, qinv: np.ndarray,
    pr: np.ndarray, pc: np.ndarray, src: int, dst: int, a: int, b: int, limit: float,
    dist: np.ndarray, done: np.ndarray, pred: np.ndarray, seen: np.ndarray,
) -> tuple[float, int]:  # fmt: skip
    """Dijkstra on reduced costs from free row ``src`` to free column ``dst``, cells
    ``(a, b)`` and ``(b, a)`` barred; stops beyond ``limit``. Returns the distance
    (``inf`` beyond it) and how many nodes it reached (listed in ``seen``; the scratch
    arrays are reset by :func:`_settle`)."""
    dist[src] = 0.0
    seen[0] = src
    reached = 1
    while True:
        x, dx = _nearest(dist, done, seen, reached)
        if x < 0 or dx > limit:
            return np.inf, reached
        done[x] = True
        if x == len(q) + dst:
            return dx, reached
        reached = _step(sym, ptr, col, q, qinv, pr, pc, a, b, x, dx, dist, done, pred, seen,
                        reached)  # fmt: skip


@jit
def _settle(
    q: np.ndarray, qinv: np.ndarray, pr: np.ndarray, pc: np.ndarray, src: int, dst: int,
    length: float, reached: int, dist: np.ndarray, done: np.ndarray, pred: np.ndarray,
    seen: np.ndarray,
) -> None:  # fmt: skip
    """Augment along the path :func:`_shortest` found (if it found one), move the
    potentials by its distances, and reset the scratch arrays for the next search."""
    n = len(q)
    if length < np.inf:
        j = dst
        while True:  # each row on the path takes the column it reached, from the end
            i = pred[n + j]
            held = q[i]
            q[i] = j
            qinv[j] = i
            if i == src:
                break
            j = held
        for k in range(reached):
            y = seen[k]
            if done[y] and dist[y] < length:
                if y < n:
                    pr[y] += dist[y] - length
                else:
                    pc[y - n] += dist[y] - length
    _reset(dist, done, pred, seen, reached)


@jit
def _reset(dist: np.ndarray, done: np.ndarray, pred: np.ndarray, seen: np.ndarray,
           reached: int) -> None:  # fmt: skip
    """Clear the scratch arrays where a search reached (the ``reached`` nodes of ``seen``),
    for the next search."""
    for k in range(reached):
        y = seen[k]
        dist[y] = np.inf
        done[y] = False
        pred[y] = -1


@jit
def _touches(
    sym: np.ndarray, ptr: np.ndarray, col: np.ndarray, q: np.ndarray, qinv: np.ndarray,
    pr: np.ndarray, pc: np.ndarray, a: int, b: int, cycle: np.ndarray, limit: float,
    dist: np.ndarray, done: np.ndarray, pred: np.ndarray, seen: np.ndarray,
) -> bool:  # fmt: skip
    """Whether an event of ``cycle`` (as row or column) lies within ``limit`` of row ``a``
    or row ``b`` on the optimum's residual graph, cells ``(a, b)`` and ``(b, a)`` barred
    (Dijkstra from both at once; the scratch arrays are left reset)."""
    n = len(q)
    dist[a] = dist[b] = 0.0
    seen[0], seen[1] = a, b
    reached, hit = 2, False
    while True:
        x, dx = _nearest(dist, done, seen, reached)
        if x < 0 or dx > limit:
            break
        done[x] = True
        if cycle[x - n if x >= n else x]:
            hit = True
            break
        reached = _step(sym, ptr, col, q, qinv, pr, pc, a, b, x, dx, dist, done, pred, seen,
                        reached)  # fmt: skip
    _reset(dist, done, pred, seen, reached)
    return hit


@jit
def exact_margins(sym: np.ndarray, perm: np.ndarray, pa: np.ndarray, pb: np.ndarray,
                  cap: np.ndarray, cycle: np.ndarray, gap: float) -> np.ndarray:  # fmt: skip
    """For each pair ``(pa[t], pb[t])``, a 2-cycle of the optimal permutation ``perm`` of
    ``sym`` (diagonal set), the least extra cost, halved, of a permutation without either
    of its cells; ``inf`` where that is ``cap[t]`` or more, or the pair is no 2-cycle.

    ``cycle`` marks the events on the optimum's longer cycles, and ``gap`` is what the
    matching cut from it costs above it (:func:`truceline.fusion.pair_margins._gap`).
    A change of the matching that undoes a pair and touches none of those events costs
    at least the figure found (it is a permutation of its own); one that touches one at
    reduced distance ``δ`` from the pair's rows costs at least ``δ / 2 - gap``. So where
    such an event lies within ``2 (figure + gap)``, the figure is lowered by ``gap``,
    a bound of the matching's margin never above it."""
    n = len(perm)
    ptr, col = _neighbours(sym)
    pr0, pc0 = _potentials(sym, perm, ptr, col)
    inv0 = np.empty(n, dtype=np.int64)
    for i in range(n):
        inv0[perm[i]] = i
    dist = np.full(2 * n, np.inf)
    done = np.zeros(2 * n, dtype=np.bool_)
    pred = np.full(2 * n, -1, dtype=np.int64)
    seen = np.empty(2 * n, dtype=np.int64)
    out = np.full(len(pa), np.inf)
    for t in range(len(pa)):
        a, b = pa[t], pb[t]
        if perm[a] != b or perm[b] != a:
            continue
        q, qinv, pr, pc = perm.copy(), inv0.copy(), pr0.copy(), pc0.copy()
        total = 0.0
        for src, dst in ((a, b), (b, a)):
            if q[src] != dst:  # the first path took this cell already
                continue
            q[src] = -1
            qinv[dst] = -1
            # reduced length = extra cost + the cell's cost + pr[src] - pc[dst]
            shift = sym[src, dst] + pr[src] - pc[dst]
            limit = 2.0 * cap[t] - total + shift
            length, reached = _shortest(sym, ptr, col, q, qinv, pr, pc, src, dst, a, b, limit,
                                        dist, done, pred, seen)  # fmt: skip
            if length < np.inf:
                total += length - shift
            _settle(q, qinv, pr, pc, src, dst, length, reached, dist, done, pred, seen)
            if length == np.inf:
                total = np.inf
                break
        if total >= 2.0 * cap[t]:
            continue
        out[t] = 0.5 * total
        if gap > 0.0 and _touches(sym, ptr, col, perm, inv0, pr0, pc0, a, b, cycle,
                                  2.0 * (out[t] + gap), dist, done, pred, seen):  # fmt: skip
            out[t] -= gap
    return out
