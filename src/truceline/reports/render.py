"""Render a report model in a language and format, sealed with its own SHA-256.

``json`` is the report model itself (:func:`truceline.reports.model.as_jsonable`) with a
``digest`` member; ``md``, ``html`` and ``pdf`` lay out the same
:class:`~truceline.reports.document.Document`. Every format carries the digest the same
way (:mod:`truceline.reports.digest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import orjson

from truceline.gazetteer import Gazetteer
from truceline.reports import digest
from truceline.reports.compose import daily_document, spot_document
from truceline.reports.document import Document
from truceline.reports.i18n import Locale
from truceline.reports.model import DailyReport, Report, as_jsonable

Format = Literal["md", "html", "pdf", "json"]
FORMATS: tuple[str, ...] = ("md", "html", "pdf", "json")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    sha256: str
    media_type: str
    format: str
    lang: str


def document(report: Report, lang: str, gazetteer: Gazetteer) -> Document:
    loc = Locale(lang)
    if isinstance(report, DailyReport):
        return daily_document(report, loc, gazetteer)
    return spot_document(report, loc, gazetteer)


def _unsealed(report: Report, lang: str, fmt: str, gazetteer: Gazetteer) -> bytes:
    if fmt == "json":
        body = {"lang": lang, **as_jsonable(report), "digest": digest.PLACEHOLDER.decode()}
        return orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n"
    doc = document(report, lang, gazetteer)
    if fmt == "md":
        from truceline.reports.markdown import render as md

        return md(doc)
    if fmt == "html":
        from truceline.reports.html import render as html

        return html(doc)
    if fmt == "pdf":
        from truceline.reports.pdf import render as pdf

        return pdf(doc)
    raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")


def render(report: Report, lang: str, fmt: str, gazetteer: Gazetteer) -> Rendered:
    """The report in ``lang`` and ``fmt``, with its digest printed in it."""
    content, sha = digest.seal(_unsealed(report, lang, fmt, gazetteer))
    return Rendered(content, sha, MEDIA_TYPES[fmt], fmt, lang)
