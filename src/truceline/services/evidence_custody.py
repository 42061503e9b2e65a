"""The chain of custody of evidence files: every handling is an entry and a ledger leaf.

A custody entry says who did what to which file, when and from where (the client address
for requests, ``local`` for the command line). It is written in the same transaction as
what it records, and each entry is also a leaf of the tamper-evident log (kind ``custody``,
id ``<sha256>:<seq>``, committing the stored row exactly, with the evidence's markings), so
that removing or editing an entry later is detectable by anyone holding a checkpoint.
An integrity failure is also written to the audit log, where administrators look first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from truceline.services.ledger import append_leaf
from truceline.services.principals import record_audit
from truceline.store import tables
from truceline.store.engine import Store
from truceline.timefmt import format_time, from_micros

LEDGER_KIND = "custody"
ACTIONS = (
    "upload",  # bytes received and linked to an incident (first time or again)
    "read_original",  # the verified original was served
    "working_copy",  # a working copy was made from the verified original
    "read_working_copy",  # the working copy was served
    "integrity_failure",  # the original is missing or no longer hashes to its name
)
C = tables.custody


def record_custody(
    conn: Connection,
    sha256: str,
    action: str,
    *,
    who: str,
    client: str | None,
    detail: Mapping[str, Any],
    markings: Mapping[str, Any],
    now_us: int,
) -> int:
    """Append one custody entry and its ledger leaf inside ``conn``'s transaction; its seq."""
    if action not in ACTIONS:
        raise ValueError(f"unknown custody action {action!r}")
    row: dict[str, Any] = {
        "sha256": sha256,
        "at_us": now_us,
        "who": who,
        "client": client,
        "action": action,
        "detail": orjson.dumps(dict(detail), option=orjson.OPT_SORT_KEYS).decode(),
    }
    inserted = conn.execute(insert(C).values(**row)).inserted_primary_key
    assert inserted is not None
    seq = int(inserted[0])
    append_leaf(conn, LEDGER_KIND, f"{sha256}:{seq}", {**row, "seq": seq}, markings, now_us=now_us)
    return seq


def custody_log(
    conn: Connection, sha256: str, *, with_clients: bool = True
) -> list[dict[str, Any]]:
    """Every custody entry of one file, in the order they were made.

    ``with_clients=False`` leaves out the client addresses (for readers outside the
    mission: who handled a file is part of the record, where they sat is not theirs).
    """
    query = select(C).where(C.c.sha256 == sha256).order_by(C.c.seq)
    return [
        {
            "seq": int(r.seq),
            "at": format_time(from_micros(int(r.at_us))),
            "who": r.who,
            **({"client": r.client} if with_clients else {}),
            "action": r.action,
            "detail": orjson.loads(r.detail),
        }
        for r in conn.execute(query)
    ]


def record_integrity_failure(
    store: Store,
    sha256: str,
    reason: str,
    *,
    who: str,
    client: str | None,
    markings: Mapping[str, Any],
    now_us: int,
) -> None:
    """Record a failed integrity check (custody entry, ledger leaf, audit entry), committed
    on its own so that it survives the error the caller raises next."""
    with store.write() as conn:
        seq = record_custody(
            conn,
            sha256,
            "integrity_failure",
            who=who,
            client=client,
            detail={"reason": reason},
            markings=markings,
            now_us=now_us,
        )
        record_audit(
            conn,
            now_us=now_us,
            principal=who,
            action="evidence.integrity_failure",
            target=f"evidence:{sha256}",
            client=client,
            detail={"sha256": sha256, "reason": reason, "custody_seq": seq},
        )
