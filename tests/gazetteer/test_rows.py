"""The shipped table format round-trips and rejects malformed rows."""

from __future__ import annotations

import pytest

from truceline.gazetteer.model import AdminUnit, Settlement
from truceline.gazetteer.rows import (
    ADMIN_COLUMNS,
    SETTLEMENT_COLUMNS,
    admin_from_row,
    admin_to_row,
    settlement_from_row,
    settlement_to_row,
)


def _settlement() -> Settlement:
    return Settlement(
        id="geonames:686868",
        name_en="Zolote",
        name_uk="Золоте",
        name_ru="Золотое",
        lat=48.69516,
        lon=38.51512,
        precision="point",
        population=13007,
        oblast="UA44",
        raion="UA4412",
        hromada="UA4412001",
        geonameid=686868,
        pcode="UA4412001002",
        sources="ggg",
        variants=("Zolotoye",),
        aliases=("Rudnik Zolotoy",),
    )


def test_settlement_round_trip() -> None:
    s = _settlement()
    row = settlement_to_row(s)
    assert tuple(row) == SETTLEMENT_COLUMNS
    back = settlement_from_row(row)
    assert back == s
    assert back.variants == s.variants and back.aliases == s.aliases


def test_optional_fields_round_trip_as_none() -> None:
    s = Settlement("ocha:UA5608005005", "Zolote", "Золоте", "Золотое", 51.7, 26.6, "hromada",
                   None, "UA56")  # fmt: skip
    back = settlement_from_row(settlement_to_row(s))
    assert back == s and back.population is None and back.geonameid is None
    assert not back.exact


def test_admin_round_trip() -> None:
    unit = AdminUnit("UA44", "oblast", None, "Luhansk oblast", "Луганська область",
                     "Луганская область", ("Luhansk", "Lugansk"))  # fmt: skip
    row = admin_to_row(unit)
    assert tuple(row) == ADMIN_COLUMNS
    back = admin_from_row(row)
    assert back == unit and back.aliases == unit.aliases


def test_malformed_rows_name_the_column() -> None:
    row = settlement_to_row(_settlement())
    with pytest.raises(ValueError, match="precision"):
        settlement_from_row({**row, "precision": "village"})
    with pytest.raises(ValueError, match="lat/lon"):
        settlement_from_row({**row, "lat": "north"})
    with pytest.raises(ValueError, match="level"):
        admin_from_row({**admin_to_row(AdminUnit("UA44", "oblast", None, "", "", "")),
                        "level": "hromada"})  # fmt: skip
