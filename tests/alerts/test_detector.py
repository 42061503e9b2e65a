"""The escalation detector on hand-made and simulated series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from truceline.alerts.detector import CusumDesign, baselines, detect, window_lengths

DESIGN = CusumDesign()


def _series(rng: np.random.Generator, rate: float, change: int, ratio: float, n: int) -> np.ndarray:
    rates = np.full(n, rate)
    rates[change:] *= ratio
    return rng.poisson(rates)


def test_no_monitoring_before_the_minimum_history() -> None:
    x = np.zeros(400, dtype=int)
    x[10] = 50  # a burst with no baseline yet: nothing to compare it with
    chart = detect(x, DESIGN)
    first = DESIGN.guard_bins + DESIGN.min_window_bins
    assert np.isnan(chart.baseline[:first]).all() and np.isfinite(chart.baseline[first:]).all()
    assert chart.alarms == []


def test_baseline_is_the_lagged_window_mean_with_a_floor() -> None:
    x = np.arange(300) % 3
    rate = baselines(x[None, :], DESIGN)[0]
    t = 250
    window = x[t - DESIGN.guard_bins - DESIGN.window_bins : t - DESIGN.guard_bins]
    assert rate[t] == pytest.approx(window.mean())
    quiet = baselines(np.zeros((1, 300), dtype=int), DESIGN)[0]
    assert quiet[-1] == DESIGN.rate_floor
    assert window_lengths(300, DESIGN)[-1] == DESIGN.window_bins


def test_a_fourfold_rise_is_caught_and_its_start_estimated() -> None:
    rng = np.random.default_rng(5)
    change = 400
    x = _series(rng, 0.5, change, 4.0, 460)
    chart = detect(x, DESIGN)
    after = [a for a in chart.alarms if a.bin >= change]
    assert after, "a fourfold rise went unnoticed for 60 bins"
    first = after[0]
    assert first.bin - change < 24
    assert abs(first.start_bin - change) <= 6  # the CUSUM's change-point estimate
    assert first.observed == x[first.start_bin : first.bin + 1].sum()
    assert first.ratio > 2.0
    assert first.statistic >= first.threshold


def test_crossing_count_is_the_event_that_crossed() -> None:
    rng = np.random.default_rng(9)
    x = _series(rng, 0.3, 300, 6.0, 340)
    for a in detect(x, DESIGN).alarms:
        jump, drift = DESIGN.jump, (DESIGN.rho - 1) * a.baseline
        before = a.statistic - x[a.bin] * jump + drift
        before = max(before, 0.0) if a.start_bin < a.bin else 0.0
        assert before + a.crossing_count * jump - drift >= a.threshold - 1e-9
        if a.crossing_count > 1:
            assert before + (a.crossing_count - 1) * jump - drift < a.threshold


def test_deterministic() -> None:
    x = _series(np.random.default_rng(2), 1.0, 350, 2.0, 500)
    assert detect(x, DESIGN).alarms == detect(x.copy(), DESIGN).alarms


def test_thresholds_follow_the_design() -> None:
    """A longer target run length needs a higher threshold; so does a shorter window."""
    rate = 0.5
    base = DESIGN.threshold(rate, DESIGN.window_bins)
    stricter = CusumDesign(arl0_bins=4 * DESIGN.arl0_bins).threshold(rate, DESIGN.window_bins)
    assert stricter > base
    assert DESIGN.threshold(rate, DESIGN.min_window_bins) > base
    assert math.isclose(DESIGN.false_alarms_per_1000, 1000 / DESIGN.arl0_bins)


@pytest.mark.parametrize(
    "kwargs",
    [{"rho": 1.0}, {"arl0_bins": 1.0}, {"min_window_bins": 500}, {"rate_floor": 0.0}],
)
def test_design_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CusumDesign(**kwargs)  # type: ignore[arg-type]
