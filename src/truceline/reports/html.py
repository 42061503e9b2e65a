"""Lay out a report :class:`~truceline.reports.document.Document` as one HTML file.

Self-contained: styles inline in the head, charts as inline SVG, no scripts, fonts,
images or links to fetch, so the file reads the same offline and its hash covers all of it.
"""

from __future__ import annotations

from html import escape

from truceline.reports.charts import inline_svg
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

STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:14px;line-height:1.45;color:#1a1a1a;
max-width:60rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.3rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;
margin-top:2rem}h3{font-size:1.05rem;margin-top:1.4rem}
.banner{font-weight:bold;background:#f3f3f3;border:1px solid #bbb;padding:.3rem .6rem;
display:inline-block}
table{border-collapse:collapse;margin:.6rem 0;font-size:13px}
th,td{border:1px solid #ccc;padding:.2rem .45rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem}
dl.meta dt{font-weight:bold}dl.meta dd{margin:0}
.note{font-size:12px;color:#444;font-style:italic}
blockquote{border-left:3px solid #999;margin:.4rem 0;padding:.1rem .8rem;background:#fafafa}
figure{margin:.8rem 0}figure svg{max-width:100%;height:auto}
footer{margin-top:2rem;border-top:1px solid #ccc;font-size:12px}
code{font-family:"DejaVu Sans Mono",monospace;word-break:break-all}
""".strip()


def _table(b: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in b.header)
    rows = []
    for row in b.rows:
        cells = "".join(
            f'<td class="n">{escape(c)}</td>' if b.is_numeric(i) else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def block(b: Block) -> str:
    if isinstance(b, Heading):
        return f"<h{b.level}>{escape(b.text)}</h{b.level}>"
    if isinstance(b, Para):
        if b.style == "quote":
            return f"<blockquote>{escape(b.text)}</blockquote>"
        cls = ' class="note"' if b.style == "note" else ""
        return f"<p{cls}>{escape(b.text)}</p>"
    if isinstance(b, Bullets):
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b.items) + "</ul>"
    if isinstance(b, Fields):
        items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in b.items)
        return f'<dl class="meta">{items}</dl>'
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Chart):
        caption = f"<figcaption>{escape(b.title)}</figcaption>"
        return (
            f'<figure role="img" aria-label="{escape(b.title)}">{inline_svg(b)}{caption}</figure>'
        )
    raise TypeError(f"unknown block {type(b).__name__}")


def render(doc: Document) -> bytes:
    """The document as one UTF-8 HTML file, with the digest placeholder (see ``digest``)."""
    token = PLACEHOLDER.decode("ascii")
    meta = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in doc.meta)
    body = "\n".join(block(b) for b in doc.blocks)
    footer = "".join(f"<p>{escape(line)}</p>" for line in doc.footer)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(doc.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(doc.title)}</title>\n"
        f'<meta name="truceline-digest" content="{token}">\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<p class="banner">{escape(doc.banner)}</p>\n'
        f"<h1>{escape(doc.title)}</h1>\n"
        f'<dl class="meta">{meta}</dl>\n'
        f"{body}\n"
        f"<footer>{footer}"
        f'<p class="banner">{escape(doc.banner)}</p>'
        f"<p>{escape(doc.digest_label)} <code>{token}</code></p></footer>\n"
        "</body>\n</html>\n"
    ).encode()
