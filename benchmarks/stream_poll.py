"""Benchmark: one poll of the live stream, with and without the indexes on its stamps.

Not part of the test suite. The stream (``GET /api/v1/stream``) reads every kind it sends
by the stamp of its storing, once a second for each client
(``truceline.api.routes.stream.changes_since``). This fills a migrated store with
``--events`` events (stored 50 to a worker step, as the live worker stores them, each
with a GeoJSON record of the usual size), then times a poll at the end of the table
with the store's indexes and again with the stamps' indexes dropped, side by side, as a
ratio. Run::

    .venv/bin/python benchmarks/stream_poll.py                      # SQLite, 1,000,000
    .venv/bin/python benchmarks/stream_poll.py --pg postgresql+psycopg://127.0.0.1/test

With ``--pg`` the PostgreSQL database given is emptied first (every Truceline table
dropped): give it a scratch database.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text

from truceline.access.policy import Principal
from truceline.api.routes.stream import changes_since
from truceline.formats.records import Markings
from truceline.services.rows import audience, markings_json
from truceline.store import tables
from truceline.store.engine import Store

STAMPS = (("events", "created_us"), ("provisional_events", "created_us"),
          ("findings", "created_us"), ("incidents", "updated_us"))  # fmt: skip
STEP = 50  # events stored with one stamp
T0_US = 1_772_337_600_000_000  # 2026-03-01T04:00:00Z
ANALYST = Principal("a", "GBR", frozenset({"analyst"}))


def _rows(lo: int, hi: int) -> list[dict[str, object]]:
    mk = Markings(releasable_to=["MISSION", "GBR"])
    out = []
    for i in range(lo, hi):
        props = {"id": f"ev-{i:016x}", "time": "2026-03-01T04:00:00Z", "phase": "impact",
                 "weapon": "artillery", "detections": [f"d-{i * 9 + k:09d}" for k in range(9)],
                 "n_sensors": 9, "error_ellipse": {"semi_major_m": 41.0, "semi_minor_m": 18.5,
                 "azimuth_deg": 62.0}, "side": "UA", "paired_with": None}  # fmt: skip
        record = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.8, 48.1]},
                  "properties": props}  # fmt: skip
        out.append({"id": props["id"], "time_us": T0_US + i * 1_000_000, "lat": 48.1,
                    "lon": 37.8, "phase": "impact", "weapon": "artillery", "side": "UA",
                    "paired_with": None, "n_sensors": 9, "record": orjson.dumps(record).decode(),
                    "originator": "MISSION", "markings": markings_json(mk),
                    "audience": audience(mk), "created_us": T0_US + (i // STEP)})  # fmt: skip
    return out


def fill(store: Store, n: int, progress: Progress) -> int:
    """Store ``n`` events; returns a cursor a few steps before the last stamp."""
    task = progress.add_task(f"{store.dialect}: storing events", total=n)
    for lo in range(0, n, 20_000):
        hi = min(n, lo + 20_000)
        with store.write() as conn:
            conn.execute(tables.events.insert(), _rows(lo, hi))
        progress.update(task, completed=hi)
    with store.write() as conn:
        conn.exec_driver_sql("ANALYZE")
    return T0_US + (n - 1) // STEP - 3


def poll_ms(store: Store, cursor: int, repeat: int) -> float:
    """Median milliseconds of one poll from ``cursor`` (after one to warm the cache)."""
    changes_since(store, ANALYST, cursor)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        items, _ = changes_since(store, ANALYST, cursor)
        times.append((time.perf_counter() - t0) * 1e3)
        assert len(items) >= STEP, "the poll reads the last steps' events"
    return statistics.median(times)


def run(store: Store, n: int, repeat: int, progress: Progress) -> tuple[float, float]:
    """(ms with the indexes, ms without) for one poll of a store of ``n`` events."""
    cursor = fill(store, n, progress)
    with_index = poll_ms(store, cursor, repeat)
    with store.write() as conn:
        for table, column in STAMPS:
            conn.execute(text(f"DROP INDEX ix_{table}_{column}"))
        conn.exec_driver_sql("ANALYZE")
    return with_index, poll_ms(store, cursor, repeat)


def _empty_pg(url: str) -> None:
    store = Store(url)
    with store.write() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--pg", help="a scratch PostgreSQL database's URL (emptied first)")
    args = ap.parse_args()
    console = Console()
    results = []
    with tempfile.TemporaryDirectory() as tmp, Progress(console=console) as progress:
        urls = [f"sqlite:///{Path(tmp) / 'stream.db'}"] + ([args.pg] if args.pg else [])
        for url in urls:
            if url.startswith("postgresql"):
                _empty_pg(url)
            store = Store(url)
            store.migrate()
            results.append((store.dialect, *run(store, args.events, args.repeat, progress)))
            store.dispose()
    table = Table(title=f"one stream poll, {args.events:,} events stored, median of "
                        f"{args.repeat}")  # fmt: skip
    for name in ("backend", "with the stamps' indexes, ms", "without, ms", "without / with"):
        table.add_column(name, justify="right")
    for dialect, with_ms, without_ms in results:
        table.add_row(dialect, f"{with_ms:.2f}", f"{without_ms:.1f}",
                      f"{without_ms / with_ms:,.0f}×")  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
