"""Salvo labels (which salvo each event belongs to) on hand-made pairing blocks."""

from __future__ import annotations

import numpy as np

from truceline.fusion.salvos import salvo_labels

# Rows 0–4: a salvo's launches (group 0), 0.5 s apart; rows 5–9: its impacts, one area
# (area 0); row 10: a single shot's launch; row 11: its impact, outside the area.
IDS = [f"ev-{i:02d}" for i in range(12)]
ORIGIN = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 60.0, 60.5, 61.0, 61.5, 62.0, 5.0, 50.0])
GROUP = np.array([0] * 5 + [-1] * 7)
AREA = np.array([-1] * 5 + [0] * 5 + [-1, -1])
NONE: list[str | None] = [None] * 12


def test_a_salvo_its_pairs_and_the_unpaired_impacts_of_its_area_take_its_first_launch() -> None:
    """Launches 1–3 paired one round late (as an ambiguous salvo may be); launch 0 and
    impact 5 left unpaired; the single shot paired apart."""
    pairs = [(1, 7), (2, 8), (3, 9), (10, 11)]
    out = salvo_labels(IDS, ORIGIN, GROUP, AREA, pairs, {0}, NONE)
    # The first *paired* launch names the salvo, not row 0: its id must be a launch's.
    assert out[:10] == ["ev-01"] * 10
    assert out[10:] == [None, None]


def test_a_label_from_an_earlier_block_is_kept() -> None:
    prior = list(NONE)
    prior[3] = "ev-earlier"
    out = salvo_labels(IDS, ORIGIN, GROUP, AREA, [(1, 6), (3, 8)], {0}, prior)
    assert out[0] == out[1] == out[6] == out[8] == "ev-earlier"


def test_a_group_this_block_does_not_commit_or_with_no_pair_is_not_labelled() -> None:
    assert salvo_labels(IDS, ORIGIN, GROUP, AREA, [(1, 6)], set(), NONE)[:10] == [None] * 10
    assert salvo_labels(IDS, ORIGIN, GROUP, AREA, [], {0}, NONE) == NONE


def test_an_area_without_a_majority_for_one_salvo_labels_none_of_its_unpaired() -> None:
    """Area 0's two paired impacts: one the salvo's, one the single shot's. Half is no
    majority, so the unpaired impacts stay without a label."""
    out = salvo_labels(IDS, ORIGIN, GROUP, AREA, [(1, 6), (10, 7)], {0}, NONE)
    assert out[6] == "ev-01" and out[7] is None
    assert out[5] is None and out[8] is None and out[9] is None


def test_an_impact_paired_later_takes_its_launchs_label_even_if_that_is_none() -> None:
    """Impact 5 was labelled by its area in an earlier block; paired now with the single
    shot's launch, it is that shot's impact and no salvo's."""
    prior = list(NONE)
    prior[5] = "ev-01"
    out = salvo_labels(IDS, ORIGIN, np.full(12, -1), np.full(12, -1), [(10, 5)], set(), prior)
    assert out[5] is None
