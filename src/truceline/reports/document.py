"""A report written in one language, as blocks any renderer can lay out (pure).

:mod:`truceline.reports.compose` turns a report model into a :class:`Document`; the
Markdown, HTML and PDF renderers each lay out the same blocks, so the three formats
always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DIGEST_TOKEN = "report-sha256:"
"""Marks the report's own SHA-256 in every format (see :mod:`truceline.reports.digest`)."""


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Para:
    text: str
    style: str = "normal"  # "normal", "note" (smaller, a caveat), "quote" (someone's words)


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()  # right-align these columns

    def is_numeric(self, col: int) -> bool:
        return col < len(self.numeric) and self.numeric[col]


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value pairs (an incident's particulars)."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart: one bar group per category, one bar per series (see ``charts``)."""

    name: str  # stable id: "by_sector_side", "trend"
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    y_label: str
    stacked: bool = False


Block = Heading | Para | Bullets | Table | Fields | Chart


@dataclass(frozen=True, slots=True)
class Document:
    lang: str
    title: str
    banner: str  # the markings line, printed at the top and bottom
    meta: tuple[tuple[str, str], ...]
    blocks: tuple[Block, ...]
    digest_label: str  # the sentence that introduces the report's own hash
    footer: tuple[str, ...] = field(default=())
