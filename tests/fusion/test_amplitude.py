"""Amplitude consistency: levels corrected for spherical spreading, against the scatter."""

import numpy as np
import pytest

from truceline.fusion import amplitude


def _snr(level_db: float, dist: np.ndarray, rng: np.random.Generator, sd: float) -> np.ndarray:
    """Picks of one source: its level less spherical spreading, plus site noise."""
    return level_db - 20.0 * np.log10(dist) + rng.normal(0.0, sd, len(dist))


def test_levels_undo_spherical_spreading() -> None:
    """Halving the distance adds 6 dB; the levels of one source's picks agree."""
    dist = np.array([500.0, 1_000.0, 4_000.0])
    got = amplitude.levels(np.array([100.0, 93.98, 81.94]), dist)
    assert got == pytest.approx(np.full(3, 100.0 + 20.0 * np.log10(500.0)), abs=0.01)
    assert np.isnan(amplitude.levels(np.array([np.nan]), np.array([1_000.0]))[0])


def test_scatter_is_the_pooled_variance_of_the_well_heard_events() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(12):
        dist = rng.uniform(300.0, 9_000.0, 9)
        rows.append(amplitude.levels(_snr(rng.uniform(60, 90), dist, rng, 3.0), dist))
    level = np.array(rows)
    assert amplitude.scatter(level) == pytest.approx(9.0, rel=0.25)
    # Rows with fewer levels than CAL_PICKS (NaN: picks without an SNR) do not count.
    level[:, amplitude.CAL_PICKS - 1 :] = np.nan
    assert amplitude.scatter(level) is None


def test_scatter_needs_enough_degrees_of_freedom() -> None:
    level = np.zeros((2, amplitude.CAL_PICKS))
    level[:, 0] = 3.0
    assert 2 * (amplitude.CAL_PICKS - 1) < amplitude.CAL_DOF
    assert amplitude.scatter(level) is None
    assert amplitude.scatter(np.zeros((0, 0))) is None


def test_one_sources_picks_pass_and_a_ghosts_do_not() -> None:
    """A ghost's fix lies kilometres from the sources of its picks: corrected for the
    fix's distances, their levels disagree by far more than the sites' scatter."""
    rng = np.random.default_rng(7)
    sensors = np.array([[0.0, 0.0], [3_000.0, 0.0], [0.0, 3_000.0], [3_000.0, 3_000.0],
                        [6_000.0, 1_500.0]])  # fmt: skip
    fix = np.array([1_500.0, 1_500.0])
    d_fix = np.linalg.norm(sensors - fix, axis=1)
    real = amplitude.levels(_snr(90.0, d_fix, rng, 3.0), d_fix)
    # The ghost's picks come from a salvo 6 km east of the fix, at the sensors nearest it.
    salvo = np.array([7_500.0, 1_500.0])
    d_true = np.linalg.norm(sensors - salvo, axis=1)
    ghost = amplitude.levels(_snr(90.0, d_true, rng, 3.0), d_fix)
    p = amplitude.consistency_p(np.array([real, ghost]), 9.0)
    assert p[0] > 0.05
    assert p[1] < 1e-3


def test_rows_with_too_few_levels_are_not_tested() -> None:
    level = np.array([[80.0, 40.0, np.nan, np.nan], [80.0, 40.0, 60.0, np.nan]])
    p = amplitude.consistency_p(level, 9.0)
    assert p[0] == 1.0
    assert p[1] < 1e-6
