"""Association in a dense salvo: chance alignments of neighbouring rounds."""

import numpy as np
import pytest
from fusion_synth import T0, Blast, enu_to_latlon, grid_network, picks

from truceline.formats.records import Weather
from truceline.fusion import associate
from truceline.fusion.engine import FusionEngine

WEATHER = [Weather(time=T0, temperature_c=3.0, wind_u_ms=5.0, wind_v_ms=-2.0)]


def _mixed_events(seed: int) -> int:
    """Events holding picks of more than one round of a 30-round, 0.5 s salvo."""
    rng = np.random.default_rng(seed)
    sensors = grid_network()
    lat, lon = enu_to_latlon(-1_000.0, 2_000.0)
    rounds = [Blast(f"R{i:02d}", lat, lon, 5.0 + 0.5 * i + rng.uniform(0.0, 0.1), "launch", "mlrs")
              for i in range(30)]  # fmt: skip
    # Each sensor picks 40 % of the rounds: rounds heard by 4-8 sensors, as at range.
    dets = [d for d in picks(sensors, rounds, rng, weather=WEATHER[0]) if rng.random() < 0.4]
    engine = FusionEngine(sensors, WEATHER)
    engine.add(dets)
    events = engine.finish()
    used = [d for e in events for d in e.detections]
    assert len(used) == len(set(used))
    return sum(len({d.split("-")[0] for d in e.detections}) > 1 for e in events)


@pytest.mark.parametrize("seed", [0, 1])
def test_ghost_tests_cut_mixed_salvo_events(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Explaining away plus the pick-gate window of the near-miss test."""
    both = _mixed_events(seed)
    monkeypatch.setattr(associate, "EXPLAIN_ROUNDS", 0)
    monkeypatch.setattr(associate, "NEAR_FLOOR_S", associate.NEAR_WINDOW_S)
    neither = _mixed_events(seed)
    assert both <= 0.7 * neither


@pytest.mark.parametrize("seed", [0, 1])
def test_near_miss_window_is_the_pick_gate(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A near sensor with picks of other rounds around, none where the event predicts one,
    missed the event: a one-second window let such ghosts pass."""
    strict = _mixed_events(seed)
    monkeypatch.setattr(associate, "NEAR_FLOOR_S", associate.NEAR_WINDOW_S)
    loose = _mixed_events(seed)
    assert strict < loose
