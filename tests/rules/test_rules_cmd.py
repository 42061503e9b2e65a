"""``truceline rules check`` end to end on a tiny set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import typer
from typer.testing import CliRunner

from truceline.cli.rules_cmd import register
from truceline.formats.records import to_json_dict

from .conftest import agreement_doc, east_of_line, event, located, observation, track

app = typer.Typer()


@app.callback()
def _root() -> None:
    """Stand-in for the main CLI."""


register(app)


def _files(tmp_path: Path) -> dict[str, Path]:
    llat, llon = east_of_line(48.0, 6_000.0)
    events = {
        "type": "FeatureCollection",
        "features": [
            event("ev-1", llat, llon, "launch", side="B", paired_with="ev-2"),
            event("ev-2", 48.0, 37.49, "impact", side="A", paired_with="ev-1"),
        ],
    }
    tlat, tlon = east_of_line(48.3, 8_000.0)
    obs = observation(
        "mr-1", "weapon_sighting", weapon_class="tank", side="B", **located(tlat, tlon)
    )
    tr = track(
        "tr-1", "uav", [("2026-03-02T02:00:00Z", 48.1, 37.6), ("2026-03-02T02:01:00Z", 48.1, 37.4)]
    )
    paths = {
        name: tmp_path / name
        for name in ("agreement.geojson", "events.geojson", "observations.ndjson", "tracks.ndjson")
    }
    paths["agreement.geojson"].write_bytes(orjson.dumps(agreement_doc()))
    paths["events.geojson"].write_bytes(orjson.dumps(events))
    paths["observations.ndjson"].write_bytes(orjson.dumps(to_json_dict(obs)) + b"\n")
    paths["tracks.ndjson"].write_bytes(orjson.dumps(to_json_dict(tr)) + b"\n")
    return paths


def _run(paths: dict[str, Path], out: Path, **replace: Path) -> Any:
    p = {**paths, **replace}
    return CliRunner().invoke(
        app,
        [
            "rules",
            "check",
            "--agreement",
            str(p["agreement.geojson"]),
            "--events",
            str(p["events.geojson"]),
            "--observations",
            str(p["observations.ndjson"]),
            "--tracks",
            str(p["tracks.ndjson"]),
            "--out",
            str(out),
        ],
    )


def test_check_writes_findings_and_a_summary(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    out = tmp_path / "findings.ndjson"
    result = _run(paths, out)
    assert result.exit_code == 0, result.output
    rows = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert sorted(r["rule"] for r in rows) == [
        "airspace",
        "fire",
        "fire_in_disengagement_area",
        "weapon_in_withdrawal_zone",
    ]
    assert "findings per rule" in result.output and "restriction_on_monitors" in result.output
    first = out.read_bytes()
    assert _run(paths, out).exit_code == 0 and out.read_bytes() == first  # same ids, same bytes


def test_bad_input_names_file_line_field_and_writes_nothing(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    bad = tmp_path / "bad.ndjson"
    good = paths["observations.ndjson"].read_bytes()
    bad.write_bytes(good + good.replace(b'"category":"weapon_sighting"', b'"category":"rumour"'))
    out = tmp_path / "findings.ndjson"
    result = _run(paths, out, **{"observations.ndjson": bad})
    assert result.exit_code == 2
    assert f"{bad}, line 2 (id mr-1), field 'category'" in result.output
    assert not out.exists()


def test_bad_event_names_the_feature(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    doc = orjson.loads(paths["events.geojson"].read_bytes())
    doc["features"][1]["properties"]["phase"] = "bang"
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(orjson.dumps(doc))
    out = tmp_path / "findings.ndjson"
    result = _run(paths, out, **{"events.geojson": bad})
    assert result.exit_code == 2
    assert "feature 1 (id ev-2), field 'properties.phase'" in result.output
    assert not out.exists()


def test_bad_holding_extras_name_the_line(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    row = orjson.loads(paths["observations.ndjson"].read_bytes())
    row["missing_count"] = -1
    paths["observations.ndjson"].write_bytes(orjson.dumps(row) + b"\n")
    result = _run(paths, tmp_path / "f.ndjson")
    assert result.exit_code == 2 and "line 1 (id mr-1), field 'missing_count'" in result.output
