"""Choosing the English, Ukrainian and Russian names among GeoNames' candidates."""

from __future__ import annotations

from truceline.gazetteer.naming import (
    canonical_uk,
    choose_en,
    choose_ru,
    choose_uk,
    clean_cyrillic,
    clean_latin,
    is_russian_spelling,
    split_alternates,
)


def test_clean_cyrillic_drops_other_languages_and_fragments() -> None:
    names = ["Аўдзееўка", "Авдијивка", "Киев ош", "киев", "Zоlоtnyky", "Караджи\u0301", "Жданов"]
    assert clean_cyrillic(names) == ["Караджи", "Жданов"]


def test_clean_latin_drops_codes_and_romanized_chinese() -> None:
    assert clean_latin(["DOK", "dun nie ci ke", "Donetsk", "Donec'k", "Ντονέτσκ"]) == [
        "Donetsk",
        "Donec'k",
    ]


def test_is_russian_spelling() -> None:
    assert is_russian_spelling("Станица Луганская")
    assert is_russian_spelling("Тобольск")
    for not_russian in ("Донецьк", "Кыив", "Золоте", "Лозовий Яр", "Злазнэ", "Житомиръ"):
        assert not is_russian_spelling(not_russian), not_russian


def test_choose_uk_prefers_the_name_like_the_primary_one() -> None:
    # Donetsk: the Ukrainian-marked list holds only former or other names.
    marked = ["Дінецьк", "Сталіне", "Юзівка"]
    unmarked = ["Донецк", "Донецьк", "Сталино"]
    assert choose_uk("Donetsk", marked, unmarked, None) == ("Донецьк", "g")


def test_choose_uk_takes_ochas_spelling_of_a_similar_name() -> None:
    got = choose_uk("Mar'yinka", ["Мар’інка", "Мар’їнка"], ["Марьинка"], "Мар'їнка")
    assert got == ("Марʼїнка", "g")
    assert choose_uk("Chernopolye", [], ["Чернополье"], "Чорнопілля") == ("Чорнопілля", "o")


def test_choose_uk_keeps_a_renamed_place_over_ochas_former_name() -> None:
    got = choose_uk("Otamanivka", ["Отаманівка", "Молодогвардійськ"], [], "Молодогвардійськ")
    assert got == ("Отаманівка", "g")


def test_choose_uk_without_any_candidate() -> None:
    assert choose_uk("Terny", [], [], None) is None
    assert choose_uk("Terny", [], [], "Терни") == ("Терни", "o")


def test_choose_ru_prefers_a_distinct_russian_form() -> None:
    assert choose_ru("Золоте", [], ["Золоте", "Золотое"]) == "Золотое"
    assert choose_ru("Ясинувата", [], ["Јасинувата", "Ясиноватая", "Ясинувата"]) == "Ясиноватая"
    assert choose_ru("Попасна", ["Попасный"], ["Попасна", "Попасная"]) == "Попасная"


def test_choose_ru_rejects_other_languages_and_inflected_forms() -> None:
    kyiv = ["Кыив", "Кыйив", "Кꙑѥвъ", "Кейӳ", "Киев", "Киев ош", "Киевом", "Киеву", "Кијев"]
    assert choose_ru("Київ", kyiv[:3], kyiv[3:]) == "Киев"
    assert choose_ru("Херсон", [], ["Херсон", "Херсонскую"]) == "Херсон"
    assert choose_ru("Маріуполь", ["Марыупаль"], ["Мариупол", "Мариуполь"]) == "Мариуполь"


def test_choose_ru_drops_former_names() -> None:
    assert choose_ru("Бахмут", [], ["Артемовск", "Бахмут"]) == "Бахмут"
    assert choose_ru("Горлівка", [], ["Сталино"]) is None


def test_choose_en_prefers_the_official_romanization() -> None:
    latin = ["Avdeevka", "Avdiivka", "Avdiyivka"]
    assert choose_en("Авдіївка", "Avdiyivka", latin, None) == ("Avdiivka", "g")
    assert choose_en("Марʼїнка", "Mar'yinka", ["Mar'inka", "Maryinka"], None) == ("Marinka", "g")
    assert choose_en("Золоте", "Zolote", [], "Zolote") == ("Zolote", "g")
    assert choose_en("Терни", "Terni", [], "Terny") == ("Terny", "o")
    assert choose_en("Слов'яносербськ", "Slov`yanoserbsk", [], None) == ("Slovianoserbsk", "t")
    assert choose_en(None, "Urzuf", [], None) == ("Urzuf", "g")


def test_split_alternates() -> None:
    variants, aliases = split_alternates(
        ["Horlivka", "Горлівка", "Горловка"], ["Gorlovka", "horlivka", "Stalino", "Горловка"]
    )
    assert variants == ["Gorlovka"]
    assert aliases == ["Stalino"]


def test_canonical_uk_apostrophe() -> None:
    assert canonical_uk("Слов'янськ") == canonical_uk("Слов’янськ") == "Словʼянськ"
