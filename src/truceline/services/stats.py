"""Statistics people compare: violations per day by sector and responsible side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from truceline.access.policy import Principal
from truceline.agreement.spatial import AgreementIndex
from truceline.services.agreements import latest_agreement
from truceline.store import tables
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros


def violations_per_day(
    conn: Connection, principal: Principal, *, start_us: int | None, end_us: int | None
) -> list[dict[str, Any]]:
    """Count visible ``fire`` findings per UTC day, sector and responsible side.

    Counts only what the caller may see, so the chart and the API agree for every principal.
    """
    f = tables.findings
    q = select(f.c.time_us, f.c.lat, f.c.lon, f.c.responsible_side).where(
        visible(f, principal), f.c.rule == "fire"
    )
    if start_us is not None:
        q = q.where(f.c.time_us >= start_us)
    if end_us is not None:
        q = q.where(f.c.time_us < end_us)
    latest = latest_agreement(conn)
    index = AgreementIndex(latest) if latest is not None else None
    counts: dict[tuple[str, str, str], int] = {}
    for row in conn.execute(q):
        sector = "unassigned"
        if index is not None and row.lat is not None:
            found = index.sectors_at(row.lat, row.lon)
            sector = found[0].label if found else "outside sectors"
        key = (
            format_time(from_micros(row.time_us))[:10],
            sector,
            row.responsible_side or "not attributed",
        )
        counts[key] = counts.get(key, 0) + 1
    return [
        {"date": d, "sector": s, "responsible_side": r, "count": n}
        for (d, s, r), n in sorted(counts.items())
    ]
