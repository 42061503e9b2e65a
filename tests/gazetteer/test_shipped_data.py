"""The shipped gazetteer: it loads, has every source row, and knows the places."""

from __future__ import annotations

from collections import Counter

import pytest
from pyproj import Geod

from truceline.gazetteer import Gazetteer, default_gazetteer

GEOD = Geod(ellps="WGS84")
# Row counts of the source files, as the shared data README states them.
GEONAMES_ROWS = 5488
OCHA_SETTLEMENTS = 29708
OBLASTS, RAIONS = 27, 139


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def test_loads_once(gaz: Gazetteer) -> None:
    assert default_gazetteer() is gaz


def test_every_source_row_is_there(gaz: Gazetteer) -> None:
    exact = [s for s in gaz.settlements if s.exact]
    assert len(exact) == GEONAMES_ROWS
    assert len({s.geonameid for s in exact}) == GEONAMES_ROWS
    pcodes = [s.pcode for s in gaz.settlements if s.pcode]
    assert len(pcodes) == len(set(pcodes)) == OCHA_SETTLEMENTS
    matched = sum(1 for s in exact if s.pcode)
    assert len(gaz) == GEONAMES_ROWS + OCHA_SETTLEMENTS - matched
    levels = Counter(u.level for u in gaz.admin_units)
    assert levels == {"oblast": OBLASTS, "raion": RAIONS}


def test_every_settlement_is_named_and_placed(gaz: Gazetteer) -> None:
    oblasts = {u.pcode for u in gaz.admin_units if u.level == "oblast"}
    for s in gaz.settlements:
        assert s.name_en and s.name_uk and s.name_ru, s.id
        assert s.oblast in oblasts, s.id
        assert 44.0 < s.lat < 52.5 and 22.0 < s.lon < 40.5, s.id
        assert set(s.sources) <= set("gohct"), s.id


@pytest.mark.parametrize(
    ("en", "uk", "ru", "oblast"),
    [
        ("Donetsk", "Донецьк", "Донецк", "UA14"),
        ("Horlivka", "Горлівка", "Горловка", "UA14"),
        ("Avdiivka", "Авдіївка", "Авдеевка", "UA14"),
        ("Stanytsia Luhanska", "Станиця Луганська", "Станица Луганская", "UA44"),
        ("Sloviansk", "Словʼянськ", "Славянск", "UA14"),
        ("Marinka", "Марʼїнка", "Марьинка", "UA14"),
        ("Yasynuvata", "Ясинувата", "Ясиноватая", "UA14"),
        ("Kyiv", "Київ", "Киев", "UA80"),
        ("Mariupol", "Маріуполь", "Мариуполь", "UA14"),
        ("Kharkiv", "Харків", "Харьков", "UA63"),
    ],
)
def test_known_places_in_three_languages(
    gaz: Gazetteer, en: str, uk: str, ru: str, oblast: str
) -> None:
    for query in (en, uk, ru):
        s = gaz.resolve(query)[0].settlement
        assert (s.name_en, s.name_uk, s.name_ru, s.oblast) == (en, uk, ru, oblast), query
        assert s.exact


def test_zolote_homonyms_resolved_by_hint(gaz: Gazetteer) -> None:
    matches = gaz.resolve("Zolote")
    assert Counter(m.settlement.oblast for m in matches) == {"UA44": 1, "UA01": 2, "UA56": 1}
    luhansk = gaz.resolve("Золоте", near=(48.70, 38.52))[0].settlement
    assert (luhansk.oblast, luhansk.exact, luhansk.name_ru) == ("UA44", True, "Золотое")
    assert gaz.resolve("Золотое", oblast="Рівненська область")[0].settlement.oblast == "UA56"
    kerch = gaz.resolve("Zolote", near=(45.36, 36.47))[0].settlement
    assert (kerch.oblast, kerch.raion) == ("UA01", "UA0110")
    assert gaz.resolve("Zolote", oblast="Crimea")[0].settlement.oblast == "UA01"


def test_avdiivka_and_marinka_homonyms(gaz: Gazetteer) -> None:
    avdiivka = gaz.resolve("Avdiivka")
    assert Counter(m.settlement.oblast for m in avdiivka) == {"UA14": 1, "UA74": 2}
    assert gaz.resolve("Авдеевка", oblast="Chernihiv")[0].settlement.oblast == "UA74"
    marinka = [m for m in gaz.resolve("Marinka") if not m.alias and m.score == 1.0]
    assert {m.settlement.oblast for m in marinka} == {"UA14", "UA12"}
    assert gaz.resolve("Марьинка", oblast="Днепропетровская")[0].settlement.oblast == "UA12"


@pytest.mark.parametrize(
    "query", ["Слов'янськ", "Словʼянськ", "Слов’янськ", "Slovyansk", "Sloviansk", "Славянск"]
)
def test_apostrophe_and_transliteration_variants(gaz: Gazetteer, query: str) -> None:
    assert gaz.resolve(query)[0].settlement.name_en == "Sloviansk"


def test_stanytsia_luhanska_variants(gaz: Gazetteer) -> None:
    for query in ("Stanytsya Luhans'ka", "Stanytsya-Luhanska", "Станица Луганская"):
        assert gaz.resolve(query)[0].settlement.name_en == "Stanytsia Luhanska"


def test_describe_on_shipped_data_agrees_with_brute_force(gaz: Gazetteer) -> None:
    zolote = gaz.resolve("Zolote", oblast="Luhansk")[0].settlement
    lon, lat, _ = GEOD.fwd(zolote.lon, zolote.lat, 135.0, 1500.0)
    exact = [s for s in gaz.settlements if s.exact and s.pcode]  # registered, exact
    _, _, dists = GEOD.inv([s.lon for s in exact], [s.lat for s in exact],
                           [lon] * len(exact), [lat] * len(exact))  # fmt: skip
    nearest = exact[min(range(len(exact)), key=lambda i: dists[i])]
    rel = gaz.describe(lat, lon, "uk")
    assert rel.settlement == nearest == zolote
    assert rel.distance_m == pytest.approx(1500.0, abs=1e-3)
    assert rel.bearing_deg == pytest.approx(135.0, abs=1e-6)
    assert rel.text == "за 1,5 км на південний схід від н. п. Золоте (Луганська область)"
    assert gaz.describe(lat, lon, "en").text == "1.5 km south-east of Zolote (Luhansk oblast)"
    assert gaz.describe(lat, lon, "ru").text == (
        "в 1,5 км к юго-востоку от н. п. Золотое (Луганская область)"
    )


def test_oblast_names_in_three_languages(gaz: Gazetteer) -> None:
    assert [gaz.oblast_name("UA14", lang) for lang in ("en", "uk", "ru")] == [
        "Donetsk oblast", "Донецька область", "Донецкая область"]  # fmt: skip
    for unit in gaz.admin_units:
        assert unit.name_en and unit.name_uk and unit.name_ru
    for name in ("Luhansk Oblast", "Луганська область", "Луганская обл.", "Lugansk", "UA44"):
        assert gaz.find_oblast(name) == "UA44"


def test_module_level_functions_use_the_shipped_data(gaz: Gazetteer) -> None:
    from truceline import gazetteer as g

    horlivka = g.resolve("Горловка")[0].settlement
    assert g.name_in(horlivka, "uk") == "Горлівка"
    assert g.nearest(horlivka.lat, horlivka.lon)[0].settlement == horlivka
    assert g.describe(horlivka.lat, horlivka.lon, "en").text == "in Horlivka (Donetsk oblast)"
