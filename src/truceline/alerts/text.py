"""An alert's event name, headline and description in English, Ukrainian and Russian (pure).

Every sentence is one template per language with named placeholders; no sentence is built
from translated fragments. Counted nouns take the plural form the number asks for, by the
CLDR rules (Babel's data, as the reports use): English ``one``/``other``; Ukrainian and
Russian ``one`` (1, 21, 101 ...), ``few`` (2-4, 22-24 ...) and ``many`` (0, 5-20, 25 ...):
"1 порушення, 2 порушення, 5 порушень". Places come already described in each language
(the gazetteer does that); sector names are the agreement's. A finding's ``basis`` exists
only in English and is quoted as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from babel import Locale

from truceline.gazetteer.model import LANGS as LANGS
from truceline.gazetteer.model import Lang as Lang


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(lang)


def plural_category(n: int, lang: Lang) -> str:
    """The CLDR plural category of the integer ``n`` in ``lang`` (Babel's CLDR data)."""
    return str(_locale(lang).plural_form(n))


VIOLATIONS: dict[Lang, dict[str, str]] = {
    "en": {"one": "fire violation", "other": "fire violations"},
    "uk": {
        "one": "порушення режиму припинення вогню",
        "few": "порушення режиму припинення вогню",
        "many": "порушень режиму припинення вогню",
    },
    "ru": {
        "one": "нарушение режима прекращения огня",
        "few": "нарушения режима прекращения огня",
        "many": "нарушений режима прекращения огня",
    },
}
IN_HOURS: dict[Lang, dict[str, str]] = {  # "in N hours" / "за N годин" / "за N часов"
    "en": {"one": "in {n} hour", "other": "in {n} hours"},
    "uk": {"one": "за {n} годину", "few": "за {n} години", "many": "за {n} годин"},
    "ru": {"one": "за {n} час", "few": "за {n} часа", "many": "за {n} часов"},
}


def counted(forms: Mapping[Lang, Mapping[str, str]], n: int, lang: Lang) -> str:
    """``n`` with the noun phrase in the form its number takes."""
    form = forms[lang][plural_category(n, lang)]
    return form.format(n=n) if "{n}" in form else f"{n} {form}"


def number(x: float, lang: Lang, digits: int = 1) -> str:
    """A decimal number as the language writes it (decimal comma in Ukrainian and Russian)."""
    text = f"{x:.{digits}f}"
    return text if lang == "en" else text.replace(".", ",")


EVENT: dict[str, dict[Lang, str]] = {
    "escalation": {
        "en": "Ceasefire escalation",
        "uk": "Ескалація порушень режиму припинення вогню",
        "ru": "Эскалация нарушений режима прекращения огня",
    },
    "grave": {
        "en": "Grave ceasefire violation",
        "uk": "Грубе порушення режиму припинення вогню",
        "ru": "Грубое нарушение режима прекращения огня",
    },
}
SENDER_NAME: dict[Lang, str] = {
    "en": "Truceline ceasefire monitoring",
    "uk": "Truceline: моніторинг припинення вогню",
    "ru": "Truceline: мониторинг прекращения огня",
}
ESCALATION_HEADLINE: dict[Lang, str] = {
    "en": "Escalation in sector {sector}: {violations} {hours} ({ratio}× the expected {expected})",
    "uk": "Ескалація в секторі {sector}: {violations} {hours} ({ratio}× від очікуваних {expected})",
    "ru": "Эскалация в секторе {sector}: {violations} {hours} ({ratio}× от ожидаемых {expected})",
}
ESCALATION_DESCRIPTION: dict[Lang, str] = {
    "en": "From {start} to {end} UTC, {violations} were found in sector {sector}, centred "
    "{place}; the rate of the {window} h before ({rate} per hour) predicts {expected}. "
    "A one-sided Poisson CUSUM tuned to a {rho}-fold rise crossed its threshold ({h}; by "
    "design one false alarm per {arl} h). Findings are machine conclusions pending "
    "verification.",
    "uk": "З {start} до {end} UTC у секторі {sector} виявлено {violations} з центром "
    "{place}; рівень попередніх {window} год ({rate} на годину) передбачає {expected}. "
    "Односторонній пуассонівський CUSUM, налаштований на {rho}-кратне зростання, перетнув "
    "поріг ({h}; за задумом одна хибна тривога на {arl} год). Висновки зроблено "
    "автоматично; вони очікують перевірки.",
    "ru": "С {start} по {end} UTC в секторе {sector} выявлено {violations} с центром "
    "{place}; уровень предыдущих {window} ч ({rate} в час) предсказывает {expected}. "
    "Односторонний пуассоновский CUSUM, настроенный на {rho}-кратный рост, пересёк порог "
    "({h}; по замыслу одна ложная тревога на {arl} ч). Выводы сделаны автоматически и "
    "ожидают проверки.",
}
GRAVE_WHAT: dict[str, dict[Lang, str]] = {
    "fire_at_protected_site": {
        "en": "fire at a protected site",
        "uk": "вогонь по захищеному об'єкту",
        "ru": "огонь по охраняемому объекту",
    },
    "fire_in_disengagement_area": {
        "en": "fire in a disengagement area",
        "uk": "вогонь у районі розведення сил",
        "ru": "огонь в районе разведения сил",
    },
    "fire": {
        "en": "fire causing casualties",
        "uk": "вогонь, що спричинив жертви",
        "ru": "огонь, повлёкший жертвы",
    },
}
GRAVE_HEADLINE: dict[Lang, str] = {
    "en": "Grave violation: {what}, {place}",
    "uk": "Грубе порушення: {what}, {place}",
    "ru": "Грубое нарушение: {what}, {place}",
}
GRAVE_DESCRIPTION: dict[Lang, str] = {
    "en": "At {time} UTC: {basis}. Responsible side: {responsible}; affected side: "
    "{affected}. Finding {finding} ({rule}); a machine conclusion pending verification.",
    "uk": "{time} UTC: {basis} (англійською). Відповідальна сторона: {responsible}; "
    "постраждала сторона: {affected}. Висновок {finding} ({rule}) зроблено автоматично; він "
    "очікує перевірки.",
    "ru": "{time} UTC: {basis} (на английском). Ответственная сторона: {responsible}; "
    "пострадавшая сторона: {affected}. Вывод {finding} ({rule}) сделан автоматически и "
    "ожидает проверки.",
}
NO_SIDE: dict[Lang, str] = {"en": "not determined", "uk": "не встановлено", "ru": "не установлена"}
UNPLACED: dict[Lang, str] = {
    "en": "location not given",
    "uk": "місце не вказано",
    "ru": "место не указано",
}


def _when(iso: str) -> str:
    """``2026-03-02T02:10:02Z`` as ``2026-03-02 02:10``."""
    return iso[:16].replace("T", " ")


def _place(alert: Mapping[str, Any], lang: Lang) -> str:
    place = alert.get("place") or {}
    return str(place.get(lang) or place.get("en") or UNPLACED[lang])


def event(alert: Mapping[str, Any], lang: Lang) -> str:
    return EVENT[str(alert["kind"])][lang]


def headline(alert: Mapping[str, Any], lang: Lang) -> str:
    """One line, as CAP recommends (under 160 characters for the common cases)."""
    if alert["kind"] == "escalation":
        s = alert["statistic"]
        return ESCALATION_HEADLINE[lang].format(
            sector=alert["sector"],
            violations=counted(VIOLATIONS, int(s["observed"]), lang),
            hours=counted(IN_HOURS, int(s["hours"]), lang),
            ratio=number(float(s["ratio"]), lang),
            expected=number(float(s["expected"]), lang),
        )
    f = alert["finding"]
    what = GRAVE_WHAT.get(str(f["rule"]), {"en": f["rule"], "uk": f["rule"], "ru": f["rule"]})
    return GRAVE_HEADLINE[lang].format(what=what[lang], place=_place(alert, lang))


def description(alert: Mapping[str, Any], lang: Lang) -> str:
    if alert["kind"] == "escalation":
        s = alert["statistic"]
        return ESCALATION_DESCRIPTION[lang].format(
            start=_when(str(alert["onset"])),
            end=_when(str(alert["time"])),
            violations=counted(VIOLATIONS, int(s["observed"]), lang),
            sector=alert["sector"],
            place=_place(alert, lang),
            window=int(s["window_hours"]),
            rate=number(float(s["baseline_per_hour"]), lang, 2),
            expected=number(float(s["expected"]), lang),
            rho=number(float(s["rho"]), lang).removesuffix(".0").removesuffix(",0"),
            h=number(float(s["threshold"]), lang, 2),
            arl=round(float(s["arl0_hours"])),
        )
    f = alert["finding"]
    return GRAVE_DESCRIPTION[lang].format(
        time=_when(str(f["time"])),
        basis=str(f["basis"]).rstrip("."),
        responsible=f.get("responsible_side") or NO_SIDE[lang],
        affected=f.get("affected_side") or NO_SIDE[lang],
        finding=f["id"],
        rule=f["rule"],
    )
