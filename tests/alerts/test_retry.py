"""The retry schedule: exponential, capped, jittered within [d/2, d], then dead letters."""

from __future__ import annotations

import numpy as np

from truceline.alerts.retry import RetryPolicy


def test_nominal_delays_double_up_to_the_cap() -> None:
    p = RetryPolicy(base_s=30, factor=2, cap_s=600)
    assert [p.nominal_delay_s(n) for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_jitter_stays_within_half_and_full_delay_and_spreads() -> None:
    p = RetryPolicy()
    draws = np.random.default_rng(1).random(2000)
    delays = np.array([p.delay_s(3, u) for u in draws])
    d = p.nominal_delay_s(3)
    assert delays.min() >= d / 2 and delays.max() <= d
    assert delays.std() > d / 10  # receivers that failed together do not retry together


def test_exhausted_after_max_attempts() -> None:
    p = RetryPolicy(max_attempts=3)
    assert [p.exhausted(n) for n in (1, 2, 3, 4)] == [False, False, True, True]
