"""The report's language: gettext catalogues (Babel) and locale-aware numbers and dates.

Message ids are English sentences with named ``%(...)s`` placeholders; the Ukrainian and
Russian catalogues hold whole translated sentences, never fragments to be glued together,
because word order and case differ between the three languages. Plural forms follow each
catalogue's ``Plural-Forms`` header (three forms for Ukrainian and Russian: 1 вибух,
2 вибухи, 5 вибухів). Numbers and dates are formatted with Babel from CLDR data.

Catalogues live in ``locales/<lang>/LC_MESSAGES/truceline.po`` with the compiled ``.mo``
beside them (both committed; see docs/reports.md for the ``pybabel`` workflow). Loading
reads packaged files once per language; everything else here is pure.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Protocol, cast

from babel.dates import format_date as _format_date
from babel.dates import format_time as _format_time
from babel.numbers import format_decimal as _format_decimal
from babel.support import NullTranslations, Translations

from truceline.gazetteer.model import LANGS as LANGS
from truceline.gazetteer.model import Lang as Lang

DOMAIN = "truceline"


class Gettext(Protocol):
    """What the text layer needs from a catalogue (gettext's own method names, so that
    ``pybabel extract`` finds every call with its default keywords)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: one of {', '.join(LANGS)}")
    return lang


def catalogue_path(lang: Lang, suffix: str = "mo") -> str:
    """Where the packaged catalogue of ``lang`` is (``.po`` or ``.mo``)."""
    base = resources.files("truceline.reports") / "locales" / lang / "LC_MESSAGES"
    return str(base / f"{DOMAIN}.{suffix}")


@cache
def translations(lang: Lang) -> Gettext:
    """The compiled catalogue of ``lang`` (English: the message ids themselves)."""
    check_lang(lang)
    if lang == "en":
        return cast(Gettext, NullTranslations())
    with open(catalogue_path(lang, "mo"), "rb") as fh:
        return cast(Gettext, Translations(BytesIO(fh.read()), domain=DOMAIN))


class Locale:
    """One language's catalogue and formatters, passed to everything that writes text."""

    def __init__(self, lang: str, catalogue: Gettext | None = None) -> None:
        self.lang: Lang = check_lang(lang)
        self.t: Gettext = catalogue if catalogue is not None else translations(self.lang)

    def number(self, value: float, *, digits: int = 1) -> str:
        """A count or measure: grouping and decimal mark of the locale (1,234.5 / 1 234,5)."""
        pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
        return str(_format_decimal(value, format=pattern, locale=self.lang))

    def date(self, day: dt.date) -> str:
        """Long date: March 2, 2026 / 2 березня 2026 р. / 2 марта 2026 г."""
        return str(_format_date(day, format="long", locale=self.lang))

    def short_date(self, day: dt.date) -> str:
        """Day and abbreviated month for chart axes: 2 Mar / 2 бер. / 2 мар."""
        return str(_format_date(day, format="d MMM", locale=self.lang))

    def time(self, when: dt.datetime) -> str:
        """UTC clock time, 24-hour (the caller's sentence says "UTC")."""
        return str(_format_time(when, format="HH:mm", tzinfo=dt.UTC, locale=self.lang))

    def datetime(self, when: dt.datetime) -> str:
        """Date and UTC time in one phrase of the locale's catalogue."""
        return self.t.gettext("%(date)s, %(time)s UTC") % {
            "date": self.date(when.date()),
            "time": self.time(when),
        }
