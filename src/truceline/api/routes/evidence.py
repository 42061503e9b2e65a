"""Evidence files over HTTP: streamed upload, metadata and custody, verified downloads,
working copies. See docs/evidence.md.

The upload is parsed from ``request.stream()`` by the streaming form parser, so the file
goes to a staging file chunk by chunk and the size limit stops it as soon as it is passed;
the framework's whole-form parsing (which spools the body first) is never used.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from truceline.access.policy import Principal
from truceline.api.audit import audit_reads
from truceline.api.auth import client_address, require
from truceline.api.deps import get_settings, get_store
from truceline.clock import now_us
from truceline.evidence import (
    EvidenceStore,
    EvidenceTooLarge,
    UploadForm,
    content_disposition,
    submission,
)
from truceline.services import evidence as svc
from truceline.store.engine import Store

FORM_OVERHEAD = 1024 * 1024
"""Room for the form's boundaries and text fields when judging a declared Content-Length."""

Uploader = Annotated[Principal, Depends(require("evidence:upload"))]
Reader = Annotated[Principal, Depends(require("evidence:read"))]
Worker = Annotated[Principal, Depends(require("evidence:work"))]
Confirm = Annotated[bool, Query(description="1 to open an item marked sensitive (graphic content)")]

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "sensitive": {
                            "type": "boolean",
                            "default": False,
                            "description": "graphic content: opens only on ?confirm=1",
                        },
                        "description": {"type": "string", "maxLength": 10000},
                        "expected_sha256": {
                            "type": "string",
                            "pattern": "^[0-9a-fA-F]{64}$",
                            "description": "refuse the upload (422) unless the bytes hash to it",
                        },
                        "markings": {
                            "type": "string",
                            "description": "JSON markings; default: the incident's markings",
                        },
                    },
                }
            }
        },
    }
}


def evidence_store(request: Request) -> EvidenceStore:
    """The app's evidence store (``app.state.evidence_store``, else ``<home>/evidence``)."""
    found: EvidenceStore | None = getattr(request.app.state, "evidence_store", None)
    if found is None:
        found = svc.evidence_store_for(get_settings(request))
        request.app.state.evidence_store = found
    return found


def _handler(request: Request, principal: Principal) -> svc.Handler:
    return svc.Handler(principal, client_address(request))


def _file_headers(opened: svc.Opened, filename: str, *, original: bool) -> dict[str, str]:
    headers = {
        "Content-Length": str(opened.size),
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "no-store",
        "X-Truceline-Copy": "original" if original else "working",
    }
    if original:  # RFC 9530: the client can check what it received against the name
        digest = base64.b64encode(bytes.fromhex(opened.row.sha256)).decode()
        headers["Repr-Digest"] = f"sha-256=:{digest}:"
        headers["ETag"] = f'"{opened.row.sha256}"'
    return headers


async def _receive(
    request: Request, store: Store, evstore: EvidenceStore, incident_id: str, principal: Principal
) -> dict[str, Any]:
    limit = get_settings(request).evidence_max_mb * svc.MIB
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise EvidenceTooLarge(f"the upload is larger than the limit of {limit // svc.MIB} MiB")
    await run_in_threadpool(_check_incident, store, incident_id, principal)
    form = UploadForm(request.headers.get("content-type", ""), lambda: evstore.stage(limit))
    try:
        async for chunk in request.stream():
            form.feed(chunk)
        form.close()
        sub = submission(form.fields, form.filename, form.declared_type)
    except BaseException:
        if form.sink is not None:
            form.sink.discard()
        raise
    sink = form.sink
    assert sink is not None  # close() refused a form without a file
    result: dict[str, Any] = await run_in_threadpool(
        svc.add_evidence,
        store,
        evstore,
        incident_id,
        sink,
        sub,
        by=_handler(request, principal),
        now_us=now_us(),
    )
    return result


def _check_incident(store: Store, incident_id: str, principal: Principal) -> None:
    with store.read() as conn:
        svc.visible_incident(conn, incident_id, principal)


def build_router() -> APIRouter:
    router = APIRouter(tags=["evidence"])

    @router.post(
        "/incidents/{incident_id}/evidence",
        status_code=201,
        summary="Upload an evidence file to an incident (streamed multipart)",
        description="Stored under its SHA-256; the same bytes again add a link and a custody "
        "entry, not a copy (200 when nothing new). The media type is read from the file.",
        openapi_extra=UPLOAD_BODY,
        responses={
            404: {"description": "no incident that you may see"},
            413: {"description": "larger than TRUCELINE_EVIDENCE_MAX_MB; nothing kept"},
            422: {"description": "expected_sha256 mismatch or bad fields; nothing kept"},
        },
        name="upload_evidence",
    )
    async def upload(request: Request, incident_id: str, principal: Uploader) -> JSONResponse:
        store, evstore = get_store(request), evidence_store(request)
        result = await _receive(request, store, evstore, incident_id, principal)
        created = result["new_original"] or result["new_link"]
        return JSONResponse(result, status_code=201 if created else 200)

    @router.get(
        "/incidents/{incident_id}/evidence",
        summary="The evidence of an incident",
        name="list_incident_evidence",
    )
    def list_evidence(request: Request, incident_id: str, principal: Reader) -> dict[str, Any]:
        with get_store(request).read() as conn:
            items = svc.list_for_incident(conn, incident_id, principal)
        audit_reads(request, principal, "evidence", [{**i, "id": i["sha256"]} for i in items])
        return {"items": items}

    @router.get(
        "/evidence/{sha256}", summary="Evidence metadata and its custody log", name="get_evidence"
    )
    def metadata(request: Request, sha256: str, principal: Reader) -> dict[str, Any]:
        with get_store(request).read() as conn:
            item = svc.describe(conn, sha256, principal)
        audit_reads(request, principal, "evidence", [{**item, "id": item["sha256"]}])
        return item

    @router.get(
        "/evidence/{sha256}/content",
        summary="The original file, re-hashed before and while it is served",
        response_class=StreamingResponse,
        responses={
            409: {"description": "sensitive: repeat with ?confirm=1"},
            500: {"description": "evidence integrity failure: not served"},
        },
        name="get_evidence_content",
    )
    def content(
        request: Request, sha256: str, principal: Reader, confirm: Confirm = False
    ) -> StreamingResponse:
        store, by = get_store(request), _handler(request, principal)
        opened = svc.open_original(
            store, evidence_store(request), sha256, by=by, confirm=confirm, now_us=now_us()
        )
        return StreamingResponse(
            svc.stream_verified(store, opened, by, now_us),
            media_type=opened.row.media_type,
            headers=_file_headers(opened, opened.row.filename, original=True),
        )

    @router.post(
        "/evidence/{sha256}/working-copy",
        status_code=201,
        summary="Make a working copy of the verified original",
        name="make_evidence_working_copy",
    )
    def make_copy(request: Request, sha256: str, principal: Worker) -> dict[str, Any]:
        return svc.make_working_copy(
            get_store(request),
            evidence_store(request),
            sha256,
            by=_handler(request, principal),
            now_us=now_us(),
        )

    @router.get(
        "/evidence/{sha256}/working-copy",
        summary="The working copy",
        response_class=StreamingResponse,
        responses={409: {"description": "sensitive: repeat with ?confirm=1"}},
        name="get_evidence_working_copy",
    )
    def working_copy(
        request: Request, sha256: str, principal: Reader, confirm: Confirm = False
    ) -> StreamingResponse:
        opened = svc.open_working_copy(
            get_store(request),
            evidence_store(request),
            sha256,
            by=_handler(request, principal),
            confirm=confirm,
            now_us=now_us(),
        )
        return StreamingResponse(
            svc.stream_file(opened),
            media_type=opened.row.media_type,
            headers=_file_headers(opened, f"working-copy-{opened.row.filename}", original=False),
        )

    return router
