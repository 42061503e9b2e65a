"""Launch–impact pairing as one consistent assignment (pure, numpy/scipy).

Each event may be the launch of at most one shot or the impact of at most one shot, never
both, and a pair's launch comes first. That is a matching on a general graph (an event is
not a priori a launch or an impact), which we solve with ``linear_sum_assignment`` on the
*bipartite double cover*: a symmetric cost matrix with ``M[a, b] = M[b, a]`` the cost of
pairing ``a`` and ``b`` and ``M[a, a] = 2 u`` the cost of leaving ``a`` unpaired. An optimal
permutation of a symmetric matrix is the optimum of the fractional matching relaxation; it
splits into 2-cycles (pairs), fixed points (unpaired) and, rarely, longer cycles, which are
cut into the cheapest alternating matching along the cycle (Edmonds' half-integrality
result; e.g. Schrijver, *Combinatorial Optimization*, 2003, §30).

The cost of a pair is a negative log-likelihood:

- time of flight: for each weapon class whose range band holds the distance, ``z`` is the
  position of ``ln Δt`` in the class's band of ``ln`` time of flight for that range
  (:mod:`truceline.fusion.weapons`; ``z = ±1`` at its edges) and costs ``z² / 2``: flat
  enough to accept any plausible time, convex so that a salvo's rounds pair in order;
- weapon: ``−ln P(class | both events' weapon labels)``, labels right with probability
  ``q`` and otherwise spread over the other labels;
- phase: ``−ln P(a is a launch) − ln P(b is an impact)`` from the phase labels' log-odds;
- side: ``same_side_cost`` when both lie in the same side's control area (fire crosses
  the line far more often than not; only used when an agreement gives sides).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import logsumexp

from truceline.fusion.weapons import ENVELOPES, LABELS
from truceline.geo import F64

BIG = 1e6
EDGE_TOL = 0.1


@dataclass(frozen=True, slots=True)
class PairingInput:
    """Candidate events for one assignment; row ``i`` is one event.

    ``phase_llr`` is the log-odds launch-versus-impact from the labels; ``weapon_loglik``
    has one column per :data:`LABELS` entry; ``can_launch`` is False for events whose role
    as a launch was settled earlier.
    """

    origin: F64
    ecef: F64
    phase_llr: F64
    weapon_loglik: F64
    side: Sequence[str | None]
    can_launch: np.ndarray


@dataclass(frozen=True, slots=True)
class PairingCosts:
    unpaired: float = 4.0
    same_side: float = 1.5


def _log_sigmoid(x: F64) -> F64:
    return np.asarray(-np.logaddexp(0.0, -x), dtype=np.float64)


def pair_costs(inp: PairingInput, costs: PairingCosts) -> tuple[F64, np.ndarray]:
    """Cost of launch ``a`` (row) with impact ``b`` (column), ``BIG`` if implausible, and
    the weapon class (index into :data:`LABELS`) that explains the pair best."""
    dt = inp.origin[None, :] - inp.origin[:, None]
    dist = np.linalg.norm(inp.ecef[:, None, :] - inp.ecef[None, :, :], axis=2)
    posterior = inp.weapon_loglik[:, None, :] + inp.weapon_loglik[None, :, :]
    posterior = posterior - logsumexp(posterior, axis=2, keepdims=True)
    best = np.full(dt.shape, BIG)
    cls = np.full(dt.shape, -1, dtype=np.int64)
    log_dt = np.log(np.maximum(dt, 1e-3))
    for env in ENVELOPES:
        lo, hi = env.tof_band(np.maximum(dist, 1.0))
        mid, half = 0.5 * (np.log(lo) + np.log(hi)), 0.5 * (np.log(hi) - np.log(lo))
        z = (log_dt - mid) / half
        ok = (dt > 0) & (np.abs(z) <= 1.0 + EDGE_TOL)
        ok &= (dist >= env.range_m[0] * 0.9) & (dist <= env.range_m[1] * 1.05)
        c = np.where(ok, 0.5 * z * z - posterior[:, :, LABELS.index(env.name)], BIG)
        better = c < best
        best = np.where(better, c, best)
        cls = np.where(better, LABELS.index(env.name), cls)
    phase = -_log_sigmoid(inp.phase_llr)[:, None] - _log_sigmoid(-inp.phase_llr)[None, :]
    side = np.array([s if s is not None else "" for s in inp.side], dtype=object)
    same = (side[:, None] == side[None, :]) & (side[:, None] != "")
    total = best + phase + np.where(same, costs.same_side, 0.0)
    feasible = (best < BIG) & inp.can_launch[:, None]
    np.fill_diagonal(feasible, False)
    return np.where(feasible, total, BIG), cls


def _cut_cycle(cycle: list[int], sym: F64, unpaired: float) -> list[tuple[int, int]]:
    """Cheapest set of consecutive pairs along a cycle of length ≥ 3."""
    n = len(cycle)
    best: tuple[float, list[tuple[int, int]]] = (np.inf, [])
    for start in range(n if n % 2 else 2):
        order = cycle[start:] + cycle[:start]
        pairs = [(order[i], order[i + 1]) for i in range(0, n - 1, 2)]
        cost = sum(sym[a, b] for a, b in pairs) + (unpaired if n % 2 else 0.0)
        if cost < best[0] and all(sym[a, b] < BIG for a, b in pairs):
            best = (cost, pairs)
    return best[1]


def solve_pairs(inp: PairingInput, costs: PairingCosts) -> list[tuple[int, int, str]]:
    """Optimal pairs as ``(launch, impact, weapon class)`` row indices of ``inp``."""
    n = len(inp.origin)
    if n < 2:
        return []
    c, cls = pair_costs(inp, costs)
    if not (c < BIG).any():
        return []
    sym = np.minimum(c, c.T)
    np.fill_diagonal(sym, 2.0 * costs.unpaired)
    _, perm = linear_sum_assignment(sym)
    seen = np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    for i in range(n):
        if seen[i]:
            continue
        cycle = [i]
        seen[i] = True
        j = int(perm[i])
        while j != i:
            cycle.append(j)
            seen[j] = True
            j = int(perm[j])
        if len(cycle) == 2 and sym[cycle[0], cycle[1]] < BIG:
            pairs.append((cycle[0], cycle[1]))
        elif len(cycle) > 2:
            pairs.extend(_cut_cycle(cycle, sym, costs.unpaired))
    out = []
    for a, b in pairs:
        launch, impact = (a, b) if c[a, b] <= c[b, a] else (b, a)
        out.append((launch, impact, LABELS[int(cls[launch, impact])]))
    return sorted(out)
