"""Tests of the evaluator's per-salvo pairing on hand-made events with known answers."""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from truceline.fusion.evaluate import EventRecord, evaluate
from truceline.fusion.salvo_scores import salvo_scores
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate
from truceline.fusion.truth import TrueBlast

from .test_evaluate import evaluate_cli, perfect


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    sc = simulate(SimulationConfig.from_preset("moderate", seed=5, hours=0.1,
                                               salvos_per_hour=20.0))  # fmt: skip
    assert {b.salvo for b in sc.truth.blasts} - {None} == {"v-0001"}
    return sc


def _rounds(sc: Scenario) -> list[TrueBlast]:
    """The salvo's launches in launch order."""
    return sorted((b for b in sc.truth.blasts if b.salvo and b.phase == "launch"),
                  key=lambda b: b.time)  # fmt: skip


def _pair(events: list[EventRecord], pairs: dict[str, str | None]) -> list[EventRecord]:
    """``events`` with the blasts' events in ``pairs`` paired as given (both ways)."""
    link = {f"ev-{a}": (f"ev-{b}" if b else None) for a, b in pairs.items()}
    link.update({v: k for k, v in link.items() if v is not None})
    return [replace(e, paired_with=link[e.id]) if e.id in link else e for e in events]


def test_perfect_events_pair_every_round_right(scenario: Scenario) -> None:
    (s,) = salvo_scores(scenario.truth, perfect(scenario))
    n = len(_rounds(scenario))
    assert (s.salvo, s.rounds, s.launches, s.impacts, s.both, s.right) == ("v-0001", n, n, n, n, n)
    assert (s.shifted, s.shift, s.at_shift, s.other, s.unpaired) == (0, None, 0, 0, 0)


def test_a_salvo_paired_a_round_late_reads_as_one_shift(scenario: Scenario) -> None:
    """Launch i with impact i + 1: every round but the last shifted by +1, the last launch
    left unpaired; the evaluator's pairing accuracy counts each of them wrong."""
    rounds = _rounds(scenario)
    pairs: dict[str, str | None] = {a.id: b.pair for a, b in pairwise(rounds)}
    pairs[rounds[-1].id] = None
    pairs[str(rounds[0].pair)] = None
    events = _pair(perfect(scenario), pairs)
    (s,) = salvo_scores(scenario.truth, events)
    n = len(rounds)
    assert (s.both, s.right, s.shifted, s.shift, s.at_shift) == (n, 0, n - 1, 1, n - 1)
    assert (s.other, s.unpaired) == (0, 1)
    report = evaluate(scenario.truth, events, scenario.sensors)
    singles = report.true_pairs_found - n
    assert report.pairing_accuracy == pytest.approx(singles / report.true_pairs_found)
    # Every impact paired names a launch of its salvo: the launcher is right. The first
    # round's impact, unpaired and without a salvo label, names none.
    assert s.attributed == n - 1
    assert report.attribution_accuracy == pytest.approx((singles + n - 1) / report.true_pairs_found)
    assert report.attribution_precision == 1.0
    first = f"ev-{rounds[0].id}"
    labelled = [replace(e, salvo=first) if e.id == f"ev-{rounds[0].pair}" else e for e in events]
    (s,) = salvo_scores(scenario.truth, labelled)
    assert s.attributed == n and s.right == 0
    assert evaluate(scenario.truth, labelled, scenario.sensors).attribution_accuracy == 1.0


def test_a_salvo_label_or_a_pair_naming_another_launcher_is_not_attributed(
    scenario: Scenario,
) -> None:
    rounds = _rounds(scenario)
    single = next(
        b for b in scenario.truth.blasts
        if b.salvo is None and b.phase == "launch" and b.pair and b.detections
    )  # fmt: skip
    events = _pair(perfect(scenario), {rounds[0].id: None, str(rounds[0].pair): None,
                                       rounds[1].id: None, single.id: rounds[1].pair})  # fmt: skip
    wrong = f"ev-{single.id}"
    events = [replace(e, salvo=wrong) if e.id == f"ev-{rounds[0].pair}" else e for e in events]
    (s,) = salvo_scores(scenario.truth, events)
    # Round 0's impact names the single shot's launch by its label, round 1's by its pair.
    assert s.attributed == len(rounds) - 2
    report = evaluate(scenario.truth, events, scenario.sensors)
    assert report.attribution_accuracy < 1.0 and report.attribution_precision < 1.0


def test_rounds_not_found_other_fire_and_scattered_shifts(scenario: Scenario) -> None:
    rounds = _rounds(scenario)
    single = next(b for b in scenario.truth.blasts
                  if b.salvo is None and b.phase == "impact" and b.detections)  # fmt: skip
    gone = {f"ev-{rounds[0].pair}", f"ev-{rounds[1].id}"}  # one impact, one launch unheard
    events = [e for e in perfect(scenario) if e.id not in gone]
    pairs: dict[str, str | None] = {
        rounds[2].id: single.id,  # with other fire
        rounds[3].id: rounds[5].pair,  # two rounds late
        rounds[5].id: rounds[3].pair,  # two rounds early
        rounds[6].id: rounds[7].pair,  # one round late
        rounds[7].id: None,
    }
    pairs[str(rounds[6].pair)] = None
    (s,) = salvo_scores(scenario.truth, _pair(events, pairs))
    n = len(rounds)
    assert (s.launches, s.impacts, s.both) == (n - 1, n - 1, n - 2)
    assert (s.right, s.other, s.unpaired, s.shifted) == (n - 7, 1, 1, 3)
    assert s.shift in (2, -2, 1) and s.at_shift == 1


def test_cli_evaluate_gives_each_salvos_pairing(scenario: Scenario, tmp_path: Path) -> None:
    report, text = evaluate_cli(scenario, tmp_path, perfect(scenario))
    (s,) = report["salvos"]
    n = len(_rounds(scenario))
    assert (s["salvo"], s["rounds"], s["both"], s["right"], s["shift"]) == ("v-0001", n, n, n, None)
    assert "pairing by salvo" in text
    assert re.search(rf"v-0001\s+{n}\s+{n}\s+{n}\s+{n}\s+{n}\s+0\s+0\s+0\s+{n}", text)
