import csv
import io

import orjson

from truceline.ogc.exports import by_paths, cell, csv_chunks, geojson_chunks, pick


def test_cells_defuse_formulas_but_keep_numbers() -> None:
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert cell("@SUM(A1)") == "'@SUM(A1)" and cell("-1+2") == "'-1+2"
    assert cell(-12.5) == -12.5 and cell(0) == 0
    assert cell(None) == "" and cell(True) == "true"
    assert cell(["PUBLIC", "MISSION"]) == "PUBLIC MISSION"
    assert cell({"a": 1}) == '{"a":1}'


def test_pick_walks_dotted_paths() -> None:
    record = {"error_ellipse": {"semi_major_m": 40.0}, "markings": None}
    assert pick(record, "error_ellipse.semi_major_m") == 40.0
    assert pick(record, "markings.tlp") is None and pick(record, "nope") is None
    assert by_paths(["error_ellipse.semi_major_m"])(record) == {"error_ellipse.semi_major_m": 40.0}


def _pages() -> list[list[dict[str, object]]]:
    return [[{"id": f"r{i}", "n": i} for i in range(j, j + 3)] for j in (0, 3)] + [[]]


def test_geojson_chunks_make_one_valid_collection() -> None:
    body = b"".join(
        geojson_chunks(
            _pages(),
            lambda r: {"type": "Feature", "id": r["id"], "geometry": None, "properties": r},
        )
    )
    doc = orjson.loads(body)
    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == [f"r{i}" for i in range(6)]
    assert orjson.loads(b"".join(geojson_chunks([], dict)))["features"] == []


def test_csv_chunks_have_a_header_and_one_row_per_record() -> None:
    text = b"".join(csv_chunks(_pages(), ["id", "n", "missing"], lambda r: r)).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "n", "missing"]
    assert rows[1:] == [[f"r{i}", str(i), ""] for i in range(6)]
