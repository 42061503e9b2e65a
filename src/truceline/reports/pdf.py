"""Lay out a report :class:`~truceline.reports.document.Document` as PDF (ReportLab).

Text is set in DejaVu Sans, the TrueType font matplotlib ships (it covers Latin and
Cyrillic), embedded as a subset; charts are PNG. Two choices make the printed digest
checkable (``truceline.reports.digest``): page streams are written uncompressed, and the
digest token is set in the standard Courier font, so the token sits in the file as plain
ASCII that a text substitution can find; and the document is built ``invariant`` (no
creation date or random file id), so a rendering depends only on the report.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from truceline.reports.charts import render as render_chart
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

FONT, BOLD = "TrucelineSans", "TrucelineSans-Bold"
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
MIN_COL = 16 * mm


@lru_cache(maxsize=1)
def _fonts() -> None:
    """Register DejaVu Sans (regular, bold) from matplotlib's own font directory."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=4)
    return {
        "body": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=15, leading=19),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=12, leading=15, spaceBefore=10),
        "h3": ParagraphStyle("h3", base, fontName=BOLD, fontSize=10, leading=13, spaceBefore=6),
        "note": ParagraphStyle("note", base, fontSize=8, leading=10, textColor=colors.dimgrey),
        "quote": ParagraphStyle("quote", base, leftIndent=10, textColor=colors.black),
        "cell": ParagraphStyle("cell", base, fontSize=7.5, leading=9, spaceAfter=0),
        "num": ParagraphStyle("num", base, fontSize=7.5, leading=9, spaceAfter=0, alignment=2),
        "banner": ParagraphStyle("banner", base, fontName=BOLD, backColor=colors.whitesmoke),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _widths(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[float]:
    """Column widths: each at least :data:`MIN_COL`, the rest shared by longest text."""
    n = len(header)
    longest = [max([len(header[i]), *(len(r[i]) for r in rows)]) for i in range(n)]
    weights = [min(max(k, 4), 60) for k in longest]
    spare = max(WIDTH - n * MIN_COL, 0.0)
    total = sum(weights)
    return [MIN_COL + spare * w / total for w in weights]


def _table(b: Table, st: dict[str, ParagraphStyle]) -> PdfTable:
    head = [Paragraph(f"<b>{escape(h)}</b>", st["cell"]) for h in b.header]
    body = [
        [_p(c, st["num"] if b.is_numeric(i) else st["cell"]) for i, c in enumerate(row)]
        for row in b.rows
    ]
    table = PdfTable([head, *body], colWidths=_widths(b.header, b.rows), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _block(b: Block, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    if isinstance(b, Heading):
        return [_p(b.text, st["h2" if b.level <= 2 else "h3"])]
    if isinstance(b, Para):
        return [_p(b.text, st.get(b.style, st["body"]))]
    if isinstance(b, Bullets):
        items = [ListItem(_p(i, st["body"]), leftIndent=10) for i in b.items]
        return [ListFlowable(items, bulletType="bullet", start="•", leftIndent=10)]
    if isinstance(b, Fields):
        table = PdfTable(
            [[Paragraph(f"<b>{escape(k)}</b>", st["cell"]), _p(v, st["cell"])] for k, v in b.items],
            colWidths=[WIDTH * 0.28, WIDTH * 0.72],
        )
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [table, Spacer(1, 4)]
    if isinstance(b, Table):
        return [_table(b, st), Spacer(1, 4)]
    if isinstance(b, Chart):
        png = render_chart(b, "png")
        return [Image(io.BytesIO(png), width=WIDTH, height=WIDTH * 3.0 / 7.0)]
    raise TypeError(f"unknown block {type(b).__name__}")


def render(doc: Document) -> bytes:
    """The document as PDF bytes, with the digest placeholder (see ``digest``)."""
    _fonts()
    st = _styles()
    buf = io.BytesIO()

    def decorate(canvas: object, pdf_doc: object) -> None:
        c = canvas
        c.saveState()  # type: ignore[attr-defined]
        c.setFont(FONT, 7.5)  # type: ignore[attr-defined]
        c.drawString(MARGIN, A4[1] - 10 * mm, doc.banner)  # type: ignore[attr-defined]
        c.drawRightString(  # type: ignore[attr-defined]
            A4[0] - MARGIN,
            8 * mm,
            str(c.getPageNumber()),  # type: ignore[attr-defined]
        )
        c.restoreState()  # type: ignore[attr-defined]

    template = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=doc.title,
        author="Truceline",
        lang=doc.lang,
        invariant=1,
        pageCompression=0,
    )
    story: list[Flowable] = [_p(doc.banner, st["banner"]), _p(doc.title, st["title"])]
    story += [Paragraph(f"<b>{escape(k)}:</b> {escape(v)}", st["body"]) for k, v in doc.meta]
    for b in doc.blocks:
        story += _block(b, st)
    story += [Spacer(1, 10), *(_p(line, st["note"]) for line in doc.footer)]
    token = PLACEHOLDER.decode("ascii")
    story.append(
        Paragraph(f'{escape(doc.digest_label)} <font face="Courier">{token}</font>', st["body"])
    )
    template.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()
