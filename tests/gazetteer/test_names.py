"""Name keys: what they forgive and what they keep apart."""

from __future__ import annotations

import pytest

from truceline.gazetteer.names import (
    deletions,
    levenshtein,
    loose_key,
    similarity,
    strict_key,
    strip_generic,
)


def test_strict_key_forgives_apostrophes_case_accents_and_separators() -> None:
    forms = ["Слов'янськ", "Словʼянськ", "Слов’янськ", "СЛОВ`ЯНСЬК", "Слов\u2032янськ"]
    assert len({strict_key(f) for f in forms}) == 1
    assert strict_key("Avdiïvka") == strict_key("avdiivka")
    assert strict_key("Stanytsya-Luhanska") == strict_key("Stanytsya  Luhanska")
    assert strict_key("Караджи\u0301") == strict_key("Караджи")
    assert strict_key("Пятихатки") == strict_key("Пятихатки")
    assert strict_key("Щёлкино") == strict_key("Щелкино")


def test_strict_key_keeps_distinct_cyrillic_letters() -> None:
    assert strict_key("Золотий") != strict_key("Золотии")  # й is not и
    assert strict_key("Мар'їнка") != strict_key("Мар'інка")  # ї is not і
    assert strict_key("Горлівка") != strict_key("Горловка")


@pytest.mark.parametrize(
    "group",
    [
        ["Stanytsia Luhanska", "Stanytsya Luhans’ka", "Станиця Луганська", "Станица Луганская"],
        ["Slovyansk", "Sloviansk", "Слов'янськ", "Словʼянськ"],
        ["Slavyansk", "Славянск", "Slavjansk"],
        ["Avdiivka", "Avdiyivka", "Авдіївка", "Avdijivka"],
        ["Avdeyevka", "Авдеевка", "Avdeevka"],
        ["Zolote", "Золоте", "Золотое", "Zolotoye", "Zolotoe"],
        ["Horlivka", "Горлівка", "Horliwka"],
        ["Gorlovka", "Горловка", "Horlovka"],
        ["Mar'yinka", "Marinka", "Mariinka", "Мар’їнка", "Марьинка"],
        ["Zaporizhzhia", "Запоріжжя", "Zaporizhzhya"],
        ["Kyiv", "Київ"],
        ["Shchastia", "Щастя", "Shchastya"],
    ],
)
def test_loose_key_folds_transliteration_variants(group: list[str]) -> None:
    assert len({loose_key(name) for name in group}) == 1


def test_loose_key_keeps_different_places_apart() -> None:
    assert loose_key("Horlivka") != loose_key("Harkiv")
    assert loose_key("Zolote") != loose_key("Zolotarivka")
    assert loose_key("Sloviansk") != loose_key("Slavianoserbsk")


def test_levenshtein_and_similarity() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert similarity("Sloviansk", "Слов'янськ") == 1.0
    assert 0.0 <= similarity("Donetsk", "Stalino") < 0.5
    assert similarity("", "Donetsk") == 0.0


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("н. п. Золотое", "золотое"),
        ("м. Авдіївка", "авдіївка"),
        ("Marinka town", "marinka"),
        ("the village of Pisky", "pisky"),
        ("смт Новгородське", "новгородське"),
        ("Zolote", "zolote"),
    ],
)
def test_strip_generic(text: str, name: str) -> None:
    assert strip_generic(strict_key(text)) == name


def test_strip_generic_never_empties_a_name() -> None:
    assert strip_generic(strict_key("Town")) == "town"


def test_one_edit_apart_shares_a_deletion() -> None:
    assert deletions("abc") == {"abc", "bc", "ac", "ab"}
    for typo in ("donestk", "donetk", "donetsks", "dometsk"):  # swap, drop, add, change
        assert deletions(typo) & deletions("donetsk")
    assert not deletions("donetsk") & deletions("luhansk")
