"""Tests of the evaluator on hand-made events with known scores, and of the CLI."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest
import typer
from pyproj import Geod
from typer.testing import CliRunner

from truceline.cli.simulate_cmd import register, write_scenario
from truceline.errors import InputError
from truceline.fusion.evaluate import EventRecord, evaluate, match_events, parse_events
from truceline.fusion.simulate import Scenario, SimulationConfig, simulate
from truceline.fusion.truth import Truth, read_truth
from truceline.timefmt import format_time

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return simulate(SimulationConfig.from_preset("moderate", seed=5, hours=0.15))


def perfect(sc: Scenario | Truth) -> list[EventRecord]:
    """One event per heard blast, exactly at the truth, correctly paired and labelled."""
    truth = sc if isinstance(sc, Truth) else sc.truth
    heard = {b.id for b in truth.blasts if b.detections}
    return [
        EventRecord(
            id=f"ev-{b.id}",
            time=b.time,
            lat=b.lat,
            lon=b.lon,
            phase=b.phase,
            side=b.side,
            paired_with=f"ev-{b.pair}" if b.pair in heard else None,
            detections=b.detections,
        )
        for b in truth.blasts
        if b.id in heard
    ]


def test_perfect_events_score_perfectly(scenario: Scenario) -> None:
    r = evaluate(scenario.truth, perfect(scenario), scenario.sensors, scenario.weather)
    assert r.eligible_blasts > 50
    assert r.recall == r.precision == 1.0
    assert r.median_error_m == r.p90_error_m == r.median_error_to_crb == 0.0
    assert r.pairing_accuracy == r.side_accuracy == r.side_accuracy_far == r.phase_accuracy == 1.0
    assert r.attribution_accuracy == r.attribution_precision == 1.0
    # Every impact whose launch was heard names it; those whose launch was not name none.
    heard = {b.id for b in scenario.truth.blasts if b.detections}
    impacts = [b for b in scenario.truth.blasts
               if b.phase == "impact" and b.pair and b.id in heard]  # fmt: skip
    share = sum(b.pair in heard for b in impacts) / len(impacts)
    assert r.attribution_coverage == pytest.approx(share)
    assert r.responsible_side_accuracy == 1.0
    assert r.detections_in_several_events == r.false_alarms_absorbed == 0
    assert r.purity == r.pure_recall == r.majority_recall == 1.0
    assert 0.05 < r.median_crb_rms_m < 20.0


def test_mixtures_and_fragments_count_for_recall_but_not_for_purity(
    scenario: Scenario,
) -> None:
    """Two fragments (3 of their blast's 7+ detections, nothing else: pure, not a
    majority) and one mixture (all of its blast's detections and more of another's: a
    majority, not pure) are all matched, so recall and precision stay 1."""
    events = perfect(scenario)
    big = sorted((len(e.detections), i) for i, e in enumerate(events) if len(e.detections) >= 7)
    (_, f1), (_, f2), (n_mix, mix), (n_other, other) = big[0], big[1], big[2], big[-1]
    assert n_other > n_mix
    for i in (f1, f2):
        events[i] = replace(events[i], detections=events[i].detections[:3])
    events[mix] = replace(events[mix], detections=(*events[mix].detections,
                                                   *events[other].detections))  # fmt: skip
    r = evaluate(scenario.truth, events, scenario.sensors)
    assert r.recall == r.precision == 1.0
    assert r.purity == pytest.approx(1.0 - 1.0 / r.matched_eligible)
    assert r.pure_recall == pytest.approx(1.0 - 1.0 / r.eligible_blasts)
    assert r.majority_recall == pytest.approx(1.0 - 2.0 / r.eligible_blasts)


def test_shifted_events_give_the_known_error(scenario: Scenario) -> None:
    events = []
    for e in perfect(scenario):
        lon, lat, _ = GEOD.fwd(e.lon, e.lat, 45.0, 120.0)
        events.append(replace(e, lon=float(lon), lat=float(lat)))
    r = evaluate(scenario.truth, events, scenario.sensors, scenario.weather)
    assert r.median_error_m == pytest.approx(120.0, abs=1e-3)
    assert r.p90_error_m == pytest.approx(120.0, abs=1e-3)
    assert r.median_error_to_crb == pytest.approx(120.0 / r.median_crb_rms_m, rel=0.5)
    far = [replace(e, lon=e.lon + 0.2) for e in perfect(scenario)]  # ~15 km: no match
    assert evaluate(scenario.truth, far, scenario.sensors).recall == 0.0


def test_wrong_pairings_are_counted_wrong(scenario: Scenario) -> None:
    events = perfect(scenario)
    singles = {f"ev-{b.id}" for b in scenario.truth.blasts if b.salvo is None}
    launches = [e for e in events if e.phase == "launch" and e.paired_with and e.id in singles][:2]
    a, b = launches
    swapped = {a.id: b.paired_with, b.id: a.paired_with,
               a.paired_with: b.id, b.paired_with: a.id}  # fmt: skip
    events = [replace(e, paired_with=swapped.get(e.id, e.paired_with)) for e in events]
    r = evaluate(scenario.truth, events, scenario.sensors)
    assert r.true_pairs_found >= 10
    assert r.pairing_accuracy == pytest.approx(1.0 - 2.0 / r.true_pairs_found)
    # Single shots' impacts: a wrong pair names the wrong launcher too.
    assert r.attribution_accuracy == r.pairing_accuracy


def test_shared_detections_false_alarms_and_false_events(scenario: Scenario) -> None:
    events = perfect(scenario)
    fa = sorted(scenario.truth.false_alarm_ids())
    stolen = events[1].detections[0]
    events[0] = replace(events[0], detections=(*events[0].detections, stolen, fa[0]))
    ghost = EventRecord("ghost", events[0].time, 48.0, 37.8, "impact", "A", None, tuple(fa[1:4]))
    r = evaluate(scenario.truth, [*events, ghost], scenario.sensors)
    assert r.detections_in_several_events == 1
    assert r.false_alarms_absorbed == 4
    assert r.false_events == 1
    assert r.precision == pytest.approx(r.matched_eligible / (r.matched_eligible + 1))


def test_matching_is_one_to_one_and_prefers_shared_detections(scenario: Scenario) -> None:
    events = perfect(scenario)
    dup = replace(events[0], id="dup", detections=events[0].detections[:1])
    matches = match_events(scenario.truth, [*events, dup])
    assert len(matches) == len(events)
    assert {m.event for m in matches} == {e.id for e in events}
    assert len({m.blast for m in matches}) == len(matches)


def test_side_and_phase_errors(scenario: Scenario) -> None:
    events = [replace(e, side="B" if e.side == "A" else "A") if i % 4 == 0 else e
              for i, e in enumerate(perfect(scenario))]  # fmt: skip
    events = [replace(e, phase="unknown") if i % 5 == 0 else e for i, e in enumerate(events)]
    r = evaluate(scenario.truth, events, scenario.sensors)
    assert 0.6 < r.side_accuracy < 0.9 and 0.7 < r.phase_accuracy < 0.9


def test_a_launcher_named_across_the_line_names_the_wrong_responsible_side(
    scenario: Scenario,
) -> None:
    events = perfect(scenario)
    blasts = {f"ev-{b.id}": b for b in scenario.truth.blasts}
    impact = next(e for e in events if e.phase == "impact" and e.paired_with
                  and blasts[e.paired_with].side is not None)  # fmt: skip
    own_side = blasts[str(impact.paired_with)].side
    other = next(e for e in events if e.phase == "launch" and e.side not in (own_side, None))
    events = [replace(e, paired_with=other.id) if e.id == impact.id else e for e in events]
    # and one more impact whose launch event is gone names no launcher at all
    lost = next(e for e in events if e.phase == "impact" and e.paired_with
                and e.id != impact.id and e.paired_with != other.id)  # fmt: skip
    events = [e for e in events if e.id != lost.paired_with]
    r = evaluate(scenario.truth, events, scenario.sensors)
    found = sum(1 for b in scenario.truth.blasts if b.phase == "impact" and b.pair
                and f"ev-{b.id}" in {e.id for e in events})  # fmt: skip
    assert r.attribution_coverage == pytest.approx((found - 1) / found)
    assert r.responsible_side_accuracy == pytest.approx(1.0 - 1.0 / (found - 1))


def test_parse_events_names_the_feature_and_field() -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.8, 48.0]},
         "properties": {"id": "e1", "time": "yesterday", "detections": []}}]}  # fmt: skip
    with pytest.raises(InputError) as err:
        parse_events(doc, source="events.geojson")
    assert "events.geojson, feature 0, field 'properties.time'" in str(err.value)
    doc["features"][0]["properties"].update(time="2026-03-01T04:00:00Z", salvo=7)  # type: ignore[index]
    with pytest.raises(InputError) as err:
        parse_events(doc, source="events.geojson")
    assert "feature 0, field 'properties.salvo'" in str(err.value)
    doc["features"][0]["properties"].update(salvo=None, pair_margin="sure")  # type: ignore[index]
    with pytest.raises(InputError) as err:
        parse_events(doc, source="events.geojson")
    assert "feature 0, field 'properties.pair_margin'" in str(err.value)


def _feature(e: EventRecord) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
        "properties": {"id": e.id, "time": format_time(e.time), "phase": e.phase,
                       "side": e.side, "paired_with": e.paired_with, "salvo": e.salvo,
                       "pair_margin": e.pair_margin, "detections": list(e.detections),
                       "n_sensors": 0},
    }  # fmt: skip


def evaluate_cli(scenario: Scenario, folder: Path, events: list[EventRecord]) -> tuple[Any, str]:
    """``truceline evaluate`` of ``events`` against ``scenario`` written into ``folder``:
    its JSON report, parsed, and its tables."""
    write_scenario(scenario, folder)
    doc = {"type": "FeatureCollection", "features": [_feature(e) for e in events]}
    (folder / "events.geojson").write_bytes(orjson.dumps(doc))
    app = typer.Typer()
    register(app)
    args = ["evaluate", "--truth", str(folder / "truth.ndjson"), "--events",
            str(folder / "events.geojson"), "--sensors", str(folder / "sensors.csv")]  # fmt: skip
    as_json, as_text = CliRunner().invoke(app, [*args, "--json"]), CliRunner().invoke(app, args)
    assert as_json.exit_code == 0 and as_text.exit_code == 0, as_json.output + as_text.output
    return orjson.loads(as_json.stdout), as_text.stdout


def test_cli_simulate_then_evaluate(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "sc"
    res = runner.invoke(app, ["simulate", "--preset", "hard", "--seed", "3", "--hours", "0.05",
                              "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    truth = read_truth(out / "truth.ndjson")
    doc = {"type": "FeatureCollection", "features": [_feature(e) for e in perfect(truth)]}
    (tmp_path / "events.geojson").write_bytes(orjson.dumps(doc))
    args = ["evaluate", "--truth", str(out / "truth.ndjson"), "--events",
            str(tmp_path / "events.geojson"), "--sensors", str(out / "sensors.csv"),
            "--weather", str(out / "weather.ndjson")]  # fmt: skip
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    report = orjson.loads(res.stdout)
    assert report["recall"] == 1.0 and report["median_error_m"] == 0.0
    assert math.isfinite(report["median_crb_rms_m"])
    (tmp_path / "bad.geojson").write_text("{")
    bad = runner.invoke(app, [*args[:3], str(tmp_path / "bad.geojson"), *args[4:]])
    assert bad.exit_code != 0
