"""Each language renders completely: a Ukrainian or Russian report holds no English sentence
of the catalogue, and each says the day in its own words."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import FIXED_NOW_US
from tests.reports.conftest import load_demo_day
from truceline.gazetteer import default_gazetteer
from truceline.reports.i18n import catalogue_path
from truceline.reports.render import render
from truceline.services import reports as svc
from truceline.services.evidence import operator
from truceline.store.engine import Store

_PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def _english_sentences() -> list[str]:
    """The English text of every message of two words or more, cut at its placeholders."""
    with open(catalogue_path("uk", "po"), "rb") as fh:  # type: ignore[arg-type]
        catalogue = read_po(fh)
    out = set()
    for m in catalogue:
        for msgid in m.id if isinstance(m.id, tuple) else (m.id,):
            for piece in _PLACEHOLDER.split(msgid):
                piece = piece.strip(" ;:,.()—–")
                if len(_WORD.findall(piece)) >= 2 and "truceline report" not in piece:
                    out.add(piece)
    return sorted(out)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    tmp = tmp_path_factory.mktemp("langs")
    store = Store(f"sqlite:///{Path(tmp) / 'truceline.db'}")
    store.migrate()
    load_demo_day(store, Path(tmp))
    gaz = default_gazetteer()
    day = date(2026, 3, 2)
    out = {}
    with store.read() as conn:
        daily = svc.daily_report(conn, operator("cli:test"), day, now_us=FIXED_NOW_US)
        public = svc.daily_report(conn, operator("cli:test"), day, now_us=FIXED_NOW_US, public=True)
        grave = next(i for i in daily.incidents if i.grave)
        spot = svc.spot_report(conn, operator("cli:test"), grave.id, now_us=FIXED_NOW_US)
    for lang in ("en", "uk", "ru"):
        for name, report in (("daily", daily), ("public", public), ("spot", spot)):
            out[(lang, name)] = render(report, lang, "md", gaz).content.decode()
            out[(lang, name + ".html")] = render(report, lang, "html", gaz).content.decode()
    store.dispose()
    return out


def test_the_english_sentences_are_many() -> None:
    assert len(_english_sentences()) > 100


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_no_english_sentence_from_the_catalogue(
    rendered: dict[tuple[str, str], str], lang: str
) -> None:
    english = _english_sentences()
    for (lg, name), text in rendered.items():
        if lg != lang:
            continue
        found = [s for s in english if s in text]
        assert not found, (lang, name, found[:5])


def test_english_renders_its_own_sentences(rendered: dict[tuple[str, str], str]) -> None:
    """The check above can fail: the English report holds many of the catalogue's sentences."""
    english = _english_sentences()
    assert sum(1 for s in english if s in rendered[("en", "daily")]) > 30


def test_each_language_names_places_in_its_own_words(
    rendered: dict[tuple[str, str], str],
) -> None:
    assert "of Zolote (Luhansk oblast)" in rendered[("en", "daily")]
    assert "від н. п. Золоте (Луганська область)" in rendered[("uk", "daily")]
    assert "от н. п. Золотое (Луганская область)" in rendered[("ru", "daily")]
    assert "під контролем сторони UA" in rendered[("uk", "daily")]
    assert "под контролем стороны UA" in rendered[("ru", "daily")]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "a round of a salvo launched"),
        ("uk", "один зі снарядів залпу, випущеного"),
        ("ru", "один из снарядов залпа, выпущенного"),
    ],
)
def test_an_impact_attributed_by_its_salvo_says_so_in_each_language(
    rendered: dict[tuple[str, str], str], lang: str, words: str
) -> None:
    """ev-t06, an impact its salvo's first launch (ev-t01, on RU's ground) names: the daily
    report gives the responsible side and says the round is not known."""
    text = " ".join(rendered[(lang, "daily")].split())
    assert words in text
