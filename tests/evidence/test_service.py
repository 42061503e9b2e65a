"""The service's guarantees that HTTP cannot show: a file altered during a transfer."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import FIXED_NOW_US
from tests.evidence.conftest import MakeIncident, sha
from truceline.evidence import FileEvidenceStore, IntegrityFailure, submission
from truceline.services import evidence as svc
from truceline.store import tables
from truceline.store.engine import Store


def _add(store: Store, evstore: FileEvidenceStore, iid: str, data: bytes) -> svc.Handler:
    by = svc.Handler(svc.operator("cli:test"), "local")
    staged = evstore.stage(None)
    staged.write(data)
    svc.add_evidence(
        store, evstore, iid, staged, submission({}, "w.bin", None), by=by, now_us=FIXED_NOW_US
    )
    return by


def test_a_file_altered_while_served_is_broken_off(
    store: Store, evstore: FileEvidenceStore, incident: MakeIncident
) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB: two chunks
    by = _add(store, evstore, incident(), data)
    opened = svc.open_original(store, evstore, sha(data), by=by, confirm=False, now_us=FIXED_NOW_US)
    path = evstore.original_path(sha(data))
    path.chmod(0o644)
    with open(path, "r+b") as fh:  # in place: the open handle sees it
        fh.seek(len(data) - 1)
        fh.write(b"\xff" if data[-1] != 0xFF else b"\x00")
    served = bytearray()
    failure = None
    try:
        for chunk in svc.stream_verified(store, opened, by, lambda: FIXED_NOW_US):
            served += chunk
    except IntegrityFailure as exc:
        failure = exc
    assert failure is not None and failure.sha256 == sha(data)
    assert len(served) < len(data)  # the last chunk was held back
    c = tables.custody
    with store.read() as conn:
        actions = (
            conn.execute(select(c.c.action).where(c.c.sha256 == sha(data)).order_by(c.c.seq))
            .scalars()
            .all()
        )
    assert actions == ["upload", "read_original", "integrity_failure"]


def test_the_operator_sees_what_no_marking_releases_to_it(
    store: Store, evstore: FileEvidenceStore, incident: MakeIncident
) -> None:
    iid = incident(("USA",), originator="USA")
    _add(store, evstore, iid, b"bytes only the USA may see")
    with store.read() as conn:
        listed = svc.list_for_incident(conn, iid, svc.operator("cli:test"))
    assert [i["sha256"] for i in listed] == [sha(b"bytes only the USA may see")]
