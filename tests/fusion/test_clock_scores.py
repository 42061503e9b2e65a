"""The clock checks scored against the truth's clock faults, and ``evaluate --clocks``."""

from datetime import UTC, datetime
from pathlib import Path

import orjson
import typer
from typer.testing import CliRunner

from truceline.cli.simulate_cmd import register
from truceline.fusion.clock_scores import clock_scores
from truceline.fusion.truth import ClockFault, Truth

START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
TRUTH = Truth((), clock_faults=(ClockFault("A", START, 40.0), ClockFault("B", START, -900.0),
                                ClockFault("C", START, 6.0)))  # fmt: skip


def _check(sensor: str, status: str, offset_ms: float | None) -> dict[str, object]:
    return {"sensor": sensor, "status": status, "offset_ms": offset_ms}


def test_faults_found_missed_and_false_flags() -> None:
    score = clock_scores(TRUTH, [
        _check("A", "offset", 41.5),  # within 3 ms: found
        _check("B", "offset", -950.0),  # 50 ms off a 900 ms fault (over 5 %): not found
        _check("C", "few", 6.1),  # not flagged: not found
        _check("D", "offset", 12.0),  # flagged with a right clock
        _check("E", "ok", 0.2),
    ])  # fmt: skip
    assert (score.faults, score.found, score.false_flags) == (3, 1, 1)
    assert score.false_sensors == ["D"]
    assert [d.found for d in score.detail] == [True, False, False]
    assert clock_scores(TRUTH, [_check("B", "offset", -930.0)]).found == 1  # within 5 %
    assert clock_scores(TRUTH, []).detail[0].status == "missing"


def test_evaluate_scores_a_clocks_file_and_names_a_bad_records_field(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "sc"
    res = runner.invoke(app, ["simulate", "--seed", "3", "--hours", "0.05", "--clock-faults",
                              "2", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    faults = [orjson.loads(line) for line in (out / "truth.ndjson").read_bytes().splitlines()
              if b'"clock_fault"' in line]  # fmt: skip
    assert len(faults) == 2
    (tmp_path / "events.geojson").write_bytes(b'{"type":"FeatureCollection","features":[]}')
    clocks = tmp_path / "clocks.json"
    clocks.write_bytes(orjson.dumps({"sensors": [
        _check(faults[0]["sensor"], "offset", faults[0]["offset_ms"]),
        _check(faults[1]["sensor"], "ok", 0.1)]}))  # fmt: skip
    args = ["evaluate", "--truth", str(out / "truth.ndjson"), "--events",
            str(tmp_path / "events.geojson"), "--sensors", str(out / "sensors.csv"),
            "--clocks", str(clocks)]  # fmt: skip
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    report = orjson.loads(res.stdout)["clocks"]
    assert (report["faults"], report["found"], report["false_flags"]) == (2, 1, 0)
    text = runner.invoke(app, args)
    assert "clock faults: 1 of 2 found, 0 false flags" in text.stdout
    clocks.write_bytes(orjson.dumps({"sensors": [_check("A", "offset", 1.0),
                                                 {"sensor": "B", "status": 3}]}))  # fmt: skip
    bad = runner.invoke(app, args)
    assert bad.exit_code == 2
    assert "record 2" in bad.output and "status" in bad.output


def test_simulate_takes_the_clock_steps_sizes_and_refuses_bad_ones(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    out = tmp_path / "sc"
    res = runner.invoke(
        app,
        [
            "simulate",
            "--seed",
            "3",
            "--hours",
            "0.05",
            "--clock-faults",
            "3",
            "--clock-fault-ms",
            "2000",
            "30000",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    sizes = [abs(orjson.loads(line)["offset_ms"])
             for line in (out / "truth.ndjson").read_bytes().splitlines()
             if b'"clock_fault"' in line]  # fmt: skip
    assert len(sizes) == 3 and all(2000.0 <= x <= 30000.0 for x in sizes)
    bad = runner.invoke(
        app,
        [
            "simulate",
            "--hours",
            "0.05",
            "--clock-faults",
            "1",
            "--clock-fault-ms",
            "30",
            "0",
            "--out",
            str(out),
        ],
    )
    assert bad.exit_code == 2 and "--clock-fault-ms: expected 0 < LO <= HI" in bad.output
