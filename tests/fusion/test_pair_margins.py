"""Pair margins on hand-made cost matrices whose alternatives are known."""

from __future__ import annotations

import numpy as np
import pytest

from truceline.fusion.pair_margins import pair_margins

U = 3.0  # the cost of leaving one event unpaired
BIG = 1e6


def _sym(n: int, costs: dict[tuple[int, int], float]) -> np.ndarray:
    m = np.full((n, n), BIG)
    for (a, b), c in costs.items():
        m[a, b] = m[b, a] = c
    return m


def test_a_lone_pair_is_as_sure_as_leaving_both_unpaired_costs() -> None:
    sym = _sym(2, {(0, 1): 1.0})
    assert pair_margins(sym, [(0, 1)], U) == pytest.approx([2 * U - 1.0])


def test_an_unpaired_event_that_could_take_one_end_narrows_the_margin() -> None:
    """Event 2 is unpaired; pairing 0 with it instead (1 then unpaired) costs 0.4 more."""
    sym = _sym(3, {(0, 1): 1.0, (0, 2): 1.4})
    assert pair_margins(sym, [(0, 1)], U) == pytest.approx([0.4])


def test_two_pairs_that_could_swap_partners_share_the_swaps_cost() -> None:
    """Rounds of a salvo: (0, 1) and (2, 3) cost 1 each, the crossed pairs 1.1 each."""
    sym = _sym(4, {(0, 1): 1.0, (2, 3): 1.0, (0, 3): 1.1, (2, 1): 1.1})
    assert pair_margins(sym, [(0, 1), (2, 3)], U) == pytest.approx([0.2, 0.2])
    # pairing the four events the other way round, (0, 2) and (1, 3), is weighed too
    sym[0, 2] = sym[2, 0] = sym[1, 3] = sym[3, 1] = 1.05
    assert pair_margins(sym, [(0, 1), (2, 3)], U) == pytest.approx([0.1, 0.1])


def test_no_pairs_no_margins() -> None:
    assert pair_margins(np.zeros((3, 3)), [], U).shape == (0,)


def test_three_pairs_that_could_pass_their_partners_round_share_the_rotations_cost() -> None:
    """Three shots, each launch (0, 2, 4) able to take the next one's impact (3, 5, 1) for
    0.1 more: no two of them can swap, yet the three can rotate, for 0.3."""
    sym = _sym(6, {(0, 1): 1.0, (2, 3): 1.0, (4, 5): 1.0, (0, 3): 1.1, (2, 5): 1.1, (4, 1): 1.1})
    assert pair_margins(sym, [(0, 1), (2, 3), (4, 5)], U) == pytest.approx([0.3, 0.3, 0.3])


def _matchings(nodes: list[int]) -> list[list[tuple[int, int]]]:
    """Every matching of ``nodes`` (each node paired once or left unpaired)."""
    if not nodes:
        return [[]]
    first, rest = nodes[0], nodes[1:]
    out = _matchings(rest)  # first unpaired
    for i, other in enumerate(rest):
        out += [[(first, other), *m] for m in _matchings(rest[:i] + rest[i + 1 :])]
    return out


@pytest.mark.parametrize("seed", range(30))
def test_a_margin_is_an_upper_bound_of_the_exact_one(seed: int) -> None:
    """Against every matching of 8 events: the best matching without a pair costs at most
    its margin more than the best one, since each alternative weighed (a rotation of
    three pairs too) is one of them."""
    rng = np.random.default_rng(seed)
    n = 8
    sym = np.where(rng.random((n, n)) < 0.6, rng.uniform(0.0, 5.0, (n, n)), BIG)
    sym = np.minimum(sym, sym.T)
    every = _matchings(list(range(n)))
    cost = [sum(sym[a, b] for a, b in m) + U * (n - 2 * len(m)) for m in every]
    best = every[int(np.argmin(cost))]
    pairs = [(a, b) for a, b in best if sym[a, b] < BIG]
    assert pairs
    margins = pair_margins(sym, pairs, U)
    for (a, b), margin in zip(pairs, margins, strict=True):
        without = min(c for m, c in zip(every, cost, strict=True) if (a, b) not in m)
        assert without - min(cost) <= margin + 1e-9
