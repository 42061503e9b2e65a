"""Lay out a report :class:`~truceline.reports.document.Document` as Markdown (pure).

CommonMark with GitHub-style pipe tables. Charts become tables of their numbers, since a
self-contained Markdown file cannot carry a picture every viewer shows.
"""

from __future__ import annotations

import re

from truceline.reports.digest import PLACEHOLDER
from truceline.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Fields,
    Heading,
    Para,
    Table,
)

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def esc(text: str) -> str:
    """Escape Markdown punctuation and fold newlines, so data never becomes markup."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _table(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...], numeric: list[bool]) -> str:
    lines = ["| " + " | ".join(esc(h) for h in header) + " |"]
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _number(v: float) -> str:
    return f"{v:g}"


def block(b: Block) -> str:
    if isinstance(b, Heading):
        return "#" * b.level + " " + esc(b.text)
    if isinstance(b, Para):
        if b.style == "note":
            return "*" + esc(b.text) + "*"
        if b.style == "quote":
            return "> " + esc(b.text)
        return esc(b.text)
    if isinstance(b, Bullets):
        return "\n".join("- " + esc(i) for i in b.items)
    if isinstance(b, Fields):
        return "\n".join(f"- **{esc(k)}:** {esc(v)}" for k, v in b.items)
    if isinstance(b, Table):
        numeric = [b.is_numeric(i) for i in range(len(b.header))]
        return _table(b.header, b.rows, numeric)
    if isinstance(b, Chart):
        header = ("", *(label for label, _ in b.series))
        rows = tuple(
            (cat, *(_number(values[i]) for _, values in b.series))
            for i, cat in enumerate(b.categories)
        )
        return (
            "**" + esc(b.title) + "**\n\n" + _table(header, rows, [False] + [True] * len(b.series))
        )
    raise TypeError(f"unknown block {type(b).__name__}")


def render(doc: Document) -> bytes:
    """The document as UTF-8 Markdown, with the digest placeholder (see ``digest``)."""
    parts = [f"# {esc(doc.title)}", f"**{esc(doc.banner)}**"]
    parts.append("\n".join(f"- **{esc(k)}:** {esc(v)}" for k, v in doc.meta))
    parts += [block(b) for b in doc.blocks]
    parts.append("---")
    parts += [f"*{esc(line)}*" for line in doc.footer]
    parts.append(f"**{esc(doc.banner)}**")
    parts.append(f"{esc(doc.digest_label)} `{PLACEHOLDER.decode('ascii')}`")
    return ("\n\n".join(parts) + "\n").encode("utf-8")
