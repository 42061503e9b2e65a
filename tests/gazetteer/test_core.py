"""The Gazetteer on small hand-made data: nearest, describe and resolve."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from truceline.gazetteer import AdminUnit, Gazetteer, Settlement

GEOD = Geod(ellps="WGS84")

ADMIN = [
    AdminUnit("UA14", "oblast", None, "Donetsk oblast", "Донецька область", "Донецкая область",
              ("Donetsk", "Donetska", "Донецька", "Донецкая")),
    AdminUnit("UA44", "oblast", None, "Luhansk oblast", "Луганська область", "Луганская область",
              ("Luhansk", "Luhanska", "Луганська", "Луганская", "Lugansk")),
    AdminUnit("UA56", "oblast", None, "Rivne oblast", "Рівненська область", "Ровенская область",
              ("Rivne", "Rivnenska", "Рівненська", "Ровенская", "Rovno")),
    AdminUnit("UA32", "oblast", None, "Kyiv oblast", "Київська область", "Киевская область",
              ("Kyiv", "Kyivska", "Київська", "Киевская")),
    AdminUnit("UA80", "oblast", None, "Kyiv city", "м. Київ", "г. Киев", ("Kyiv City",)),
]  # fmt: skip


def place(id_: str, en: str, uk: str, ru: str, lat: float, lon: float, **kw: object) -> Settlement:
    kw.setdefault("precision", "point")
    kw.setdefault("population", 1000)
    kw.setdefault("oblast", "UA14")
    kw.setdefault("pcode", f"P-{id_}")  # in OCHA's register unless told otherwise
    return Settlement(id_, en, uk, ru, lat, lon, **kw)  # type: ignore[arg-type]


PLACES = [
    place("g:1", "Zolote", "Золоте", "Золотое", 48.69516, 38.51512, oblast="UA44",
          population=13007, variants=("Zolotoye",), aliases=("Rudnik Zolotoy",)),
    place("o:2", "Zolote", "Золоте", "Золотое", 51.73994, 26.59266, oblast="UA56",
          precision="hromada", population=None),
    place("g:3", "Avdiivka", "Авдіївка", "Авдеевка", 48.14019, 37.75008, population=35826,
          variants=("Avdiyivka", "Avdeyevka")),
    place("g:4", "Sloviansk", "Словʼянськ", "Славянск", 48.84974, 37.59739, population=105141,
          variants=("Slovyansk", "Slaviansk"), aliases=("Tor",)),
    place("g:5", "Donetsk", "Донецьк", "Донецк", 48.023, 37.80224, population=901645,
          aliases=("Stalino", "Oleksandrivka")),
    place("g:6", "Oleksandrivka", "Олександрівка", "Александровка", 48.2, 37.9, population=800),
    place("g:7", "Kyiv", "Київ", "Киев", 50.45466, 30.5238, oblast="UA80", population=2952301),
    place("g:8", "Stanytsia Luhanska", "Станиця Луганська", "Станица Луганская", 48.66247,
          39.48358, oblast="UA44", population=12258, variants=("Stanytsya-Luhanska",)),
]  # fmt: skip


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer(PLACES, ADMIN)


def brute_force(points: list[Settlement], lat: float, lon: float) -> list[tuple[float, str]]:
    return sorted(
        (GEOD.inv(s.lon, s.lat, lon, lat)[2], s.id) for s in points if s.precision == "point"
    )


def test_nearest_matches_brute_force_geodesics() -> None:
    rng = np.random.default_rng(20260302)
    lats, lons = rng.uniform(44.5, 52.0, 400), rng.uniform(22.5, 40.0, 400)
    places = [place(f"p:{i}", f"P{i}", f"П{i}", f"П{i}", float(a), float(b), population=i * 10)
              for i, (a, b) in enumerate(zip(lats, lons, strict=True))]  # fmt: skip
    gaz = Gazetteer(places)
    for lat, lon in zip(rng.uniform(44, 53, 60), rng.uniform(22, 41, 60), strict=True):
        expected = brute_force(places, float(lat), float(lon))[:3]
        got = gaz.nearest(float(lat), float(lon), k=3)
        assert [n.settlement.id for n in got] == [e[1] for e in expected]
        assert [n.distance_m for n in got] == pytest.approx([e[0] for e in expected], abs=1e-6)
    bigger = [p for p in places if (p.population or 0) >= 2000]
    first = brute_force(bigger, 48.0, 38.0)[0][1]
    assert gaz.nearest(48.0, 38.0, min_population=2000)[0].settlement.id == first


def test_nearest_skips_unregistered_places_unless_asked() -> None:
    district = place("g:9", "Kyivskyi", "Київський", "Киевский", 48.05, 37.78, pcode=None)
    gaz = Gazetteer([*PLACES, district], ADMIN)
    assert gaz.nearest(48.05, 37.78)[0].settlement.id == "g:5"  # Donetsk
    assert gaz.nearest(48.05, 37.78, registered_only=False)[0].settlement == district
    assert gaz.describe(48.05, 37.78, "en").settlement.id == "g:5"


def test_nearest_skips_places_located_only_by_centroid(gaz: Gazetteer) -> None:
    near_rivne_zolote = gaz.nearest(51.74, 26.59, k=1)[0]
    assert near_rivne_zolote.settlement.exact
    assert near_rivne_zolote.settlement.id != "o:2"


def test_nearest_edge_cases(gaz: Gazetteer) -> None:
    assert len(gaz.nearest(48.0, 38.0, k=50)) == sum(p.exact for p in PLACES)
    assert gaz.nearest(48.0, 38.0, min_population=10**9) == []
    with pytest.raises(ValueError):
        gaz.nearest(48.0, 38.0, k=0)
    with pytest.raises(ValueError):
        gaz.nearest(float("nan"), 38.0)


@pytest.mark.parametrize("lang", ["en", "uk", "ru"])
def test_describe_agrees_with_pyproj(gaz: Gazetteer, lang: str) -> None:
    zolote = gaz.get("g:1")
    lon, lat, _ = GEOD.fwd(zolote.lon, zolote.lat, 135.0, 3200.0)
    rel = gaz.describe(lat, lon, lang)  # type: ignore[arg-type]
    assert rel.settlement == zolote
    az, _, dist = GEOD.inv(zolote.lon, zolote.lat, lon, lat)
    assert rel.distance_m == pytest.approx(dist, abs=1e-6)
    assert rel.distance_m == pytest.approx(3200.0, abs=1e-3)
    assert rel.bearing_deg == pytest.approx(az % 360.0, abs=1e-9)
    expected = {
        "en": ("south-east", "3.2 km south-east of Zolote (Luhansk oblast)"),
        "uk": (
            "південний схід",
            "за 3,2 км на південний схід від н. п. Золоте (Луганська область)",
        ),
        "ru": ("юго-восток", "в 3,2 км к юго-востоку от н. п. Золотое (Луганская область)"),
    }[lang]
    assert (rel.compass, rel.text) == expected


def test_describe_bearing_points_from_the_settlement(gaz: Gazetteer) -> None:
    s = gaz.get("g:8")
    lon, lat, _ = GEOD.fwd(s.lon, s.lat, 270.0, 1500.0)
    rel = gaz.describe(lat, lon, "en")
    assert rel.text == "1.5 km west of Stanytsia Luhanska (Luhansk oblast)"
    assert gaz.describe(s.lat, s.lon, "en").text == "in Stanytsia Luhanska (Luhansk oblast)"


def test_describe_rejects_unknown_language(gaz: Gazetteer) -> None:
    with pytest.raises(ValueError):
        gaz.describe(48.0, 38.0, "fr")  # type: ignore[arg-type]


def ids(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [m.settlement.id for m in matches]


@pytest.mark.parametrize(
    "query",
    ["Слов'янськ", "Словʼянськ", "Слов’янськ", "Slovyansk", "Sloviansk", "Славянск", "slaviansk",
     "м. Слов'янськ", "Sloviansk town", "Sloviansk (Donetsk oblast)"],
)  # fmt: skip
def test_resolve_spellings_and_scripts(gaz: Gazetteer, query: str) -> None:
    assert ids(gaz.resolve(query))[:1] == ["g:4"]


def test_resolve_homonyms_by_hint(gaz: Gazetteer) -> None:
    assert ids(gaz.resolve("Zolote")) == ["g:1", "o:2"]  # exact coordinates first
    assert ids(gaz.resolve("Золоте", near=(51.7, 26.6)))[0] == "o:2"
    assert ids(gaz.resolve("Золотое", oblast="Rivne"))[0] == "o:2"
    assert ids(gaz.resolve("Zolote", oblast="Ровенская обл."))[0] == "o:2"
    assert ids(gaz.resolve("Zolote", oblast="UA44"))[0] == "g:1"
    m = gaz.resolve("Zolote", near=(48.7, 38.5))
    assert m[0].distance_m == pytest.approx(GEOD.inv(38.51512, 48.69516, 38.5, 48.7)[2])


def test_resolve_ranks_current_names_before_aliases(gaz: Gazetteer) -> None:
    m = gaz.resolve("Oleksandrivka", near=(48.02, 37.80))  # Donetsk is nearer, but an alias
    assert ids(m) == ["g:6", "g:5"]
    assert (m[0].alias, m[1].alias) == (False, True)
    assert gaz.resolve("Stalino")[0].score == 0.5


def test_resolve_scores(gaz: Gazetteer) -> None:
    assert gaz.resolve("Avdiivka")[0].score == 1.0 and gaz.resolve("Avdiivka")[0].exact
    folded = gaz.resolve("Avdijivka")[0]
    assert (folded.settlement.id, folded.score, folded.exact) == ("g:3", 0.8, False)
    typo = gaz.resolve("Donestk")[0]
    assert (typo.settlement.id, typo.score) == ("g:5", 0.3)


def test_resolve_misc(gaz: Gazetteer) -> None:
    assert gaz.resolve("Horizont, Stanytsia Luhanska")[0].settlement.id == "g:8"
    assert gaz.resolve("Станица Луганская")[0].settlement.id == "g:8"
    assert gaz.resolve("Stanytsya-Luhanska")[0].settlement.id == "g:8"
    assert gaz.resolve("Atlantis") == []
    assert gaz.resolve("  ") == []
    assert gaz.resolve("Kyiv", oblast="Kyiv Oblast")[0].in_oblast is True  # city in oblast
    assert gaz.resolve("Kyiv", oblast="Nowhere")[0].in_oblast is None


def test_find_oblast(gaz: Gazetteer) -> None:
    for name in ("UA14", "ua14", "Donetsk", "Donetsk Oblast", "Donetska oblast", "Донецька область",
                 "Донецкая обл."):  # fmt: skip
        assert gaz.find_oblast(name) == "UA14", name
    assert gaz.find_oblast("Lugansk") == "UA44"
    assert gaz.find_oblast("Kyiv") == "UA32"
    assert gaz.find_oblast("Atlantis") is None


def test_names_and_admin(gaz: Gazetteer) -> None:
    s = gaz.get("g:4")
    assert [gaz.name_in(s, lang) for lang in ("en", "uk", "ru")] == [
        "Sloviansk", "Словʼянськ", "Славянск"]  # fmt: skip
    assert gaz.oblast_name("UA44", "ru") == "Луганская область"
    assert gaz.oblast_name("UA99", "en") == "UA99"
    assert len(gaz) == len(PLACES) and len(gaz.admin_units) == len(ADMIN)
    with pytest.raises(ValueError):
        Gazetteer([PLACES[0], PLACES[0]])


def test_from_rows() -> None:
    from truceline.gazetteer.rows import admin_to_row, settlement_to_row

    gaz = Gazetteer.from_rows(map(settlement_to_row, PLACES), map(admin_to_row, ADMIN))
    assert gaz.get("g:4") == PLACES[3]
    assert gaz.admin("UA44") == ADMIN[1]
