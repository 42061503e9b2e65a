"""Tests of the causes given to missed blasts, on one simulated blast and picks made up
around it (their times from exact ECEF distances, independently of the fusion's model)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest
import typer
from pyproj import Geod
from typer.testing import CliRunner

from truceline.cli.simulate_cmd import register
from truceline.errors import InputError
from truceline.formats.records import Detection, Sensor
from truceline.fusion.evaluate import EventRecord
from truceline.fusion.misses import CAUSES, RIVAL_M, explain_misses
from truceline.fusion.propagation import sound_speed
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate
from truceline.fusion.truth import FalseAlarm, TrueBlast, Truth
from truceline.geo import geodetic_to_ecef

GEOD = Geod(ellps="WGS84")
SPEED = float(sound_speed(15.0))  # the weather in force with no weather file


@pytest.fixture(scope="module")
def scene() -> tuple[TrueBlast, list[Sensor], list[Detection]]:
    """A blast heard on time by five sensors or more, and its detections retimed for
    still air at 15 °C (the weather the tests give: none)."""
    sc: Scenario = simulate(SimulationConfig.from_preset("moderate", seed=5, hours=0.15))
    blast = next(b for b in sc.truth.blasts if len(b.hearing_sensors()) >= 5 and not b.outliers)
    sensors = {s.id: s for s in sc.sensors}
    dets = {d.id: d for d in sc.detections}
    mine = [dets[d].model_copy(update={"time": _arrival(blast, sensors[s], 0.0),
                                        "bearing_deg": None})
            for d, s in zip(blast.detections, blast.sensors, strict=True)]  # fmt: skip
    return blast, [sensors[s] for s in blast.hearing_sensors()], mine


def _arrival(b: TrueBlast, s: Sensor, off_m: float, dt: float = 0.0) -> datetime:
    """When a blast ``off_m`` east of ``b`` (``dt`` s after it) is heard at ``s``."""
    lon, lat, _ = GEOD.fwd(b.lon, b.lat, 90.0, off_m) if off_m else (b.lon, b.lat, 0.0)
    d = np.linalg.norm(
        geodetic_to_ecef(lat, lon, b.alt_m) - geodetic_to_ecef(s.lat, s.lon, s.alt_m)
    )
    return b.time + timedelta(seconds=dt + float(d) / SPEED)


def _far_event(detections: tuple[str, ...], b: TrueBlast) -> EventRecord:
    """An event holding ``detections``, 20 km north of ``b`` (too far to match it)."""
    lon, lat, _ = GEOD.fwd(b.lon, b.lat, 0.0, 20_000.0)
    return EventRecord(id="ev-far", time=b.time, lat=lat, lon=lon, phase="unknown", side=None,
                       paired_with=None, detections=detections)  # fmt: skip


def _causes(truth: Truth, events: list[EventRecord], sensors: list[Sensor],
            dets: list[Detection]) -> list[tuple[str, str]]:  # fmt: skip
    return [(m.blast, m.cause) for m in explain_misses(truth, events, sensors, dets)]


def test_a_clean_blast_no_event_holds_was_missed(scene) -> None:  # type: ignore[no-untyped-def]
    blast, sensors, dets = scene
    [miss] = explain_misses(Truth((blast,)), [], sensors, dets)
    assert (miss.cause, miss.rivals, miss.taken) == ("missed", 0, 0)
    assert miss.fit_p > 0.5  # its picks fit exactly
    found = EventRecord(id="ev-1", time=blast.time, lat=blast.lat, lon=blast.lon,
                        phase=blast.phase, side=None, paired_with=None,
                        detections=blast.detections)  # fmt: skip
    assert explain_misses(Truth((blast,)), [found], sensors, dets) == []


def test_a_chance_set_fitting_nearby_as_well_makes_it_ambiguous(scene) -> None:  # type: ignore[no-untyped-def]
    """False alarms at every hearing sensor, timed as from a source 303 m east (off the
    proposals' 10 m grid) half a second later: a set of picks no blast made that fits as
    well as the blast's own."""
    blast, sensors, dets = scene
    fake = [Detection(id=f"fa-{i}", sensor=s.id, time=_arrival(blast, s, 303.0, 0.5))
            for i, s in enumerate(sensors)]  # fmt: skip
    truth = Truth((blast,), tuple(FalseAlarm(d.id, d.sensor) for d in fake))
    [miss] = explain_misses(truth, [], sensors, dets + fake)
    assert (miss.cause, miss.rivals) == ("ambiguous", 1)
    # Beyond RIVAL_M the same set is no rival; nor is another blast's own set.
    far = [d.model_copy(update={"time": _arrival(blast, s, 2.5 * RIVAL_M, 0.5)})
           for d, s in zip(fake, sensors, strict=True)]  # fmt: skip
    assert _causes(truth, [], sensors, dets + far) == [(blast.id, "missed")]
    other = replace(blast, id="b-other", detections=tuple(d.id for d in fake),
                    sensors=tuple(d.sensor for d in fake))  # fmt: skip
    both = _causes(Truth((blast, other)), [], sensors, dets + fake)
    assert both == [(blast.id, "missed"), ("b-other", "missed")]


def test_mistimed_taken_and_misfit_blasts(scene) -> None:  # type: ignore[no-untyped-def]
    blast, sensors, dets = scene
    n = len(blast.hearing_sensors())
    late = replace(blast, outliers=blast.detections[: n - 3])  # three on time left
    assert _causes(Truth((late,)), [], sensors, dets) == [(blast.id, "mistimed")]
    taken = [_far_event(blast.detections[:1], blast)]
    [miss] = explain_misses(Truth((blast,)), taken, sensors, dets)
    assert (miss.cause, miss.taken) == ("taken", 1)
    off = [d.model_copy(update={"time": d.time + timedelta(seconds=0.08)}) if i == 0 else d
           for i, d in enumerate(dets)]  # fmt: skip
    [miss] = explain_misses(Truth((blast,)), [], sensors, off)
    assert miss.cause == "misfit" and miss.fit_p < 1e-4


def test_a_sensor_missing_from_the_registry_is_named(scene) -> None:  # type: ignore[no-untyped-def]
    blast, sensors, dets = scene
    gone = blast.sensors[0]
    with pytest.raises(InputError, match=f"no sensor '{gone}'"):
        explain_misses(Truth((blast,)), [], [s for s in sensors if s.id != gone], dets)


def _cli_scenario(tmp_path: Path, hours: str) -> tuple[typer.Typer, CliRunner, Path, list[str]]:
    """The CLI, a simulated scenario of ``hours`` in ``tmp_path / "sc"`` and the arguments
    that evaluate no events against it, with its detections."""
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "sc"
    res = runner.invoke(app, ["simulate", "--preset", "moderate", "--seed", "3", "--hours",
                              hours, "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    (tmp_path / "events.geojson").write_bytes(b'{"type":"FeatureCollection","features":[]}')
    args = ["evaluate", "--truth", str(out / "truth.ndjson"), "--events",
            str(tmp_path / "events.geojson"), "--sensors", str(out / "sensors.csv"),
            "--detections", str(out / "detections.ndjson")]  # fmt: skip
    return app, runner, out, args


def test_cli_says_why_each_blast_was_missed(tmp_path: Path) -> None:
    app, runner, _, args = _cli_scenario(tmp_path, "0.05")
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    report = orjson.loads(res.stdout)
    assert list(report["miss_causes"]) == list(CAUSES)
    assert sum(report["miss_causes"].values()) == len(report["misses"]) == report["eligible_blasts"]
    assert report["miss_causes"]["taken"] == 0  # no event holds a pick
    # Only blasts whose own picks were fitted have a fit probability (NaN is null).
    for m in report["misses"]:
        assert (m["fit_p"] is None) == (m["cause"] == "mistimed"), m
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "missed blasts:" in res.stdout
    (tmp_path / "bad.ndjson").write_text('{"id": "d-1", "sensor": "AA-0001"}\n')
    bad = runner.invoke(app, [*args[:-1], str(tmp_path / "bad.ndjson")])
    assert bad.exit_code == 2
    assert "bad.ndjson" in bad.output and "time" in bad.output


def test_cli_warns_that_without_weather_the_fits_take_still_air(tmp_path: Path) -> None:
    """Without ``--weather`` the bounds and the misses' fits take 15 °C and no wind, so
    a scenario's own weather would make its misses ``misfit``: the command says so, and
    names the ``weather.ndjson`` beside the truth; with it, nothing is said."""
    app, runner, out, args = _cli_scenario(tmp_path, "0.02")
    args = [*args, "--json"]
    bare = runner.invoke(app, args)
    assert bare.exit_code == 0, bare.output
    said = " ".join(bare.stderr.split())
    assert "no --weather" in said and "misses' fits" in said and "still air" in said
    assert f"--weather {out / 'weather.ndjson'}" in said
    orjson.loads(bare.stdout)  # the report itself is untouched
    given = runner.invoke(app, [*args, "--weather", str(out / "weather.ndjson")])
    assert given.exit_code == 0 and "warning" not in given.stderr
