"""Pairing accuracy by margin on hand-made events with known answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from truceline.fusion.margin_scores import EDGES, margin_scores
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate

from .test_evaluate import evaluate_cli, perfect


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return simulate(SimulationConfig.from_preset("moderate", seed=5, hours=0.15))


def test_sure_pairs_right_and_unsure_ones_wrong_land_in_their_bins(scenario: Scenario) -> None:
    """Every pair right with a margin of 6 nats, except two launches swapped between two
    single shots' impacts, given a margin of 0.2: the low bin holds them, all wrong."""
    events = perfect(scenario)
    singles = {f"ev-{b.id}" for b in scenario.truth.blasts if b.salvo is None}
    a, b = [e for e in events if e.phase == "launch" and e.paired_with and e.id in singles][:2]
    swapped = {a.id: b.paired_with, b.id: a.paired_with}
    events = [
        replace(e, paired_with=swapped.get(e.id, e.paired_with),
                pair_margin=(0.2 if e.id in swapped else 6.0) if e.paired_with else None)
        for e in events
    ]  # fmt: skip
    bins = margin_scores(scenario.truth, events)
    assert [x.low for x in bins] == list(EDGES) and bins[-1].high is None
    low, high = bins[0], bins[-1]
    assert (low.pairs, low.right, low.launcher_right) == (2, 0, 0)
    assert high.pairs > 10 and high.right == high.launcher_right == high.pairs
    assert sum(x.pairs for x in bins[1:-1]) == 0


def test_cli_evaluate_gives_pairing_by_margin(scenario: Scenario, tmp_path: Path) -> None:
    events = [replace(e, pair_margin=4.0 if e.paired_with else None) for e in perfect(scenario)]
    report, text = evaluate_cli(scenario, tmp_path, events)
    (sure,) = [b for b in report["pairing_by_margin"] if b["pairs"]]
    assert (sure["low"], sure["high"]) == (3.0, 5.0) and sure["right"] == sure["pairs"]
    assert "pairing by margin" in text
