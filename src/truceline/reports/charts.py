"""Charts of a report with matplotlib: SVG for HTML, PNG for PDF.

Figures are built with the object-oriented API (no pyplot state) in an ``rc_context``,
with a fixed SVG hash salt and no date stamp, so the same chart gives the same bytes and a
report's hash does not change between two renderings of the same data. Text is set in
DejaVu Sans, which matplotlib ships and which covers Cyrillic.
"""

from __future__ import annotations

import io
import re
import textwrap
from typing import Any, Literal

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from truceline.reports.document import Chart

# Okabe & Ito (2008), a palette that colour-blind readers can tell apart.
PALETTE = ("#0072B2", "#D55E00", "#999999", "#009E73", "#E69F00", "#56B4E9", "#CC79A7")
RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.fonttype": "none",
    "svg.hashsalt": "truceline-report",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figure(chart: Chart) -> Figure:
    fig = Figure(figsize=(7.0, 3.0), dpi=150, layout="constrained")
    ax = fig.add_subplot()
    n = len(chart.categories)
    xs = list(range(n))
    bottoms = [0.0] * n
    width = 0.8 if chart.stacked or len(chart.series) == 1 else 0.8 / len(chart.series)
    for k, (label, values) in enumerate(chart.series):
        colour = PALETTE[k % len(PALETTE)]
        if chart.stacked or len(chart.series) == 1:
            ax.bar(xs, values, width, bottom=bottoms, label=label, color=colour)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
            if k == len(chart.series) - 1:  # totals on top of each stack
                for x, total in zip(xs, bottoms, strict=True):
                    if total:
                        ax.annotate(
                            f"{total:g}",
                            (x, total),
                            ha="center",
                            va="bottom",
                            fontsize=8,
                            xytext=(0, 2),
                            textcoords="offset points",
                        )
        else:
            offset = (k - (len(chart.series) - 1) / 2) * width
            bars = ax.bar([x + offset for x in xs], values, width, label=label, color=colour)
            ax.bar_label(bars, fmt="%g", fontsize=7)
    ax.set_xticks(xs, list(chart.categories))
    ax.set_ylabel(chart.y_label)
    ax.set_title(textwrap.fill(chart.title, 64), loc="left")
    ax.margins(y=0.12)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(chart.series) > 1:
        ax.legend(frameon=False, fontsize=8)
    return fig


def render(chart: Chart, fmt: Literal["svg", "png"]) -> bytes:
    """The chart as SVG text (UTF-8) or PNG bytes."""
    with rc_context(RC):  # type: ignore[arg-type]
        fig = _figure(chart)
        buf = io.BytesIO()
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, metadata=meta)
    return buf.getvalue()


def inline_svg(chart: Chart) -> str:
    """The SVG element alone (no XML prolog or doctype), for embedding in HTML."""
    text = render(chart, "svg").decode("utf-8")
    start = text.find("<svg")
    svg = text[start:]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
