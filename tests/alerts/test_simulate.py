"""The detector measured on simulated series with known change points (fixed seeds).

False alarms: Poisson counts with no change, a full baseline window of history, alarms per
1,000 bins against the design's 1000 / ARL0 (the interval allows for the sampling error of
a few hundred alarms). Delays: the mean delay after a rise must agree with the zero-state
run length the Markov chain gives for the raised rate (an independent computation), and
the median cannot exceed it (run lengths are skewed to the right).
"""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from shapely.geometry import Point

from truceline.agreement import parse_agreement
from truceline.alerts import arl
from truceline.alerts import simulate as sim
from truceline.alerts.detector import CusumDesign
from truceline.services.demo import demo_dir

DESIGN = CusumDesign()


@pytest.mark.parametrize(("rate", "seed"), [(0.25, 1), (2.0, 2)])
def test_false_alarm_rate_matches_the_design(rate: float, seed: int) -> None:
    fa = sim.false_alarms(DESIGN, rate, np.random.default_rng(seed), replicates=200, bins=2000)
    assert fa.alarms > 300  # enough alarms for the tolerance below to mean something
    assert fa.design_per_1000 * 0.8 <= fa.per_1000 <= fa.design_per_1000 * 1.2


def test_a_known_baseline_would_not_need_the_estimation_allowance() -> None:
    """Thresholds computed as if the rate were known give more false alarms than designed,
    which is why the detector allows for the estimate (arl.false_alarm_rate)."""
    rate = 0.5
    naive = arl.solve_threshold(rate, DESIGN.rho, DESIGN.arl0_bins, None, DESIGN.rate_floor)
    assert naive < DESIGN.threshold(rate, DESIGN.window_bins)


@pytest.mark.parametrize(("rate", "ratio"), [(0.5, 2.0), (0.5, 4.0), (2.0, 2.0)])
def test_detection_delay_agrees_with_the_chain(rate: float, ratio: float) -> None:
    d = sim.delays(DESIGN, rate, ratio, np.random.default_rng(3), replicates=300)
    assert d.detected >= 0.99
    expected = arl.arl(DESIGN.threshold(rate, DESIGN.window_bins), rate * ratio, rate, DESIGN.rho)
    assert np.mean(d.delays) == pytest.approx(expected, rel=0.15)
    assert d.median <= expected


def test_a_bigger_rise_is_caught_sooner() -> None:
    rng = np.random.default_rng(4)
    two, four = (sim.delays(DESIGN, 0.5, r, rng, replicates=200) for r in (2.0, 4.0))
    assert four.median < two.median / 2


def test_slow_drift_inflates_false_alarms_only_moderately() -> None:
    """+20 % over 30 days: the rolling window follows it; a fixed baseline would not."""
    growth = np.log(1.2) / 720
    fa = sim.false_alarms(
        DESIGN, 0.5, np.random.default_rng(6), replicates=200, bins=2000, growth_per_bin=growth
    )
    assert fa.per_1000 < 2.0 * fa.design_per_1000


def test_simulated_findings_follow_the_scenario() -> None:
    doc = orjson.loads((demo_dir() / "agreement.geojson").read_bytes())
    agreement = parse_agreement(doc, source="demo")
    scenario = sim.Scenario(
        sector="Luhansk",
        start=agreement.effective_from,
        quiet_hours=48,
        rise_hours=24,
        rate_per_hour=1.0,
        rise=5.0,
    )
    found = sim.simulated_findings(agreement, scenario, np.random.default_rng(8))
    before = [f for f in found if f.time < scenario.change]
    after = [f for f in found if f.time >= scenario.change]
    assert len(after) / 24 > 2.5 * len(before) / 48
    sector = next(f for f in agreement.features_with_role("sector") if f.label == "Luhansk")
    assert all(sector.geometry.covers(Point(f.location[1], f.location[0])) for f in found)
    assert len({f.id for f in found}) == len(found)
    with pytest.raises(ValueError):
        sim.simulated_findings(
            agreement, sim.Scenario("Nowhere", scenario.start), np.random.default_rng(1)
        )
