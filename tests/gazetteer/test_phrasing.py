"""Compass points, distances and location phrases in the three languages."""

from __future__ import annotations

import math

import pytest

from truceline.gazetteer.phrasing import compass_index, compass_point, format_km, location_phrase


@pytest.mark.parametrize(
    ("bearing", "index"),
    [(0.0, 0), (22.49, 0), (22.5, 1), (135.0, 3), (337.49, 7), (337.5, 0), (359.9, 0), (-45, 7)],
)
def test_compass_sectors_are_45_degrees_centred(bearing: float, index: int) -> None:
    assert compass_index(bearing) == index


def test_compass_rejects_nan() -> None:
    with pytest.raises(ValueError):
        compass_index(math.nan)


def test_compass_points_in_each_language() -> None:
    assert compass_point(135.0, "en") == "south-east"
    assert compass_point(135.0, "uk") == "південний схід"
    assert compass_point(135.0, "ru") == "юго-восток"
    assert compass_point(270.0, "ru") == "запад"
    with pytest.raises(ValueError):
        compass_point(0.0, "de")  # type: ignore[arg-type]


def test_format_km() -> None:
    assert format_km(3249.0, "en") == "3.2"
    assert format_km(3249.0, "uk") == "3,2"
    assert format_km(12_600.0, "ru") == "13"
    assert format_km(9_960.0, "en") == "10"


def test_location_phrases_keep_the_name_in_the_nominative() -> None:
    args = (3200.0, 135.0)
    assert (
        location_phrase(*args, "Zolote", "Luhansk oblast", "en")
        == "3.2 km south-east of Zolote (Luhansk oblast)"
    )
    assert (
        location_phrase(*args, "Золоте", "Луганська область", "uk")
        == "за 3,2 км на південний схід від н. п. Золоте (Луганська область)"
    )
    assert (
        location_phrase(*args, "Золотое", "Луганская область", "ru")
        == "в 3,2 км к юго-востоку от н. п. Золотое (Луганская область)"
    )


def test_location_phrase_at_the_settlement() -> None:
    assert location_phrase(40.0, 10.0, "Zolote", "Luhansk oblast", "en") == (
        "in Zolote (Luhansk oblast)"
    )
    assert location_phrase(40.0, 10.0, "Золотое", "Луганская область", "ru") == (
        "в н. п. Золотое (Луганская область)"
    )
