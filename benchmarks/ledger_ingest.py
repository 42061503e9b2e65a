"""Benchmark: does the ledger limit ingest? 100,000 detections with and without it.

Not part of the test suite. Run::

    .venv/bin/python benchmarks/ledger_ingest.py                    # SQLite, 100,000
    .venv/bin/python benchmarks/ledger_ingest.py --records 20000 --pg postgresql+psycopg://...

Five measurements on the same rows:

1. ``ingest()`` of N detections (parse, validate, build rows, insert) WITHOUT the ledger
   (``append_records`` replaced by a no-op);
2. the same WITH the ledger (a salted RFC 8785 leaf per row, the new subtrees, the head,
   all in the ingest transaction) — the difference is what the ledger costs ingest;
3. ``append_records`` alone on the N stored rows, in the ingest chunk size, into a new
   log: leaves per second of the whole append path (hashing + tree + SQL inserts);
4. the same without storage: salted envelopes, leaf hashes and new subtrees in memory;
5. the same leaf data appended to pymerkle's ``InmemoryTree`` (if installed): an
   in-memory Python Merkle library doing the hashing and tree part of the same work
   (it is handed the envelopes ready-made, so it does less than 4).
"""

from __future__ import annotations

import argparse
import gc
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
from sqlalchemy import select, text

from truceline.formats.readers import iter_body, iter_sensor_csv
from truceline.ledger import (
    MemoryNodeStore,
    leaf_data,
    leaf_hash,
    nodes_to_store_on_append_batch,
)
from truceline.ledger.hashing import canonical_object, leaf_data_canonical
from truceline.services import ingest as ingest_module
from truceline.services.ingest import CHUNK, KINDS, ingest
from truceline.services.ledger import append_records, tree_size
from truceline.services.ledger_kinds import get_kind
from truceline.store import tables
from truceline.store.engine import Store

SENSORS = """id,kind,lat,lon,alt_m,owner,timing_sigma_ms,bearing_sigma_deg,active_from
AC-0001,acoustic,48.1612,37.7420,212,USA,1.5,,2026-01-01T00:00:00Z
AA-0002,acoustic_array,48.2004,37.9011,198,GBR,2.0,3.0,2026-01-01T00:00:00Z
"""
NOW = 1_772_409_600_000_000


def detections(n: int) -> bytes:
    lines = []
    for i in range(n):
        s, us = divmod(i, 1000)
        rec = {
            "id": f"d-{i:07d}",
            "sensor": "AA-0002" if i % 3 == 0 else "AC-0001",
            "time": f"2026-03-02T{s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}."
            f"{us * 1000:06d}Z",
            "phase": "impact" if i % 2 else "launch",
            "weapon": "artillery",
            "snr_db": round(5 + (i % 97) / 7, 3),
        }
        if i % 3 == 0:
            rec["bearing_deg"] = round((i * 7.3) % 360, 2)
        lines.append(orjson.dumps(rec))
    return b"\n".join(lines)


def fresh_store(url: str | None, folder: Path, name: str) -> Store:
    if url is None:
        store = Store(f"sqlite:///{folder / name}.db")
    else:
        store = Store(url)
        with store.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    store.migrate()
    results = iter_sensor_csv(iter(SENSORS.splitlines(keepends=True)), source="sensors.csv")
    ingest(store, KINDS["sensors"], results, source="sensors.csv", now_us=NOW)
    return store


class Timing:
    """Wall-clock and this process's CPU seconds (on a shared machine the CPU time is the
    fairer figure: SQLite runs in-process, so its work is counted; waiting for others isn't)."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def rates(self, n: int) -> str:
        return (
            f"{self.wall:7.2f} s wall {n / self.wall:>9,.0f}/s | "
            f"{self.cpu:7.2f} s CPU {n / self.cpu:>9,.0f}/s"
        )


def timed(fn: Callable[[], Any]) -> Timing:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def run_ingest(store: Store, body: bytes) -> None:
    kind = KINDS["detections"]
    report = ingest(store, kind, iter_body(body, kind.model, source="b"), source="b", now_us=NOW)
    assert report.inserted == body.count(b"\n") + 1


def stored_rows(store: Store) -> Iterator[list[dict[str, Any]]]:
    t = tables.detections
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def append_only(chunks: list[list[dict[str, Any]]], url: str | None, folder: Path) -> Timing:
    """Append a leaf for every stored detection row, in ingest-sized chunks, to a new log."""
    store = fresh_store(url, folder, "append")

    def work() -> None:
        with store.write() as conn:
            for chunk in chunks:
                append_records(conn, "detections", chunk, now_us=NOW)

    timing = timed(work)
    store.dispose()
    return timing


def in_memory(chunks: list[list[dict[str, Any]]]) -> Timing:
    """The append path without storage: salted envelopes, leaf hashes, new subtrees."""
    kind = get_kind("detections")
    assert kind is not None
    nodes = MemoryNodeStore()

    def work() -> None:
        size = 0
        for chunk in chunks:
            markings: dict[str, bytes] = {}
            hashes = []
            for row in chunk:
                text = row["markings"]
                if text not in markings:
                    markings[text] = canonical_object(orjson.loads(text))
                data = leaf_data_canonical(
                    canonical_object(kind.record_of(row)),
                    markings[text],
                    kind="detections",
                    record_id=row["id"],
                    salt=secrets.token_bytes(32),
                )
                hashes.append(leaf_hash(data))
            nodes.put_nodes(nodes_to_store_on_append_batch(size, hashes, nodes))
            size += len(hashes)

    return timed(work)


def pymerkle_same_work(store: Store) -> Timing | None:
    """pymerkle appending the same leaf data (envelopes built outside the timing)."""
    try:
        from pymerkle import InmemoryTree
    except ImportError:
        return None
    kind = get_kind("detections")
    assert kind is not None
    data = []
    for chunk in stored_rows(store):
        for row in chunk:
            markings = orjson.loads(row["markings"])
            data.append(
                leaf_data(
                    kind.record_of(row),
                    kind="detections",
                    record_id=row["id"],
                    markings=markings,
                    salt=bytes(32),
                )
            )
    tree: Any = InmemoryTree(algorithm="sha256")
    return timed(lambda: [tree.append_entry(d) for d in data])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pg", help="PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    n = args.records
    body = detections(n)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain = fresh_store(args.pg, folder, "plain")
        with mock.patch.object(ingest_module, "append_records", lambda *a, **k: range(0)):
            t_plain = timed(lambda: run_ingest(plain, body))
        plain.dispose()
        store = fresh_store(args.pg, folder, "ledger")
        t_ledger = timed(lambda: run_ingest(store, body))
        with store.read() as conn:
            assert tree_size(conn) == n + 2
        chunks = list(stored_rows(store))
        t_py = pymerkle_same_work(store)
        store.dispose()
        t_append = append_only(chunks, args.pg, folder)
        t_memory = in_memory(chunks)
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"{n:,} detections, {backend}")
    print(f"ingest without ledger   {t_plain.rates(n)} records")
    print(f"ingest with ledger      {t_ledger.rates(n)} records")
    print(
        f"  the ledger adds {100 * (t_ledger.cpu - t_plain.cpu) / t_plain.cpu:.0f}% CPU, "
        f"i.e. {n / (t_ledger.cpu - t_plain.cpu):,.0f} leaves per CPU second"
    )
    print(f"append_records alone    {t_append.rates(n)} leaves (salted leaf, tree, SQL)")
    print(f"same, without storage   {t_memory.rates(n)} leaves (salted leaf, tree in memory)")
    if t_py is not None:
        print(f"pymerkle, same leaves   {t_py.rates(n)} leaves (in memory, no storage)")


if __name__ == "__main__":
    main()
