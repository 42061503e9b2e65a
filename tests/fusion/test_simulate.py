"""Tests of the scenario simulator: determinism, statistics, physics and file validity."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from truceline.cli.simulate_cmd import sensors_csv, write_scenario
from truceline.errors import InputError
from truceline.formats.readers import Parsed, iter_csv_rows, iter_ndjson
from truceline.formats.records import Detection, Sensor, Weather
from truceline.fusion.propagation import travel_times
from truceline.fusion.simulate import WEAPONS, Front, Scenario, SimulationConfig, simulate
from truceline.fusion.truth import parse_truth, read_truth, truth_lines, write_truth
from truceline.geo import geodetic_to_ecef


def small(**overrides: object) -> SimulationConfig:
    base: dict[str, object] = {"seed": 7, "hours": 0.2}
    base.update(overrides)
    return SimulationConfig.from_preset("moderate", **base)


GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return simulate(SimulationConfig.from_preset("hard", seed=11, hours=0.25, outages=0))


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = write_scenario(simulate(small()), tmp_path / "a")
    b = write_scenario(simulate(small()), tmp_path / "b")
    c = write_scenario(simulate(small(seed=8)), tmp_path / "c")
    for name in a:
        assert a[name].read_bytes() == b[name].read_bytes(), name
    assert a["detections.ndjson"].read_bytes() != c["detections.ndjson"].read_bytes()


def test_presets_differ_as_the_issue_says() -> None:
    m, h = SimulationConfig.from_preset("moderate"), SimulationConfig.from_preset("hard")
    assert h.shots_per_hour == 2 * m.shots_per_hour
    assert (h.salvos_per_hour, h.outlier_fraction, h.false_alarms_per_sensor_hour) == (10, 0.03, 6)
    assert h.wind_ms == 7.0
    with pytest.raises(ValueError, match="preset"):
        SimulationConfig.from_preset("easy")


def test_false_alarm_rate(scenario: Scenario) -> None:
    cfg = scenario.config
    expected = cfg.false_alarms_per_sensor_hour * cfg.hours * len(scenario.sensors)
    got = len(scenario.truth.false_alarms)
    assert abs(got - expected) < 4.0 * math.sqrt(expected)


def test_outlier_rate(scenario: Scenario) -> None:
    picks = sum(len(b.detections) for b in scenario.truth.blasts)
    outliers = len(scenario.truth.outlier_ids())
    p = scenario.config.outlier_fraction
    assert abs(outliers - p * picks) < 4.0 * math.sqrt(p * (1 - p) * picks)


def test_arrivals_follow_the_spec_propagation(scenario: Scenario) -> None:
    """Residuals against the exact model: Gaussian at the sensor's sigma, or an outlier."""
    sensors = {s.id: s for s in scenario.sensors}
    det = {d.id: d for d in scenario.detections}
    outliers = scenario.truth.outlier_ids()
    normal, bad = [], []
    for b in scenario.truth.blasts[:300]:
        w = [x for x in scenario.weather if x.time <= b.time][-1]
        for did, sid in zip(b.detections, b.sensors, strict=True):
            s = sensors[sid]
            tt = travel_times(
                geodetic_to_ecef(b.lat, b.lon, b.alt_m), b.lat, b.lon,
                geodetic_to_ecef(s.lat, s.lon, s.alt_m),
                temperature_c=w.temperature_c, wind_u_ms=w.wind_u_ms, wind_v_ms=w.wind_v_ms,
            )[0]  # fmt: skip
            resid = (det[did].time - b.time).total_seconds() - tt
            (bad if did in outliers else normal).append(resid / (s.timing_sigma_ms / 1000))
    z = np.array(normal)
    assert len(z) > 500
    assert abs(z.mean()) < 0.15 and 0.9 < z.std() < 1.1
    assert all(abs(x) > 5 for x in bad)


def test_salvo_structure() -> None:
    sc = simulate(small(shots_per_hour=0.0, salvos_per_hour=15.0, hours=0.2))
    salvos: dict[str, list] = {}
    for b in sc.truth.blasts:
        assert b.salvo is not None
        salvos.setdefault(b.salvo, []).append(b)
    assert salvos
    for blasts in salvos.values():
        launches = [b for b in blasts if b.phase == "launch"]
        impacts = [b for b in blasts if b.phase == "impact"]
        assert len(launches) == len(impacts) == 40
        span = (max(b.time for b in launches) - min(b.time for b in launches)).total_seconds()
        assert 15.0 < span <= 20.5
        for group, radius in ((launches, 20.0), (impacts, 600.0)):
            e = geodetic_to_ecef([b.lat for b in group], [b.lon for b in group], 0.0)
            spread = np.linalg.norm(e - e.mean(axis=0), axis=1)
            assert np.percentile(spread, 90) < radius
        # One elevation, rounds differing in muzzle velocity: t ∝ sqrt(R), so the time of
        # flight scaled to a common range agrees to the per-round jitter (0.05 s) while
        # the raw times of flight spread with the 150 m range scatter.
        by_id = {b.id: b for b in blasts}
        tof, rng_m = [], []
        for b in launches:
            imp = by_id[b.pair]
            tof.append((imp.time - b.time).total_seconds())
            rng_m.append(GEOD.inv(b.lon, b.lat, imp.lon, imp.lat)[2])
        scaled = np.array(tof) * np.sqrt(np.mean(rng_m) / np.array(rng_m))
        assert np.std(scaled) < 0.1 < np.std(tof)


def test_shots_are_physically_plausible(scenario: Scenario) -> None:
    by_id = {b.id: b for b in scenario.truth.blasts}
    crossing = 0
    launches = [b for b in scenario.truth.blasts if b.phase == "launch"]
    for launch in launches:
        impact = by_id[launch.pair or ""]
        assert impact.pair == launch.id and impact.phase == "impact"
        spec = WEAPONS[launch.weapon]
        tof = (impact.time - launch.time).total_seconds()
        lo, hi = spec.tof_s
        assert lo - 2.0 <= tof <= hi + 2.0  # salvo rockets: scaled by sqrt(R_round / R_aim)
        rng_m = np.linalg.norm(
            geodetic_to_ecef(launch.lat, launch.lon, 0)
            - geodetic_to_ecef(impact.lat, impact.lon, 0)
        )
        assert spec.range_km[0] * 1000 - 1500 <= rng_m <= spec.range_km[1] * 1000 + 1500
        crossing += launch.side != impact.side
    assert 0.8 < crossing / len(launches) < 0.97


def _read_all(lines: object, model: type, **kw: object) -> list:
    out = (
        list(iter_ndjson(lines, model, **kw))
        if "required" not in kw
        else list(iter_csv_rows(lines, model, **kw))
    )
    assert all(isinstance(r, Parsed) for r in out), [r for r in out if not isinstance(r, Parsed)][
        :3
    ]
    return [r.record for r in out]


def test_files_are_valid_per_the_readers(tmp_path: Path) -> None:
    sc = simulate(small(hours=0.1))
    paths = write_scenario(sc, tmp_path)
    with paths["sensors.csv"].open(newline="") as fh:
        sensors = _read_all(fh, Sensor, source="s", required=("id", "kind", "lat", "lon"))
    with paths["detections.ndjson"].open("rb") as fh:
        dets = _read_all(fh, Detection, source="d")
    with paths["weather.ndjson"].open("rb") as fh:
        weather = _read_all(fh, Weather, source="w")
    assert sensors == list(sc.sensors)
    assert 80 <= len(sensors) <= 90 and {s.kind for s in sensors} == {"acoustic", "acoustic_array"}
    assert len({s.owner for s in sensors}) >= 4
    assert all(100 <= s.alt_m <= 305 and 1 <= s.timing_sigma_ms <= 3 for s in sensors)
    kinds = {s.id: s.kind for s in sensors}
    assert len({d.id for d in dets}) == len(dets)
    assert [d.time for d in dets] == sorted(d.time for d in dets)
    assert all((d.bearing_deg is not None) == (kinds[d.sensor] == "acoustic_array") for d in dets)
    assert weather[0].time <= sc.start and weather[-1].time >= sc.end
    assert read_truth(paths["truth.ndjson"]) == sc.truth
    ids = {d.id for d in dets}
    told = {d for b in sc.truth.blasts for d in b.detections} | sc.truth.false_alarm_ids()
    assert told == ids


def test_agreement_structure() -> None:
    sc = simulate(small(hours=0.1))
    doc = sc.agreement
    terms = doc["agreement"]
    codes = {s["code"] for s in terms["sides"]}
    assert codes == {"A", "B"} and terms["effective_from"] < "2026-03-01T04:00:00Z"
    roles = [f["properties"]["role"] for f in doc["features"]]
    assert roles.count("contact_line") == 1 and roles.count("sector") >= 1
    areas = {f["properties"]["side"]: shape(f["geometry"]) for f in doc["features"]
             if f["properties"]["role"] == "control_area"}  # fmt: skip
    assert set(areas) == codes and all(a.is_valid for a in areas.values())
    assert areas["A"].intersection(areas["B"]).area < 1e-9
    union = unary_union(list(areas.values()))
    for s in sc.sensors:
        assert union.covers(Point(s.lon, s.lat))
    for b in sc.truth.blasts:
        assert b.side is not None and areas[b.side].covers(Point(b.lon, b.lat))
    line = shape(doc["features"][0]["geometry"])
    assert 115_000 < Geod(ellps="WGS84").geometry_length(line) < 140_000
    west = min(sc.sensors, key=lambda s: s.lon)
    assert areas["A"].covers(Point(west.lon, west.lat))  # A lies west of a northward line
    orjson.dumps(doc)


def test_caller_front_and_sensors() -> None:
    line = ((37.0, 47.6), (37.05, 47.8), (37.0, 48.0))
    base = simulate(small(hours=0.05, n_sensors=20))
    sensors = base.sensors[:20]
    sc = simulate(small(hours=0.1), front=Front(line), sensors=sensors)
    assert sc.sensors == tuple(sensors)
    assert {d.sensor for d in sc.detections} <= {s.id for s in sensors}
    assert list(sc.agreement["features"][0]["geometry"]["coordinates"][0]) == [37.0, 47.6]
    assert {b.side for b in sc.truth.blasts} == {"A", "B"}


def test_outages_silence_sensors() -> None:
    sc = simulate(small(hours=0.5, outages=5, outage_hours=(0.3, 0.3)))
    assert len(sc.truth.outages) == 5
    for o in sc.truth.outages:
        assert o.end - o.start == timedelta(hours=0.3)
        assert not [d for d in sc.detections if d.sensor == o.sensor and o.start <= d.time <= o.end]


def test_clock_faults_shift_their_sensors_times_and_nothing_else(tmp_path: Path) -> None:
    sound = simulate(small(hours=0.3))
    faulty = simulate(small(hours=0.3, clock_faults=3, clock_fault_ms=(50.0, 50.0)))
    faults = {f.sensor: f for f in faulty.truth.clock_faults}
    assert len(faults) == 3 and {abs(f.offset_ms) for f in faults.values()} == {50.0}
    assert not faults.keys() & {o.sensor for o in faulty.truth.outages}
    # The same picks (ids follow time order, so a pick may be renumbered), each blast's
    # own where it was, but for the faulty sensors' from their fault's start.
    assert len(faulty.detections) == len(sound.detections)
    source, sound_source = faulty.truth.source_of(), sound.truth.source_of()
    before = {(sound_source[d.id], d.sensor): d.time for d in sound.detections
              if d.id in sound_source}  # fmt: skip
    moved = 0
    for d in faulty.detections:
        if d.id not in source:
            continue
        was = before[(source[d.id], d.sensor)]
        f = faults.get(d.sensor)
        if f is not None and was >= f.start:
            assert d.time - was == timedelta(milliseconds=f.offset_ms)
            moved += 1
        else:
            assert d.time == was
    assert moved > 20
    write_truth(faulty.truth, tmp_path / "t.ndjson")
    assert read_truth(tmp_path / "t.ndjson").clock_faults == faulty.truth.clock_faults


def test_drifting_clocks_shift_their_sensors_times_more_as_time_passes() -> None:
    sound = simulate(small(hours=0.3))
    faulty = simulate(small(hours=0.3, clock_drifts=2, clock_drift_ppm=(50.0, 50.0)))
    faults = {f.sensor: f for f in faulty.truth.clock_faults}
    assert {(f.offset_ms, abs(f.drift_ppm)) for f in faults.values()} == {(0.0, 50.0)}
    source, sound_source = faulty.truth.source_of(), sound.truth.source_of()
    before = {(sound_source[d.id], d.sensor): d.time for d in sound.detections
              if d.id in sound_source}  # fmt: skip
    late = []
    for d in faulty.detections:
        f = faults.get(d.sensor)
        if d.id in source and f is not None:
            was = before[(source[d.id], d.sensor)]
            shift = (d.time - was).total_seconds() * 1e3
            assert shift == pytest.approx(f.offset_at(was), abs=0.002)
            late.append(abs(shift))
    assert max(late) > 20.0  # 50 ppm for well over 400 s


def test_truth_round_trip_and_errors(tmp_path: Path) -> None:
    sc = simulate(small(hours=0.05))
    write_truth(sc.truth, tmp_path / "t.ndjson")
    assert read_truth(tmp_path / "t.ndjson") == sc.truth
    lines = list(truth_lines(sc.truth))
    bad = orjson.loads(lines[1])
    bad["phase"] = "bang"
    with pytest.raises(InputError) as err:
        parse_truth([lines[0], orjson.dumps(bad)], source="truth.ndjson")
    assert "truth.ndjson, line 2, field 'phase'" in str(err.value)


def test_sensors_csv_leaves_bearing_sigma_empty_for_single_microphones() -> None:
    sc = simulate(small(hours=0.05))
    rows = sensors_csv(sc.sensors).splitlines()
    single = next(r for r in rows if r.startswith("AC-"))
    assert single.split(",")[7] == ""
