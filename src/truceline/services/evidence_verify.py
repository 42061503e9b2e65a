"""Re-hash stored originals and report every one that no longer matches its name.

Run by ``truceline evidence verify`` (and usable from a scheduler): each original named in
the ``evidence`` table is read in full and hashed; a missing file or a different hash is
an integrity failure, recorded like one found on a read (custody entry, ledger leaf, audit
entry). Files in the evidence store that no row names are reported as ``orphan`` (left by
a transaction that failed after the file was kept) and are not evidence of anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from truceline.errors import NotFoundError
from truceline.evidence import EvidenceStore, IntegrityFailure, normalise_sha256
from truceline.services.evidence import E, Handler, check_original
from truceline.services.principals import record_audit
from truceline.store.engine import Store


@dataclass(frozen=True, slots=True)
class Verified:
    """The outcome for one file: ``ok``, ``mismatch``, ``missing`` or ``orphan``."""

    sha256: str
    status: str
    size: int
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def bytes_to_verify(store: Store, shas: Sequence[str] | None = None) -> int:
    """Total size of the originals a run will read (for a progress bar)."""
    query = select(func.coalesce(func.sum(E.c.size), 0))
    if shas:
        query = query.where(E.c.sha256.in_([s.lower() for s in shas]))
    with store.read() as conn:
        return int(conn.execute(query).scalar() or 0)


def verify_originals(
    store: Store,
    evstore: EvidenceStore,
    shas: Sequence[str] | None = None,
    *,
    by: Handler,
    clock: Callable[[], int],
    advance: Callable[[int], None] | None = None,
) -> list[Verified]:
    """Re-hash the named originals (default: all, plus orphan files); one result each."""
    wanted = None if not shas else [_known_sha(s) for s in shas]
    query = select(E).order_by(E.c.sha256)
    if wanted is not None:
        query = query.where(E.c.sha256.in_(wanted))
    with store.read() as conn:
        rows = list(conn.execute(query))
    found = {r.sha256 for r in rows}
    missing = sorted(set(wanted or ()) - found)
    if missing:
        raise NotFoundError(f"no evidence {', '.join(missing)}")
    results = []
    for row in rows:
        try:
            check_original(store, evstore, row, by, now_us=clock(), advance=advance).close()
            results.append(Verified(row.sha256, "ok", int(row.size)))
        except IntegrityFailure as exc:
            status = "missing" if "missing" in exc.reason else "mismatch"
            results.append(Verified(row.sha256, status, int(row.size), exc.reason))
    if wanted is None:
        results += [
            Verified(s, "orphan", 0, "no evidence row names this file")
            for s in evstore.originals()
            if s not in found
        ]
    _audit_run(store, results, by, clock())
    return results


def _known_sha(value: str) -> str:
    sha = normalise_sha256(value)
    if sha is None:
        raise NotFoundError(f"{value!r} is not a SHA-256 (64 hexadecimal digits)")
    return sha


def _audit_run(store: Store, results: list[Verified], by: Handler, now_us: int) -> None:
    failures = [r.sha256 for r in results if r.status in ("mismatch", "missing")]
    with store.write() as conn:
        record_audit(
            conn,
            now_us=now_us,
            principal=by.who,
            action="evidence.verify",
            target="evidence",
            client=by.client,
            detail={
                "checked": sum(r.status != "orphan" for r in results),
                "failures": failures[:1000],
                "orphans": sum(r.status == "orphan" for r in results),
            },
        )
