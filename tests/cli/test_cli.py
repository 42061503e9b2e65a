import json
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import AGREEMENT, SENSORS_CSV, detection
from truceline.settings import SETTINGS


def _files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "sensors": tmp_path / "sensors.csv",
        "agreement": tmp_path / "agreement.geojson",
        "detections": tmp_path / "detections.ndjson",
    }
    paths["sensors"].write_text(SENSORS_CSV)
    paths["agreement"].write_bytes(orjson.dumps(AGREEMENT))
    paths["detections"].write_bytes(b"\n".join(orjson.dumps(detection(i)) for i in range(20)))
    return paths


def test_settings_lists_every_setting(run: Any) -> None:
    result = run("settings", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["setting"] for r in rows] == [s.env for s in SETTINGS]
    home = next(r for r in rows if r["setting"] == "TRUCELINE_HOME")
    assert home["value"].endswith("home")


def test_load_import_ingest_list(run: Any, tmp_path: Path) -> None:
    f = _files(tmp_path)
    assert run("agreement", "load", str(f["agreement"])).exit_code == 0
    shown = json.loads(run("agreement", "show", "example-2026", "--format", "json").stdout)
    assert shown["version"] == 1 and shown["sides"][0]["code"] == "A"
    assert run("sensors", "import", str(f["sensors"])).exit_code == 0
    listed = json.loads(run("sensors", "list", "--format", "json").stdout)
    assert [s["id"] for s in listed] == ["AA-0002", "AC-0001", "SE-0003"]
    result = run("ingest", "detections", str(f["detections"]), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["inserted"] == 20
    again = json.loads(run("ingest", "detections", str(f["detections"]), "--format", "json").stdout)
    assert again["unchanged"] == 20
    where = json.loads(
        run(
            "agreement",
            "where",
            "example-2026",
            "--lat",
            "48.3",
            "--lon",
            "37.5",
            "--format",
            "json",
        ).stdout
    )
    assert where["side"] == "A"


def test_bad_file_names_file_line_field_and_writes_nothing(run: Any, tmp_path: Path) -> None:
    f = _files(tmp_path)
    run("sensors", "import", str(f["sensors"]))
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(orjson.dumps(detection(1)) + b"\n" + orjson.dumps(detection(2, phase="boom")))
    result = run("ingest", "detections", str(bad))
    assert result.exit_code == 2
    assert f"{bad}, line 2 (id d-000002), field 'phase'" in result.stderr
    listed = run("ingest", "detections", str(f["detections"]), "--format", "json")
    assert json.loads(listed.stdout)["inserted"] == 20  # d-000001 was not half-written


def test_skip_bad_mode(run: Any, tmp_path: Path) -> None:
    f = _files(tmp_path)
    run("sensors", "import", str(f["sensors"]))
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(orjson.dumps(detection(1)) + b"\n{oops\n")
    result = run("ingest", "detections", str(bad), "--skip-bad", "--format", "json")
    report = json.loads(result.stdout)
    assert (report["inserted"], report["rejected"]) == (1, 1)
    assert report["problems"][0]["line"] == 2


def test_invalid_agreement_exit_code_and_message(run: Any, tmp_path: Path) -> None:
    bad = tmp_path / "a.geojson"
    doc = json.loads(json.dumps(AGREEMENT))
    doc["features"][0]["properties"]["role"] = "frontier"
    bad.write_text(json.dumps(doc))
    result = run("agreement", "load", str(bad))
    assert result.exit_code == 2
    assert "feature 0, field 'properties.role'" in result.stderr


def test_sensor_status_file(run: Any, tmp_path: Path) -> None:
    f = _files(tmp_path)
    run("sensors", "import", str(f["sensors"]))
    status = tmp_path / "status.ndjson"
    status.write_text(
        '{"sensor":"AC-0001","status":"degraded","from":"2026-03-02T00:00:00Z",'
        '"to":"2026-03-02T03:00:00Z","reason":"wind"}\n'
    )
    assert run("sensors", "status", str(status)).exit_code == 0
    spans = json.loads(run("sensors", "status", "--format", "json").stdout)
    assert spans[0]["status"] == "degraded"
    status.write_text('{"sensor":"NOPE","status":"degraded","from":"2026-03-02T00:00:00Z"}\n')
    result = run("sensors", "status", str(status))
    assert result.exit_code == 2 and "line 1, field 'sensor'" in result.stderr
