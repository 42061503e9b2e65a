"""The Markov-chain ARL against simulation, and the threshold search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from truceline.alerts import arl


def _simulated_arl(h: float, rate: float, rho: float, rng: np.random.Generator) -> float:
    """Mean bins between alarms of the chart with a known baseline (restart after each)."""
    series, bins = 400, 4000
    x = rng.poisson(rate, size=(series, bins))
    jump, drift = math.log(rho), (rho - 1.0) * rate
    s = np.zeros(series)
    alarms = 0
    for t in range(bins):
        s = np.maximum(0.0, s + x[:, t] * jump - drift)
        hit = s >= h
        alarms += int(hit.sum())
        s[hit] = 0.0
    return series * bins / alarms


@pytest.mark.parametrize("rate", [0.2, 1.5])
def test_chain_agrees_with_simulation(rate: float) -> None:
    h = 3.0
    chain = arl.arl(h, rate, rate, 2.0)
    simulated = _simulated_arl(h, rate, 2.0, np.random.default_rng(11))
    assert chain == pytest.approx(simulated, rel=0.08)


def test_arl_grows_with_threshold_and_shrinks_with_a_rise() -> None:
    values = [arl.arl(h, 0.5, 0.5, 2.0) for h in (1.0, 2.0, 3.0, 4.0)]
    assert values == sorted(values) and values[0] < values[-1] / 10
    assert arl.arl(4.0, 1.0, 0.5, 2.0) < arl.arl(4.0, 0.5, 0.5, 2.0) / 10


def test_lorden_bound_holds() -> None:
    """For the log-likelihood-ratio CUSUM with a known rate, ARL0 >= exp(h) (Lorden 1971)."""
    for rate in (0.05, 0.5, 5.0):
        for h in (1.0, 2.5, 4.0):
            assert arl.arl(h, rate, rate, 2.0) >= math.exp(h) * 0.97


def test_solved_threshold_is_the_smallest_grid_point_meeting_the_target() -> None:
    target = 720.0
    h = arl.solve_threshold(0.5, 2.0, target, 168, 1 / 168)
    assert 1 / arl.false_alarm_rate(h, 0.5, 2.0, 168, 1 / 168) >= target
    below = h - arl.H_STEP
    assert 1 / arl.false_alarm_rate(below, 0.5, 2.0, 168, 1 / 168) < target


def test_estimated_baseline_needs_a_higher_threshold() -> None:
    known = arl.solve_threshold(0.5, 2.0, 720.0, None, 1 / 168)
    estimated = arl.solve_threshold(0.5, 2.0, 720.0, 72, 1 / 168)
    assert estimated > known


def test_m_matrix_solver_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    r = rng.random((30, 30))
    r = 0.9 * r / r.sum(axis=1, keepdims=True)
    a = np.eye(30) - r
    b = rng.random(30)
    assert np.allclose(arl.solve_m_matrix(a, b), np.linalg.solve(a, b))
