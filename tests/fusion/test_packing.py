"""Weighted set packing: the disjoint candidates that explain the most picks."""

import numpy as np

from truceline.fusion import packing


def _sets(*items: tuple[int, ...]) -> list[np.ndarray]:
    return [np.array(s, dtype=np.int64) for s in items]


def test_two_rounds_beat_the_mixture_that_fits_best() -> None:
    """A mixture of two rounds' picks (best fit: the highest weight) would, taken first,
    leave both rounds short; the rounds together explain twice the picks."""
    sets = _sets((0, 1, 2, 3), (4, 5, 6, 7), (2, 3, 4, 5))
    assert sorted(packing.pack(sets, np.array([4.0, 4.0, 4.1]))) == [0, 1]


def test_the_heavier_of_two_overlapping_sets_is_chosen() -> None:
    sets = _sets((0, 1, 2, 3, 4), (4, 5, 6, 7), (8, 9, 10, 11))
    assert sorted(packing.pack(sets, np.array([5.0, 4.0, 4.0]))) == [0, 2]


def test_nothing_of_no_weight_and_nothing_from_nothing() -> None:
    assert packing.pack([], np.zeros(0)) == []
    assert packing.pack(_sets((0, 1), (2, 3)), np.array([-1.0, 2.0])) == [1]


def test_the_guard_keeps_choices_disjoint() -> None:
    """Whatever the solver returns, overlapping sets are never both kept."""
    sets = _sets((0, 1), (1, 2), (3,))
    assert packing._disjoint(sets, [0, 1, 2]) == [0, 2]
