import copy
from typing import Any

import pytest

from tests.conftest import AGREEMENT
from truceline.agreement import parse_agreement
from truceline.errors import InputError


def _doc() -> dict[str, Any]:
    return copy.deepcopy(AGREEMENT)


def _refusal(doc: Any) -> InputError:
    with pytest.raises(InputError) as info:
        parse_agreement(doc, source="agreement.geojson")
    return info.value


def test_valid_document_parses() -> None:
    a = parse_agreement(_doc())
    assert a.id == "example-2026" and a.version == 1
    assert a.side_codes == ("A", "B")
    assert a.withdrawal_km == {"artillery_100mm_plus": 25.0, "mlrs": 35.0}
    assert [f.role for f in a.features][:3] == ["contact_line", "control_area", "control_area"]


def test_unknown_role_names_the_feature() -> None:
    doc = _doc()
    doc["features"][3]["properties"]["role"] = "buffer_zone"
    [p] = _refusal(doc).problems
    assert (p.unit, p.line, p.field) == ("feature", 3, "properties.role")


def test_side_code_not_in_sides() -> None:
    doc = _doc()
    doc["features"][1]["properties"]["side"] = "C"
    problems = _refusal(doc).problems
    assert any(p.line == 1 and p.field == "properties.side" for p in problems)


def test_self_intersecting_polygon() -> None:
    doc = _doc()
    doc["features"][3]["geometry"]["coordinates"] = [
        [[37.75, 48.28], [37.85, 48.34], [37.85, 48.28], [37.75, 48.34], [37.75, 48.28]]
    ]
    [p] = _refusal(doc).problems
    assert p.line == 3 and "Self-intersection" in p.message


def test_overlapping_control_areas() -> None:
    doc = _doc()
    doc["features"][2]["geometry"]["coordinates"] = [
        [[37.30, 48.60], [38.50, 48.60], [38.50, 47.90], [37.30, 47.90], [37.30, 48.60]]
    ]
    problems = _refusal(doc).problems
    assert any(p.line == 2 and "overlaps" in p.message for p in problems)


def test_protected_point_needs_radius_and_wrong_geometry_type() -> None:
    doc = _doc()
    del doc["features"][4]["properties"]["radius_m"]
    doc["features"][5]["geometry"] = {"type": "Point", "coordinates": [37.0, 48.0]}
    problems = {(p.line, p.field) for p in _refusal(doc).problems}
    assert (4, "properties.radius_m") in problems and (5, "geometry.type") in problems


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("agreement", "effective_from"), "soon", "agreement.effective_from"),
        (("agreement", "version"), 0, "agreement.version"),
        (("agreement", "prohibited"), ["singing"], "agreement.prohibited"),
        (
            ("agreement", "withdrawal"),
            [{"weapon_class": "catapult", "distance_km": 5}],
            "agreement.withdrawal.0.weapon_class",
        ),
    ],
)
def test_bad_terms(path: tuple[str, str], value: Any, field: str) -> None:
    doc = _doc()
    doc[path[0]][path[1]] = value
    assert field in {p.field for p in _refusal(doc).problems}


def test_not_a_feature_collection() -> None:
    with pytest.raises(InputError, match="FeatureCollection"):
        parse_agreement([], source="x")


def test_out_of_range_coordinates() -> None:
    doc = _doc()
    doc["features"][4]["geometry"]["coordinates"] = [237.0, 48.0]
    [p] = _refusal(doc).problems
    assert p.field == "geometry.coordinates"
