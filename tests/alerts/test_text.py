"""Headlines and descriptions in English, Ukrainian and Russian, with plural forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from truceline.alerts import text
from truceline.alerts.text import LANGS, Lang, counted, plural_category

CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


@pytest.mark.parametrize(
    ("n", "uk", "ru"),
    [
        (1, "1 порушення", "1 нарушение"),
        (2, "2 порушення", "2 нарушения"),
        (5, "5 порушень", "5 нарушений"),
        (11, "11 порушень", "11 нарушений"),
        (21, "21 порушення", "21 нарушение"),
        (22, "22 порушення", "22 нарушения"),
        (25, "25 порушень", "25 нарушений"),
        (112, "112 порушень", "112 нарушений"),
    ],
)
def test_violation_plurals(n: int, uk: str, ru: str) -> None:
    assert counted(text.VIOLATIONS, n, "uk").startswith(uk + " ")
    assert counted(text.VIOLATIONS, n, "ru").startswith(ru + " ")


@pytest.mark.parametrize(
    ("n", "en", "uk", "ru"),
    [
        (1, "in 1 hour", "за 1 годину", "за 1 час"),
        (3, "in 3 hours", "за 3 години", "за 3 часа"),
        (6, "in 6 hours", "за 6 годин", "за 6 часов"),
        (21, "in 21 hours", "за 21 годину", "за 21 час"),
    ],
)
def test_hour_plurals(n: int, en: str, uk: str, ru: str) -> None:
    assert [counted(text.IN_HOURS, n, lang) for lang in LANGS] == [en, uk, ru]


def test_plural_categories_follow_cldr() -> None:
    assert [plural_category(n, "en") for n in (0, 1, 2)] == ["other", "one", "other"]
    assert [plural_category(n, "uk") for n in (0, 1, 4, 12, 14, 101, 104)] == [
        "many",
        "one",
        "few",
        "many",
        "many",
        "one",
        "few",
    ]


def escalation() -> dict[str, Any]:
    return {
        "id": "al-1",
        "kind": "escalation",
        "sector": "Donetsk north",
        "time": "2026-03-11T05:19:55Z",
        "onset": "2026-03-11T00:00:00Z",
        "place": {
            "en": "2.8 km south-east of Holmivskyi (Donetsk oblast)",
            "uk": "за 2,8 км на південний схід від н. п. Голмівський (Донецька область)",
            "ru": "в 2,8 км к юго-востоку от н. п. Гольмовский (Донецкая область)",
        },
        "statistic": {
            "observed": 12,
            "expected": 2.62,
            "ratio": 4.58,
            "hours": 6,
            "baseline_per_hour": 0.4286,
            "window_hours": 168.0,
            "rho": 2.0,
            "threshold": 4.27,
            "statistic": 5.7,
            "arl0_hours": 720.0,
        },
    }


def grave() -> dict[str, Any]:
    return {
        "id": "al-2",
        "kind": "grave",
        "sector": "Donetsk south",
        "place": escalation()["place"],
        "finding": {
            "id": "fd-1",
            "rule": "fire_at_protected_site",
            "time": "2026-03-02T02:10:02Z",
            "basis": "impact 250 m from Donetsk Filter Station.",
            "responsible_side": None,
            "affected_side": "RU",
        },
    }


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("make", [escalation, grave])
def test_each_language_renders_completely(lang: Lang, make: Any) -> None:
    alert = make()
    for rendered in (
        text.headline(alert, lang),
        text.description(alert, lang),
        text.event(alert, lang),
    ):
        assert "{" not in rendered and "}" not in rendered
        if lang == "en":
            assert not CYRILLIC.search(rendered)
        else:
            assert CYRILLIC.search(rendered)
            # English words only where they are names or quoted data: the sector, the method,
            # the finding's basis (quoted as English), the rule id, UTC
            allowed = {
                "Donetsk",
                "north",
                "south",
                "CUSUM",
                "impact",
                "from",
                "Filter",
                "Station",
                "fire_at_protected_site",
            }
            assert set(LATIN_WORD.findall(rendered)) <= allowed, rendered


def test_numbers_use_the_languages_decimal_mark() -> None:
    alert = escalation()
    assert "4.6×" in text.headline(alert, "en")
    assert "4,6×" in text.headline(alert, "uk") and "4,6×" in text.headline(alert, "ru")
    assert "12 fire violations in 6 hours" in text.headline(alert, "en")
    assert "12 порушень режиму припинення вогню за 6 годин" in text.headline(alert, "uk")
    assert "12 нарушений режима прекращения огня за 6 часов" in text.headline(alert, "ru")


def test_grave_names_the_missing_side() -> None:
    assert "Responsible side: not determined" in text.description(grave(), "en")
    assert "не встановлено" in text.description(grave(), "uk")
