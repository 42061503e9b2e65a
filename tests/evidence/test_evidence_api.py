"""Evidence over HTTP on SQLite and PostgreSQL: upload, verified reads, custody, access."""

from __future__ import annotations

import base64
import os
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.evidence.conftest import (
    JPEG,
    MAX_MB,
    PDF,
    MakeIncident,
    TokenFor,
    sha,
    upload,
)
from truceline.evidence import FileEvidenceStore
from truceline.store import tables
from truceline.store.engine import Store


def _files(root: Any) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _custody(store: Store, digest: str) -> list[Any]:
    c = tables.custody
    with store.read() as conn:
        return list(conn.execute(select(c).where(c.c.sha256 == digest).order_by(c.c.seq)))


def test_upload_then_download_round_trip(
    api: TestClient, auth: TokenFor, incident: MakeIncident, evstore: FileEvidenceStore
) -> None:
    iid, analyst = incident(), auth("analyst")
    r = upload(
        api,
        iid,
        JPEG,
        analyst,
        filename="C:\\phone\\IMG 0001.jpg",
        content_type="text/html",
        description="crater, north side",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sha256"] == sha(JPEG) and body["size"] == len(JPEG)
    assert body["media_type"] == "image/jpeg"  # sniffed, not the claimed text/html
    assert body["new_original"] and body["new_link"]

    meta = api.get(f"/api/v1/evidence/{sha(JPEG)}", headers=analyst).json()
    assert meta["filename"] == "IMG 0001.jpg"
    assert meta["description"] == "crater, north side"
    assert meta["incidents"] == [iid]
    assert meta["markings"]["releasable_to"] == ["MISSION"]  # the incident's markings

    got = api.get(f"/api/v1/evidence/{sha(JPEG)}/content", headers=analyst)
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["content-disposition"].startswith("attachment;")
    digest = base64.b64decode(got.headers["repr-digest"].split(":")[1])
    assert digest.hex() == sha(JPEG)

    path = evstore.original_path(sha(JPEG))
    assert path.read_bytes() == JPEG
    assert path.relative_to(evstore.originals_dir).parts[:2] == (sha(JPEG)[:2], sha(JPEG)[2:4])
    assert oct(path.stat().st_mode & 0o777) == oct(0o444)
    assert _files(evstore.staging_dir) == []


def test_listing_an_incidents_evidence(
    api: TestClient, auth: TokenFor, incident: MakeIncident
) -> None:
    iid, analyst = incident(), auth("analyst")
    for data in (JPEG, PDF):
        assert upload(api, iid, data, analyst).status_code == 201
    items = api.get(f"/api/v1/incidents/{iid}/evidence", headers=analyst).json()["items"]
    assert [i["sha256"] for i in items] == [sha(JPEG), sha(PDF)]
    assert [i["media_type"] for i in items] == ["image/jpeg", "application/pdf"]


def test_hash_mismatch_is_refused_and_nothing_is_written(
    api: TestClient,
    auth: TokenFor,
    incident: MakeIncident,
    store: Store,
    evstore: FileEvidenceStore,
) -> None:
    iid = incident()
    r = upload(api, iid, JPEG, auth("analyst"), expected_sha256=sha(PDF))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert sha(JPEG) in r.json()["detail"] and sha(PDF) in r.json()["detail"]
    with store.read() as conn:
        for table in (tables.evidence, tables.evidence_links, tables.custody):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    assert _files(evstore.root) == []
    ok = upload(api, iid, JPEG, auth("analyst"), expected_sha256=sha(JPEG).upper())
    assert ok.status_code == 201, ok.text


def test_size_limit_is_enforced_while_streaming(
    api: TestClient,
    auth: TokenFor,
    incident: MakeIncident,
    store: Store,
    evstore: FileEvidenceStore,
) -> None:
    iid, limit = incident(), MAX_MB * 1024 * 1024
    at_limit = upload(api, iid, b"a" * limit, auth("analyst"), filename="notes.txt")
    assert at_limit.status_code == 201, at_limit.text
    assert at_limit.json()["media_type"] == "text/plain"

    too_big = os.urandom(limit + 1)

    def chunks() -> Any:  # no Content-Length: the limit must bite while streaming
        yield b'--B\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n\r\n'
        yield from (too_big[i : i + 65536] for i in range(0, len(too_big), 65536))
        yield b"\r\n--B--\r\n"

    r = api.post(
        f"/api/v1/incidents/{iid}/evidence",
        content=chunks(),
        headers={**auth("analyst"), "content-type": "multipart/form-data; boundary=B"},
    )
    assert r.status_code == 413, r.text
    assert _files(evstore.staging_dir) == []
    assert not evstore.original_path(sha(too_big)).exists()
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(tables.evidence)).scalar() == 1


def test_same_file_again_is_one_copy_with_a_new_link(
    api: TestClient,
    auth: TokenFor,
    incident: MakeIncident,
    store: Store,
    evstore: FileEvidenceStore,
) -> None:
    first, second, analyst = incident(), incident(), auth("analyst")
    assert upload(api, first, JPEG, analyst).status_code == 201
    again = upload(api, second, JPEG, analyst, filename="copy.jpg")
    assert again.status_code == 201 and not again.json()["new_original"]
    same = upload(api, second, JPEG, analyst)
    assert same.status_code == 200 and not same.json()["new_link"]
    assert _files(evstore.originals_dir) == [sha(JPEG)]
    meta = api.get(f"/api/v1/evidence/{sha(JPEG)}", headers=analyst).json()
    assert meta["incidents"] == [first, second]
    assert meta["filename"] == "photo.jpg"  # the first upload's metadata stands
    uploads = [e["detail"] for e in meta["custody"]]
    assert [(d["incident"], d["new_original"], d["new_link"]) for d in uploads] == [
        (first, True, True),
        (second, False, True),
        (second, False, False),
    ]


def test_sensitive_items_open_only_with_confirm(
    api: TestClient, auth: TokenFor, incident: MakeIncident
) -> None:
    iid, analyst = incident(), auth("analyst")
    assert upload(api, iid, JPEG, analyst, sensitive="true").status_code == 201
    url = f"/api/v1/evidence/{sha(JPEG)}/content"
    refused = api.get(url, headers=analyst)
    assert refused.status_code == 409
    assert "sensitive" in refused.json()["detail"] and "confirm=1" in refused.json()["detail"]
    assert api.get(url, params={"confirm": "1"}, headers=analyst).content == JPEG
    actions = [
        e["action"]
        for e in api.get(f"/api/v1/evidence/{sha(JPEG)}", headers=analyst).json()["custody"]
    ]
    assert actions == ["upload", "read_original"]  # the refusal served nothing


def test_corrupted_original_is_an_integrity_failure(
    api: TestClient,
    auth: TokenFor,
    incident: MakeIncident,
    store: Store,
    evstore: FileEvidenceStore,
) -> None:
    iid, analyst = incident(), auth("analyst")
    assert upload(api, iid, JPEG, analyst).status_code == 201
    path = evstore.original_path(sha(JPEG))
    path.chmod(0o644)
    path.write_bytes(JPEG[:-1] + b"\x00")
    r = api.get(f"/api/v1/evidence/{sha(JPEG)}/content", headers=analyst)
    assert r.status_code == 500
    problem = r.json()
    assert problem["title"] == "Evidence integrity failure" and sha(JPEG) in problem["detail"]
    assert b"JFIF" not in r.content
    assert [e.action for e in _custody(store, sha(JPEG))][-1] == "integrity_failure"
    with store.read() as conn:
        audited = (
            conn.execute(
                select(tables.audit_log.c.target).where(
                    tables.audit_log.c.action == "evidence.integrity_failure"
                )
            )
            .scalars()
            .all()
        )
    assert audited == [f"evidence:{sha(JPEG)}"]
    assert (
        api.post(f"/api/v1/evidence/{sha(JPEG)}/working-copy", headers=analyst).status_code == 500
    )


def test_missing_original_is_an_integrity_failure(
    api: TestClient, auth: TokenFor, incident: MakeIncident, evstore: FileEvidenceStore
) -> None:
    iid, analyst = incident(), auth("analyst")
    assert upload(api, iid, PDF, analyst).status_code == 201
    evstore.original_path(sha(PDF)).unlink()
    r = api.get(f"/api/v1/evidence/{sha(PDF)}/content", headers=analyst)
    assert r.status_code == 500 and "missing" in r.json()["detail"]


def test_custody_log_is_complete_and_ordered(
    api: TestClient, auth: TokenFor, incident: MakeIncident, store: Store
) -> None:
    iid = incident()
    analyst, investigator = auth("analyst"), auth("investigator", nation="FRA")
    digest = sha(PDF)
    assert upload(api, iid, PDF, analyst).status_code == 201
    assert api.get(f"/api/v1/evidence/{digest}/content", headers=investigator).status_code == 200
    assert (
        api.post(f"/api/v1/evidence/{digest}/working-copy", headers=investigator).status_code == 201
    )
    assert api.get(f"/api/v1/evidence/{digest}/working-copy", headers=analyst).status_code == 200
    log = api.get(f"/api/v1/evidence/{digest}", headers=analyst).json()["custody"]
    assert [e["action"] for e in log] == [
        "upload",
        "read_original",
        "working_copy",
        "read_working_copy",
    ]
    assert [e["who"].split("-")[0] for e in log] == [
        "analyst",
        "investigator",
        "investigator",
        "analyst",
    ]
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    assert [e["at"] for e in log] == sorted(e["at"] for e in log)
    assert all(e["client"] for e in log)  # from where, for mission readers


def test_every_custody_entry_is_a_ledger_leaf(
    api: TestClient, auth: TokenFor, incident: MakeIncident, store: Store
) -> None:
    iid, analyst = incident(("MISSION", "GBR")), auth("analyst")
    assert upload(api, iid, PDF, analyst).status_code == 201
    assert api.get(f"/api/v1/evidence/{sha(PDF)}/content", headers=analyst).status_code == 200
    entries = _custody(store, sha(PDF))
    leaves = tables.ledger_leaves
    with store.read() as conn:
        rows = conn.execute(
            select(leaves.c.record_id, leaves.c.markings)
            .where(leaves.c.kind == "custody")
            .order_by(leaves.c.idx)
        ).all()
    assert [r.record_id for r in rows] == [f"{e.sha256}:{e.seq}" for e in entries]
    assert all(orjson.loads(r.markings)["releasable_to"] == ["MISSION", "GBR"] for r in rows)


@pytest.mark.parametrize(
    "roles,nation,side",
    [
        (("analyst",), "GBR", None),
        (("party_liaison",), "UKR", "UA"),
    ],
)
def test_hidden_incident_is_404_for_upload_and_content(
    api: TestClient,
    auth: TokenFor,
    incident: MakeIncident,
    evstore: FileEvidenceStore,
    roles: tuple[str, ...],
    nation: str,
    side: str | None,
) -> None:
    hidden = incident(("USA",), originator="USA")
    owner = auth("analyst", nation="USA")
    assert upload(api, hidden, JPEG, owner).status_code == 201
    outsider = auth(*roles, nation=nation, side=side)
    refused = upload(api, hidden, PDF, outsider)
    assert refused.status_code == 404, refused.text
    assert not evstore.original_path(sha(PDF)).exists()
    assert _files(evstore.staging_dir) == []
    for path in ("", "/content", "/working-copy"):
        r = api.get(f"/api/v1/evidence/{sha(JPEG)}{path}", headers=outsider)
        assert r.status_code == 404, (path, r.text)
    assert api.get(f"/api/v1/incidents/{hidden}/evidence", headers=outsider).status_code == 404
    assert upload(api, "no-such-incident", PDF, owner).status_code == 404


def test_public_and_sensor_feeds_cannot_handle_evidence(
    api: TestClient, auth: TokenFor, incident: MakeIncident
) -> None:
    iid = incident(("PUBLIC", "MISSION"))
    assert upload(api, iid, JPEG, auth("analyst")).status_code == 201
    assert api.get(f"/api/v1/evidence/{sha(JPEG)}/content").status_code == 401
    assert upload(api, iid, PDF, {}).status_code == 401
    assert upload(api, iid, PDF, auth("sensor_feed", nation="USA")).status_code == 403
    assert (
        api.post(
            f"/api/v1/evidence/{sha(JPEG)}/working-copy", headers=auth("observer", nation="FRA")
        ).status_code
        == 403
    )


def test_working_copy_is_apart_from_the_original(
    api: TestClient, auth: TokenFor, incident: MakeIncident, evstore: FileEvidenceStore
) -> None:
    iid, analyst = incident(), auth("analyst")
    assert upload(api, iid, JPEG, analyst).status_code == 201
    digest = sha(JPEG)
    assert api.get(f"/api/v1/evidence/{digest}/working-copy", headers=analyst).status_code == 404
    made = api.post(f"/api/v1/evidence/{digest}/working-copy", headers=analyst)
    assert made.status_code == 201 and made.json()["size"] == len(JPEG)
    work = evstore.working_path(digest)
    assert work != evstore.original_path(digest) and not work.is_relative_to(evstore.originals_dir)
    work.write_bytes(b"redacted " + JPEG[9:])  # analysts may change their copy
    copy = api.get(f"/api/v1/evidence/{digest}/working-copy", headers=analyst)
    assert copy.content.startswith(b"redacted ")
    assert copy.headers["x-truceline-copy"] == "working"
    original = api.get(f"/api/v1/evidence/{digest}/content", headers=analyst)
    assert original.status_code == 200 and original.content == JPEG


def test_bad_forms_are_refused(api: TestClient, auth: TokenFor, incident: MakeIncident) -> None:
    iid, analyst = incident(), auth("analyst")
    url = f"/api/v1/incidents/{iid}/evidence"
    assert (
        api.post(
            url, content=b"{}", headers={**analyst, "content-type": "application/json"}
        ).status_code
        == 400
    )
    no_file = api.post(
        url, data={"description": "x"}, files={"other": ("a", b"b")}, headers=analyst
    )
    assert no_file.status_code == 400
    assert upload(api, iid, b"", analyst).status_code == 422
    bad = upload(api, iid, JPEG, analyst, sensitive="maybe", markings="{not json")
    assert bad.status_code == 422
    assert {p["field"] for p in bad.json()["problems"]} == {"sensitive", "markings"}
    marked = upload(api, iid, JPEG, analyst, markings={"releasable_to": ["GBR"]})
    assert marked.status_code == 201
    meta = api.get(f"/api/v1/evidence/{sha(JPEG)}", headers=analyst).json()
    assert meta["markings"]["releasable_to"] == ["GBR"]
