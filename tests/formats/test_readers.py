import gzip
import io

import orjson

from truceline.errors import Problem
from truceline.formats.readers import Parsed, iter_body, iter_ndjson, iter_sensor_csv
from truceline.formats.records import Detection, Observation, Track


def _problems(results: list) -> list[Problem]:
    out: list[Problem] = []
    for r in results:
        if isinstance(r, Problem):
            out.append(r)
        elif isinstance(r, list):
            out.extend(r)
    return out


def test_ndjson_names_file_line_and_field() -> None:
    data = (
        b'{"id":"d-1","sensor":"S","time":"2026-03-01T00:00:00Z"}\n\n'
        b'{"id":"d-2","sensor":"S","time":"noon"}\n'
    )
    results = list(iter_ndjson(io.BytesIO(data), Detection, source="det.ndjson"))
    assert isinstance(results[0], Parsed)
    [problem] = _problems(results)
    assert (problem.source, problem.line, problem.field) == ("det.ndjson", 3, "time")
    assert str(problem).startswith("det.ndjson, line 3 (id d-2), field 'time'")


def test_invalid_json_and_non_objects() -> None:
    data = b'{"id":\n[1,2]\n'
    problems = _problems(list(iter_ndjson(io.BytesIO(data), Detection, source="f")))
    assert [p.line for p in problems] == [1, 2]
    assert "not valid JSON" in problems[0].message
    assert "JSON object" in problems[1].message


def test_unknown_fields_are_kept() -> None:
    data = b'{"id":"d-1","sensor":"S","time":"2026-03-01T00:00:00Z","vendor_quality":0.9}\n'
    [parsed] = list(iter_ndjson(io.BytesIO(data), Detection, source="f"))
    assert isinstance(parsed, Parsed)
    assert parsed.record.model_extra == {"vendor_quality": 0.9}


def test_body_json_array_and_gzip() -> None:
    body = b'[{"id":"d-1","sensor":"S","time":"2026-03-01T00:00:00Z"},{"id":"bad id!"}]'
    results = list(iter_body(gzip.compress(body), Detection, source="POST /x"))
    assert isinstance(results[0], Parsed)
    problems = _problems(results)
    assert {p.line for p in problems} == {2}
    assert all(p.unit == "record" for p in problems)
    assert "id" in {p.field for p in problems}


def test_observation_cross_field_rules_name_the_field() -> None:
    base = {
        "id": "o-1",
        "type": "allegation",
        "originator": "A",
        "category": "explosion",
        "time_from": "2026-03-01T02:00:00Z",
        "time_to": "2026-03-01T01:00:00Z",
        "place": "Zolote",
    }
    problems = _problems(list(iter_body(orjson.dumps([base]), Observation, source="o")))
    fields = {p.field for p in problems}
    assert "time_to" in fields


def test_observation_needs_some_location() -> None:
    rec = {
        "id": "o-1",
        "type": "monitor_report",
        "originator": "MISSION",
        "category": "burst",
        "time_from": "2026-03-01T02:00:00Z",
        "time_to": "2026-03-01T02:00:00Z",
    }
    [problem] = _problems(list(iter_body(orjson.dumps([rec]), Observation, source="o")))
    assert problem.field == "location"
    rec["observer"] = {"lat": 48.3, "lon": 38.0}
    [problem] = _problems(list(iter_body(orjson.dumps([rec]), Observation, source="o")))
    assert problem.field == "observer"


def test_track_points_must_be_in_time_order() -> None:
    rec = {
        "id": "t",
        "sensor": "RD",
        "object": "uav",
        "points": [
            {"time": "2026-03-01T02:11:00Z", "lat": 48.4, "lon": 38.1},
            {"time": "2026-03-01T02:10:00Z", "lat": 48.3, "lon": 38.0},
        ],
    }
    [problem] = _problems(list(iter_body(orjson.dumps([rec]), Track, source="t")))
    assert problem.field == "points.1.time"


def test_sensor_csv_any_column_order_and_empty_cells() -> None:
    text = "owner,lon,lat,kind,id,timing_sigma_ms\nUSA,37.7,48.1,acoustic,AC-1,\n"
    [parsed] = list(iter_sensor_csv(io.StringIO(text), source="s.csv"))
    assert isinstance(parsed, Parsed)
    assert parsed.record.timing_sigma_ms == 2.0


def test_sensor_csv_missing_column_and_bad_cell() -> None:
    [problem] = _problems(list(iter_sensor_csv(io.StringIO("id,kind,lat\n"), source="s.csv")))
    assert problem.line == 1 and "lon" in (problem.field or "")
    text = "id,kind,lat,lon,owner\nAC-1,acoustic,91,37,USA\n"
    [problem] = _problems(list(iter_sensor_csv(io.StringIO(text), source="s.csv")))
    assert (problem.line, problem.field) == (2, "lat")


def test_times_outside_supported_years_are_refused() -> None:
    data = b'{"id":"d-1","sensor":"S","time":"0001-01-01T00:00:00Z"}\n'
    [problem] = _problems(list(iter_ndjson(io.BytesIO(data), Detection, source="f")))
    assert problem.field == "time" and "outside" in problem.message
