"""KMU 2010 romanization, Russian spelling rules and the reverse romanization."""

from __future__ import annotations

import pytest

from truceline.gazetteer.translit import cyrillic_from_latin, kmu_latin, russianize

# Examples from the table of Cabinet of Ministers Resolution No. 55 (27 Jan 2010).
KMU_EXAMPLES = [
    ("Алушта", "Alushta"),
    ("Борщагівка", "Borshchahivka"),
    ("Вінниця", "Vinnytsia"),
    ("Гадяч", "Hadiach"),
    ("Згурський", "Zghurskyi"),
    ("Ґалаґан", "Galagan"),
    ("Донецьк", "Donetsk"),
    ("Єнакієве", "Yenakiieve"),
    ("Гаєвич", "Haievych"),
    ("Короп'є", "Koropie"),
    ("Житомир", "Zhytomyr"),
    ("Закарпаття", "Zakarpattia"),
    ("Іванків", "Ivankiv"),
    ("Їжакевич", "Yizhakevych"),
    ("Кадиївка", "Kadyivka"),
    ("Мар'їне", "Marine"),
    ("Йосипівка", "Yosypivka"),
    ("Стрий", "Stryi"),
    ("Київ", "Kyiv"),
    ("Миколаїв", "Mykolaiv"),
    ("Решетилівка", "Reshetylivka"),
    ("Харків", "Kharkiv"),
    ("Біла Церква", "Bila Tserkva"),
    ("Щербухи", "Shcherbukhy"),
    ("Корюківка", "Koriukivka"),
    ("Яготин", "Yahotyn"),
    ("Знам'янка", "Znamianka"),
    ("Феодосія", "Feodosiia"),
    ("Згорани", "Zghorany"),
]


@pytest.mark.parametrize(("uk", "latin"), KMU_EXAMPLES)
def test_kmu_latin_reproduces_the_resolutions_examples(uk: str, latin: str) -> None:
    assert kmu_latin(uk) == latin


def test_kmu_apostrophe_forms_are_all_dropped() -> None:
    assert {kmu_latin(n) for n in ("Словʼянськ", "Слов'янськ", "Слов’янськ")} == {"Sloviansk"}


@pytest.mark.parametrize(
    ("uk", "ru"),
    [
        ("Золоте", "Золотое"),
        ("Горлівка", "Горловка"),
        ("Мар'їнка", "Марьинка"),
        ("Станиця Луганська", "Станица Луганская"),
        ("Дебальцеве", "Дебальцево"),
        ("Авдіївка", "Авдеевка"),
        ("Олександрівка", "Александровка"),
        ("Нова Каховка", "Новая Каховка"),
        ("Лукʼянівка", "Лукьяновка"),
        ("Кам'янка", "Каменка"),
        ("Широкине", "Широкино"),
        ("Донецьк", "Донецк"),
    ],
)
def test_russianize_regular_correspondences(uk: str, ru: str) -> None:
    assert russianize(uk) == ru


def test_russianize_keeps_hyphens_and_capitals() -> None:
    assert russianize("Нижня Дуванка-Стара") == "Нижняя Дуванка-Старая"


@pytest.mark.parametrize(
    ("latin", "uk"),
    [
        ("Yats’kivka", "Яцьківка"),
        ("Levko-Romodan", "Левко-Ромодан"),
        ("Zelenyy Hay", "Зелений Гай"),
    ],
)
def test_cyrillic_from_latin(latin: str, uk: str) -> None:
    assert cyrillic_from_latin(latin) == uk
