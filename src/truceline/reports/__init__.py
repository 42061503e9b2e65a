"""Reports people can read and check, in English, Ukrainian and Russian.

Pure apart from reading its packaged catalogues and fonts: build a report model from data
passed in (:mod:`.build`), write it in a language (:mod:`.compose`), lay it out as
Markdown, HTML or PDF (:mod:`.render`), each sealed with its own SHA-256 (:mod:`.digest`).
``truceline.services.reports`` gathers the data from the store; docs/reports.md explains
the counting rules, the public report's coarsening and how a reader checks a report.
"""

from __future__ import annotations

from truceline.reports.build import (
    Context,
    DailyInputs,
    IncidentInput,
    ObservationInput,
    SensorInfo,
    build_daily,
    build_spot,
)
from truceline.reports.digest import check, seal
from truceline.reports.i18n import LANGS, Locale
from truceline.reports.model import DailyReport, SpotReport, as_jsonable
from truceline.reports.render import FORMATS, Rendered, render

__all__ = [
    "FORMATS",
    "LANGS",
    "Context",
    "DailyInputs",
    "DailyReport",
    "IncidentInput",
    "Locale",
    "ObservationInput",
    "Rendered",
    "SensorInfo",
    "SpotReport",
    "as_jsonable",
    "build_daily",
    "build_spot",
    "check",
    "render",
    "seal",
]
