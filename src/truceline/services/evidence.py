"""Evidence files in the store: upload, metadata, verified reads, working copies, listing.

Bytes live in an :class:`~truceline.evidence.EvidenceStore` under their SHA-256; the
database holds what is known about them (``evidence``), which incidents they support
(``evidence_links``) and their chain of custody (``custody``, see
:mod:`truceline.services.evidence_custody`). Access follows the markings like every other
record: a file the caller may not see, or linked to an incident it may not see, is 404.

An original is served only after it has been re-hashed and found equal to its name, and
the bytes served are hashed again on the way out; the last chunk is held back until that
second hash is known, so a file altered during the transfer ends in a broken response,
never in a complete download of corrupt bytes. Every content read is a custody entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from pydantic import ValidationError
from sqlalchemy import ColumnElement, Connection, Row, Table, insert, select, true
from sqlalchemy.exc import IntegrityError

from truceline.access.policy import Principal, originator_code
from truceline.errors import InputError, NotFoundError
from truceline.evidence import (
    Digester,
    EvidenceStore,
    FileEvidenceStore,
    HashMismatch,
    IntegrityFailure,
    SensitiveEvidence,
    Staged,
    Submission,
    clean_filename,
    normalise_sha256,
    sniff_media_type,
)
from truceline.evidence.storage import CHUNK
from truceline.formats.records import DEFAULT_MARKINGS, Markings
from truceline.services.evidence_custody import custody_log, record_custody
from truceline.services.evidence_custody import record_integrity_failure as _record_failure
from truceline.services.rows import audience, markings_json
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros

MIB = 1024 * 1024
OPERATOR_KIND = "operator"
E, LINKS, INC = tables.evidence, tables.evidence_links, tables.incidents


def evidence_store_for(settings: Settings) -> FileEvidenceStore:
    """The default evidence store: ``<TRUCELINE_HOME>/evidence``."""
    return FileEvidenceStore(Path(settings.home) / "evidence")


def operator(name: str) -> Principal:
    """The local operator at the command line: sees and may handle every file.

    Its kind cannot come from a token or a JWT, so no API caller is ever one.
    """
    return Principal(name=name, nation="MISSION", roles=frozenset({"admin"}), kind=OPERATOR_KIND)


@dataclass(frozen=True, slots=True)
class Handler:
    """Who is handling evidence, from where (the custody log's *who* and *client*)."""

    principal: Principal
    client: str | None

    @property
    def who(self) -> str:
        return self.principal.name


def _scope(table: Table, principal: Principal) -> ColumnElement[bool]:
    return true() if principal.kind == OPERATOR_KIND else visible(table, principal)


def _sha(value: str) -> str:
    sha = normalise_sha256(value)
    if sha is None:
        raise NotFoundError("evidence is named by its SHA-256: 64 hexadecimal digits")
    return sha


def visible_incident(conn: Connection, incident_id: str, principal: Principal) -> Row[Any]:
    """The incident's id, markings and originator, or 404 when the caller may not see it."""
    row = conn.execute(
        select(INC.c.id, INC.c.markings, INC.c.originator).where(
            INC.c.id == incident_id, _scope(INC, principal)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"incident {incident_id!r} not found")
    return row  # type: ignore[return-value]  # a Row of three columns is a Row


def visible_evidence(conn: Connection, sha256: str, principal: Principal) -> Row[Any]:
    """The evidence row, or 404 when it does not exist or the caller may not see it."""
    sha = _sha(sha256)
    row = conn.execute(select(E).where(E.c.sha256 == sha, _scope(E, principal))).first()
    if row is None:
        raise NotFoundError(f"evidence {sha} not found")
    return row


def _custody(
    conn: Connection,
    sha256: str,
    action: str,
    by: Handler,
    markings_text: str,
    detail: Mapping[str, Any],
    now_us: int,
) -> int:
    """One custody entry by ``by``, its leaf carrying the evidence's stored markings."""
    return record_custody(
        conn,
        sha256,
        action,
        who=by.who,
        client=by.client,
        detail=detail,
        markings=orjson.loads(markings_text),
        now_us=now_us,
    )


def _markings_of(text: str) -> Markings:
    try:
        return Markings.model_validate(orjson.loads(text))
    except (orjson.JSONDecodeError, ValidationError):
        return DEFAULT_MARKINGS


def summary(row: Row[Any]) -> dict[str, Any]:
    """The evidence fields a list or an incident shows (the API contract's shape)."""
    return {
        "sha256": row.sha256,
        "filename": row.filename,
        "media_type": row.media_type,
        "size": int(row.size),
        "sensitive": bool(row.sensitive),
        "description": row.description,
        "uploaded_at": format_time(from_micros(int(row.uploaded_us))),
        "uploaded_by": row.uploaded_by,
        "originator": row.originator,
        "markings": orjson.loads(row.markings),
    }


# --- upload ------------------------------------------------------------------------------


def add_evidence(
    store: Store,
    evstore: EvidenceStore,
    incident_id: str,
    staged: Staged,
    sub: Submission,
    *,
    by: Handler,
    now_us: int,
) -> dict[str, Any]:
    """Keep a fully received upload as evidence of an incident (all or nothing).

    Takes ownership of ``staged``: it becomes the original or is discarded. The same
    bytes again store no second copy; they add a link (if new) and a custody entry.
    """
    try:
        sha, size = staged.digest.hexdigest(), staged.digest.size
        if size == 0:
            raise InputError("the file is empty; nothing was kept")
        if sub.expected_sha256 is not None and sub.expected_sha256 != sha:
            raise HashMismatch(
                f"the received file hashes to {sha}, not to the expected_sha256 "
                f"{sub.expected_sha256}; nothing was kept"
            )
        for attempt in range(2):
            try:
                with store.write() as conn:
                    return _store_upload(
                        conn, evstore, incident_id, staged, sub, by=by, now_us=now_us
                    )
            except IntegrityError:  # an equal upload committed first: it is a re-upload now
                if attempt:
                    raise
        raise AssertionError("unreachable")
    finally:
        staged.discard()


def _store_upload(
    conn: Connection,
    evstore: EvidenceStore,
    incident_id: str,
    staged: Staged,
    sub: Submission,
    *,
    by: Handler,
    now_us: int,
) -> dict[str, Any]:
    incident = visible_incident(conn, incident_id, by.principal)
    sha, digest = staged.digest.hexdigest(), staged.digest
    media_type = sniff_media_type(digest.head)
    filename = clean_filename(sub.filename, sha)
    existing = conn.execute(select(E).where(E.c.sha256 == sha)).first()
    if existing is None:
        markings = sub.markings or _markings_of(incident.markings)
        row = {
            "sha256": sha,
            "filename": filename,
            "media_type": media_type,
            "size": digest.size,
            "sensitive": int(sub.sensitive),
            "description": sub.description,
            "originator": originator_code(by.principal) or "MISSION",
            "markings": markings_json(markings),
            "audience": audience(markings),
            "uploaded_by": by.who,
            "uploaded_us": now_us,
        }
        conn.execute(insert(E).values(**row))
        stored_markings = str(row["markings"])
    else:
        stored_markings = str(existing.markings)
    linked = conn.execute(
        select(LINKS.c.sha256).where(LINKS.c.incident_id == incident.id, LINKS.c.sha256 == sha)
    ).first()
    if linked is None:
        conn.execute(insert(LINKS).values(incident_id=incident.id, sha256=sha, linked_us=now_us))
    restore = existing is not None and _missing(evstore, sha)
    detail = {
        "incident": incident.id,
        "filename": filename,
        "declared_media_type": sub.declared_type,
        "media_type": media_type,
        "size": digest.size,
        "sensitive": sub.sensitive,
        "new_original": existing is None,
        "new_link": linked is None,
        **({"restored_missing_original": True} if restore else {}),
        **({"description": sub.description} if sub.description else {}),
    }
    seq = _custody(conn, sha, "upload", by, stored_markings, detail, now_us)
    if existing is None or restore:
        evstore.keep(staged)  # last: a failure here rolls the rows back
    return {
        "sha256": sha,
        "size": digest.size,
        "media_type": media_type,
        "incident_id": incident.id,
        "new_original": existing is None,
        "new_link": linked is None,
        "custody_seq": seq,
    }


def _missing(evstore: EvidenceStore, sha: str) -> bool:
    handle = evstore.open_original(sha)
    if handle is None:
        return True
    handle.close()
    return False


# --- reads -------------------------------------------------------------------------------


def describe(conn: Connection, sha256: str, principal: Principal) -> dict[str, Any]:
    """Metadata, the incidents the caller may see it linked to, and the custody log."""
    row = visible_evidence(conn, sha256, principal)
    incidents = conn.execute(
        select(LINKS.c.incident_id)
        .join(INC, INC.c.id == LINKS.c.incident_id)
        .where(LINKS.c.sha256 == row.sha256, _scope(INC, principal))
        .order_by(LINKS.c.linked_us, LINKS.c.incident_id)
    ).scalars()
    show_clients = principal.is_mission or principal.kind == OPERATOR_KIND
    return {
        **summary(row),
        "incidents": list(incidents),
        "custody": custody_log(conn, row.sha256, with_clients=show_clients),
    }


def list_for_incident(
    conn: Connection, incident_id: str, principal: Principal
) -> list[dict[str, Any]]:
    """The evidence of one incident that the caller may see, in the order it was linked."""
    incident = visible_incident(conn, incident_id, principal)
    rows = conn.execute(
        select(E, LINKS.c.linked_us)
        .join(LINKS, LINKS.c.sha256 == E.c.sha256)
        .where(LINKS.c.incident_id == incident.id, _scope(E, principal))
        .order_by(LINKS.c.linked_us, E.c.sha256)
    )
    return [{**summary(r), "linked_at": format_time(from_micros(int(r.linked_us)))} for r in rows]


def _check_sensitive(row: Row[Any], confirm: bool) -> None:
    if row.sensitive and not confirm:
        raise SensitiveEvidence(
            f"evidence {row.sha256} is marked sensitive (it may show graphic content) and "
            "must be opened explicitly: repeat the request with ?confirm=1"
        )


@dataclass
class Opened:
    """A verified file, open and positioned at its start, with what the response needs."""

    row: Row[Any]
    handle: BinaryIO
    size: int


def _fail(store: Store, row: Row[Any], reason: str, by: Handler, now_us: int) -> IntegrityFailure:
    _record_failure(
        store,
        row.sha256,
        reason,
        who=by.who,
        client=by.client,
        markings=orjson.loads(row.markings),
        now_us=now_us,
    )
    return IntegrityFailure(row.sha256, reason)


def check_original(
    store: Store,
    evstore: EvidenceStore,
    row: Row[Any],
    by: Handler,
    *,
    now_us: int,
    advance: Callable[[int], None] | None = None,
) -> BinaryIO:
    """The original, re-hashed and found equal to its name, rewound; or the failure is
    recorded and :class:`IntegrityFailure` raised."""
    handle = evstore.open_original(row.sha256)
    if handle is None:
        raise _fail(store, row, "is missing from the evidence store", by, now_us)
    digest = Digester()
    try:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            if advance is not None:
                advance(len(chunk))
    except BaseException:
        handle.close()
        raise
    found = digest.hexdigest()
    if found != row.sha256:
        handle.close()
        raise _fail(
            store, row, f"does not hash to its name (found {found}, {digest.size} B)", by, now_us
        )
    handle.seek(0)
    return handle


def open_original(
    store: Store,
    evstore: EvidenceStore,
    sha256: str,
    *,
    by: Handler,
    confirm: bool,
    now_us: int,
) -> Opened:
    """The verified original for serving, after its ``read_original`` custody entry."""
    with store.read() as conn:
        row = visible_evidence(conn, sha256, by.principal)
    _check_sensitive(row, confirm)
    handle = check_original(store, evstore, row, by, now_us=now_us)
    try:
        detail = {"size": int(row.size), "confirmed_sensitive": bool(row.sensitive)}
        with store.write() as conn:
            _custody(conn, row.sha256, "read_original", by, row.markings, detail, now_us)
    except BaseException:
        handle.close()
        raise
    return Opened(row, handle, int(row.size))


def stream_verified(
    store: Store, opened: Opened, by: Handler, clock: Callable[[], int]
) -> Iterator[bytes]:
    """The original's bytes, hashed again as they go; the last chunk is released only when
    the hash matches (else the failure is recorded and the transfer is broken off)."""
    digest = Digester()
    pending = b""
    try:
        while chunk := opened.handle.read(CHUNK):
            digest.update(chunk)
            if pending:
                yield pending
            pending = chunk
        if digest.hexdigest() != opened.row.sha256:
            reason = f"changed while being served (found {digest.hexdigest()})"
            raise _fail(store, opened.row, reason, by, clock())
        if pending:
            yield pending
    finally:
        opened.handle.close()


def stream_file(opened: Opened) -> Iterator[bytes]:
    """A working copy's bytes as they are (it is not evidence; it is not checked)."""
    try:
        while chunk := opened.handle.read(CHUNK):
            yield chunk
    finally:
        opened.handle.close()


def make_working_copy(
    store: Store, evstore: EvidenceStore, sha256: str, *, by: Handler, now_us: int
) -> dict[str, Any]:
    """Copy the verified original to a working copy (replacing an older one)."""
    with store.read() as conn:
        row = visible_evidence(conn, sha256, by.principal)
    made = evstore.make_working_copy(row.sha256)
    if made is None:
        raise _fail(store, row, "is missing from the evidence store", by, now_us)
    found, size, replaced = made
    if found != row.sha256:
        evstore.drop_working_copy(row.sha256)
        raise _fail(store, row, f"does not hash to its name (found {found}, {size} B)", by, now_us)
    detail = {"size": size, "replaced_previous": replaced}
    with store.write() as conn:
        seq = _custody(conn, row.sha256, "working_copy", by, row.markings, detail, now_us)
    return {"sha256": row.sha256, "size": size, "replaced_previous": replaced, "custody_seq": seq}


def open_working_copy(
    store: Store,
    evstore: EvidenceStore,
    sha256: str,
    *,
    by: Handler,
    confirm: bool,
    now_us: int,
) -> Opened:
    """The working copy for serving, after its ``read_working_copy`` custody entry."""
    with store.read() as conn:
        row = visible_evidence(conn, sha256, by.principal)
    _check_sensitive(row, confirm)
    handle = evstore.open_working_copy(row.sha256)
    if handle is None:
        raise NotFoundError(f"evidence {row.sha256} has no working copy; POST to make one")
    try:
        size = handle.seek(0, 2)
        handle.seek(0)
        detail = {"size": size, "confirmed_sensitive": bool(row.sensitive)}
        with store.write() as conn:
            _custody(conn, row.sha256, "read_working_copy", by, row.markings, detail, now_us)
    except BaseException:
        handle.close()
        raise
    return Opened(row, handle, size)
