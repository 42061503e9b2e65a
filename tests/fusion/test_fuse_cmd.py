import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest
import typer
from fusion_synth import Blast, enu_to_latlon, grid_network, picks
from typer.testing import CliRunner

from truceline.cli.entry import standalone_app
from truceline.formats.records import to_json_dict


@pytest.fixture()
def app() -> typer.Typer:
    return standalone_app("fuse")  # what the `truceline` executable runs for `fuse`


def _write_inputs(tmp: Path) -> tuple[Path, Path]:
    sensors = grid_network()
    rng = np.random.default_rng(0)
    blasts = [Blast(f"B{k}", *enu_to_latlon(-2000.0 + 900 * k, 1000.0 - 700 * k), 5.0 + 12 * k)
              for k in range(4)]  # fmt: skip
    dets = picks(sensors, blasts, rng)
    s_path, d_path = tmp / "sensors.csv", tmp / "detections.ndjson"
    with s_path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "kind", "lat", "lon", "alt_m", "owner",
                                           "timing_sigma_ms", "bearing_sigma_deg"])  # fmt: skip
        w.writeheader()
        for s in sensors:
            w.writerow({k: v for k, v in to_json_dict(s).items() if k in w.fieldnames})
    d_path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n" for d in dets))
    return s_path, d_path


def test_fuse_writes_events_geojson(app: typer.Typer, tmp_path: Path) -> None:
    s_path, d_path = _write_inputs(tmp_path)
    out = tmp_path / "events.geojson"
    res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                   str(d_path), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = orjson.loads(out.read_bytes())
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == 4
    assert [f["properties"]["n_sensors"] for f in doc["features"]] == [16] * 4
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_bad_record_names_line_and_field_and_writes_nothing(
    app: typer.Typer, tmp_path: Path
) -> None:
    s_path, d_path = _write_inputs(tmp_path)
    lines = d_path.read_bytes().splitlines(keepends=True)
    lines[9] = b'{"id":"x1","sensor":"S001","time":"yesterday"}\n'
    d_path.write_bytes(b"".join(lines))
    out = tmp_path / "events.geojson"
    res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                   str(d_path), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 2
    assert "line 10" in res.output and "'time'" in res.output
    assert not out.exists()
    assert list(tmp_path.glob("*.tmp")) == []


def test_unknown_sensor_is_an_error(app: typer.Typer, tmp_path: Path) -> None:
    s_path, d_path = _write_inputs(tmp_path)
    d_path.write_bytes(
        d_path.read_bytes() + b'{"id":"x2","sensor":"NOPE","time":"2026-03-01T05:00:00Z"}\n'
    )
    res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                   str(d_path), "--out", str(tmp_path / "e.geojson")])  # fmt: skip
    assert res.exit_code == 2
    assert "'sensor'" in res.output and "NOPE" in res.output


@pytest.mark.parametrize("cached", [True, False])
def test_fuse_compiles_the_kernels_first_when_their_cache_is_cold(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """After a plain ``pip install`` (no ``truceline warm-up``), ``fuse`` says so and
    warms up before the input, rather than stalling in its first block."""
    from truceline.cli import fuse_cmd
    from truceline.fusion import warmup

    warmed: list[bool] = []
    monkeypatch.setattr(warmup, "kernels_cached", lambda: cached)
    monkeypatch.setattr(fuse_cmd, "_warm", lambda console: warmed.append(True))
    s_path, d_path = _write_inputs(tmp_path)
    res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                   str(d_path), "--out", str(tmp_path / "e.geojson")])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert warmed == ([] if cached else [True])
    assert ("not compiled yet" in res.output) is (not cached)


@pytest.mark.parametrize("edited", [False, True])
def test_fuse_says_when_the_kernels_built_ahead_of_time_are_stale(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edited: bool
) -> None:
    """After an update that changed the kernels' sources but ran no ``truceline warm-up``,
    the JIT serves (same events) and ``fuse`` says how to get the faster start back."""
    from truceline.fusion import kernels

    form = kernels.ACTIVE
    if edited:
        monkeypatch.setattr(kernels, "source_digest", lambda: "edited since the build")
    try:
        assert kernels.use() == ("jit" if edited else "aot")
        assert kernels.stale() is edited
        s_path, d_path = _write_inputs(tmp_path)
        args = ["fuse", "--sensors", str(s_path), "--detections", str(d_path), "--out",
                str(tmp_path / "e.geojson")]  # fmt: skip
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert ("older than their sources" in res.output) is edited
    finally:
        monkeypatch.undo()
        kernels.use(form)


def _twelve_blasts() -> tuple[list, list]:
    """The grid network and its picks of twelve blasts across it, one every 9 s."""
    sensors = grid_network()
    blasts = [Blast(f"B{k}", *enu_to_latlon(-3000.0 + 500 * k, 2500.0 - 450 * k), 5.0 + 9 * k)
              for k in range(12)]  # fmt: skip
    return sensors, picks(sensors, blasts, np.random.default_rng(1))


def test_fuse_warns_of_a_clock_off_and_writes_every_sensors_check(
    app: typer.Typer, tmp_path: Path
) -> None:
    sensors, dets = _twelve_blasts()
    late = [d.model_copy(update={"time": d.time + timedelta(milliseconds=80)})
            if d.sensor == "S005" else d for d in dets]  # fmt: skip
    s_path, d_path = _write_inputs(tmp_path)
    d_path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n"
                                for d in sorted(late, key=lambda d: (d.time, d.id))))  # fmt: skip
    clocks = tmp_path / "clocks.json"
    res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                   str(d_path), "--out", str(tmp_path / "events.geojson"),
                                   "--clocks", str(clocks)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "warning: sensor S005: its arrival times run 80." in res.output
    checks = {c["sensor"]: c for c in orjson.loads(clocks.read_bytes())["sensors"]}
    assert len(checks) == len(sensors)
    assert checks["S005"]["status"] == "offset"
    assert abs(checks["S005"]["offset_ms"] - 80.0) < 2.0
    assert [s for s, c in checks.items() if c["status"] == "offset"] == ["S005"]


def test_fuse_warns_of_a_sensor_silent_as_the_blasts_near_it_were_heard(
    app: typer.Typer, tmp_path: Path
) -> None:
    _, dets = _twelve_blasts()
    dets = [d for d in dets if d.sensor != "S005"]
    s_path, d_path = _write_inputs(tmp_path)
    d_path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n" for d in dets))
    out = tmp_path / "events.geojson"
    res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                   str(d_path), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    warned = [line for line in res.output.splitlines() if "is it down?" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: sensor S005 heard none of the")


def test_refit_clocks_fuses_again_with_a_correction_from_when_its_fault_began(
    app: typer.Typer, tmp_path: Path
) -> None:
    """S005's clock steps 80 ms late at the 21st of 80 blasts; fusion finds it some
    minutes later, and the blasts heard before that lack its pick (it held 13 of its 60
    late picks). The second pass puts the correction in force from the step: 60 of 60."""
    sensors = grid_network()
    blasts = [Blast(f"B{k}", *enu_to_latlon(-3000.0 + 150 * k, 2500.0 - 120 * k), 5.0 + 9 * k)
              for k in range(80)]  # fmt: skip
    dets = picks(sensors, blasts, np.random.default_rng(1))
    step = min(d.time for d in dets) + timedelta(seconds=9 * 20)
    late = sorted((d.model_copy(update={"time": d.time + timedelta(milliseconds=80)})
                   if d.sensor == "S005" and d.time >= step else d for d in dets),
                  key=lambda d: (d.time, d.id))  # fmt: skip
    s_path, d_path = _write_inputs(tmp_path)
    d_path.write_bytes(b"".join(orjson.dumps(to_json_dict(d)) + b"\n" for d in late))
    mine = {d.id for d in late if d.sensor == "S005" and d.time >= step}
    held = {}
    clocks = tmp_path / "clocks.json"
    for refit in (False, True):
        out = tmp_path / f"events-{refit}.geojson"
        res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                       str(d_path), "--out", str(out), "--clocks", str(clocks)]
                                 + (["--refit-clocks"] if refit else []))  # fmt: skip
        assert res.exit_code == 0, res.output
        assert ("fused twice" in res.output) is refit
        features = orjson.loads(out.read_bytes())["features"]
        assert len(features) == 80
        held[refit] = {d for f in features for d in f["properties"]["detections"]} & mine
    assert "S005 from" in res.output
    # clocks.json says what the second pass put in force, from when.
    (piece,) = orjson.loads(clocks.read_bytes())["second_pass"]
    assert piece["sensor"] == "S005" and abs(piece["offset_ms"] - 80.0) < 2.0
    assert 0.0 <= (datetime.fromisoformat(piece["from"]) - step).total_seconds() < 30.0
    assert len(held[False]) < 30 and len(held[True]) >= 55  # of its 60 late picks


def test_refit_clocks_is_one_pass_where_no_clock_was_corrected(
    app: typer.Typer, tmp_path: Path
) -> None:
    s_path, d_path = _write_inputs(tmp_path)
    outs = []
    for flags in ([], ["--refit-clocks"]):
        out = tmp_path / f"events{len(flags)}.geojson"
        res = CliRunner().invoke(app, ["fuse", "--sensors", str(s_path), "--detections",
                                       str(d_path), "--out", str(out), *flags])  # fmt: skip
        assert res.exit_code == 0, res.output
        assert "fused twice" not in res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
