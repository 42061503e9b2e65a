"""Groups of events linked in chains."""

import numpy as np

from truceline.fusion.linked import linked_groups


def _chain_links(n: int) -> np.ndarray:
    """``n`` events each linked to its neighbours only (and itself)."""
    idx = np.arange(n)
    return np.abs(idx[:, None] - idx[None, :]) <= 1


def test_a_chain_of_just_enough_events_is_a_group_and_shorter_chains_none() -> None:
    assert linked_groups(_chain_links(4), 4).tolist() == [0, 0, 0, 0]
    # two chains of three: six events linked to another, no group of four
    two = np.zeros((6, 6), dtype=bool)
    two[:3, :3] = two[3:, 3:] = _chain_links(3)
    assert linked_groups(two, 4).tolist() == [-1] * 6
    assert linked_groups(two, 3).tolist() == [0, 0, 0, 1, 1, 1]


def test_lone_events_are_in_no_group_and_a_group_of_one_is_every_event() -> None:
    alone = np.eye(3, dtype=bool)
    assert linked_groups(alone, 2).tolist() == [-1, -1, -1]
    assert linked_groups(alone, 1).tolist() == [0, 1, 2]
