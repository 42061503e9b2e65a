from datetime import timedelta

import numpy as np
from fusion_synth import T0, Blast, enu_to_latlon, grid_network, picks, run_chunked
from hypothesis import given, settings
from hypothesis import strategies as st

from truceline.formats.records import Weather
from truceline.fusion.config import FusionConfig
from truceline.fusion.engine import FusionEngine
from truceline.fusion.event import event_id, event_to_feature
from truceline.geo import ecef_to_enu, geodetic_to_ecef

WEATHER = [Weather(time=T0 - timedelta(hours=1), temperature_c=3.0, wind_u_ms=5.0, wind_v_ms=-2.0)]


def _scenario(seed: int = 1) -> tuple[list, list[Blast], list]:
    rng = np.random.default_rng(seed)
    sensors = grid_network()
    blasts = []
    for k in range(8):
        # launches in the west, their impacts in the east 32 s later
        lat, lon = enu_to_latlon(rng.uniform(-6_000, -3_000), rng.uniform(-5_000, 5_000))
        blasts.append(Blast(f"L{k}", lat, lon, 40.0 * k + 3.0, "launch", "artillery"))
        ilat, ilon = enu_to_latlon(rng.uniform(3_000, 6_000), rng.uniform(-5_000, 5_000))
        blasts.append(Blast(f"I{k}", ilat, ilon, 40.0 * k + 35.0, "impact", "artillery"))
    return sensors, blasts, picks(sensors, blasts, rng, weather=WEATHER[0])


def test_every_blast_is_found_and_located() -> None:
    sensors, blasts, dets = _scenario()
    eng = FusionEngine(sensors, WEATHER)
    eng.add(dets)
    events = eng.finish()
    assert len(events) == len(blasts)
    by_blast = {e.detections[0].split("-")[0]: e for e in events}
    h = float(np.median([s.alt_m for s in sensors]))
    for b in blasts:
        ev = by_blast[b.id]
        assert all(d.startswith(b.id + "-") for d in ev.detections)
        err = ecef_to_enu(geodetic_to_ecef(ev.lat, ev.lon, h), b.lat, b.lon, h)
        assert np.hypot(err[0], err[1]) < 3 * ev.semi_major_m + 1.0
        assert ev.id == event_id(ev.detections)
        assert ev.phase == b.phase
    assert sum(e.paired_with is not None for e in events) == len(events)
    ids = {e.id: e for e in events}
    for e in events:
        partner = ids[e.paired_with]
        assert partner.paired_with == e.id
        assert partner.detections[0][1:].split("-")[0] == e.detections[0][1:].split("-")[0]


def test_same_events_however_the_input_is_chunked() -> None:
    sensors, _, dets = _scenario(2)
    whole = run_chunked(sensors, dets, WEATHER, len(dets))
    for size in (3, 40):
        assert run_chunked(sensors, dets, WEATHER, size) == whole


def test_redelivered_batch_makes_no_duplicate() -> None:
    sensors, _, dets = _scenario(3)
    eng = FusionEngine(sensors, WEATHER)
    eng.add(dets[:60])
    eng.add(dets[:60])
    eng.add(dets)
    events = eng.finish()
    assert eng.duplicates == 120
    used = [d for e in events for d in e.detections]
    assert len(used) == len(set(used))


def test_memory_is_released_as_time_passes() -> None:
    sensors, _, dets = _scenario(4)
    eng = FusionEngine(sensors, WEATHER, config=FusionConfig(pair_block_s=30.0))
    eng.add(dets)
    eng.ready(dets[-1].time + timedelta(minutes=30))
    assert len(eng._buf) == 0 and not eng._cands


def test_feature_has_the_spec_properties() -> None:
    sensors, _, dets = _scenario(5)
    eng = FusionEngine(sensors, WEATHER, side_of=lambda la, lo: ["A"] * len(la))
    eng.add(dets)
    feat = event_to_feature(eng.finish()[0])
    props = feat["properties"]
    for key in ("id", "time", "phase", "weapon", "detections", "n_sensors", "error_ellipse",
                "side", "paired_with", "rms_residual_ms"):  # fmt: skip
        assert key in props
    assert props["side"] == "A"
    assert set(props["error_ellipse"]) == {"semi_major_m", "semi_minor_m", "azimuth_deg"}
    assert feat["geometry"]["type"] == "Point"


@settings(max_examples=15, deadline=None)
@given(
    e=st.floats(-6_000.0, 6_000.0),
    n=st.floats(-6_000.0, 6_000.0),
    seed=st.integers(0, 2**16),
)
def test_blast_inside_the_network_is_recovered_within_its_ellipse(
    e: float, n: float, seed: int
) -> None:
    sensors = grid_network()
    lat, lon = enu_to_latlon(e, n)
    rng = np.random.default_rng(seed)
    dets = picks(sensors, [Blast("B", lat, lon, 10.0)], rng, weather=WEATHER[0])
    eng = FusionEngine(sensors, WEATHER)
    eng.add(dets)
    (ev,) = eng.finish()
    h = float(np.median([s.alt_m for s in sensors]))
    err = ecef_to_enu(geodetic_to_ecef(ev.lat, ev.lon, h), lat, lon, h)[:2]
    cov = np.array(ev.covariance)[:2, :2]
    # Mahalanobis distance of the error under the reported covariance: 99.99 % bound.
    assert float(err @ np.linalg.solve(cov, err)) < 18.4
