"""The tamper-evident log over HTTP (docs/ledger.md), for independent verifiers and witnesses.

The public (anonymous) may read checkpoints, keys, leaf hashes and proofs: the log
publishes commitments, never contents. Which record a leaf is, and its opening, are shown
only to callers who may see that record. Admins issue checkpoints on demand; registered
witnesses submit cosignatures, authenticated by the signature itself.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from truceline.access.policy import Principal
from truceline.api.auth import require
from truceline.api.deps import get_settings, get_store, read_body
from truceline.clock import now_us
from truceline.errors import BadRequestError, NotFoundError
from truceline.services import ledger as svc
from truceline.services.ledger_checkpoints import (
    CheckpointRecord,
    add_cosignatures,
    checkpoint_by_size,
    cosignatures_of,
    issue_checkpoint,
    latest_checkpoint,
    with_cosignatures,
)
from truceline.services.ledger_keys import current_log_vkey, ensure_log_key, list_keys
from truceline.store.engine import Store

Reader = Annotated[Principal, Depends(require("read"))]
Admin = Annotated[Principal, Depends(require("admin:principals"))]
NOTE = "text/plain; charset=utf-8"
WELL_KNOWN_KEY = "/.well-known/truceline-ledger-key"
MAX_INDEX = 2**62  # beyond any log; keeps query integers inside a signed 64-bit column


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _latest(conn: Any) -> CheckpointRecord:
    cp = latest_checkpoint(conn)
    if cp is None:
        raise NotFoundError("the log has no checkpoint yet")
    return cp


def _default_size(conn: Any, size: int | None) -> int:
    """Proofs default to the latest checkpoint's size, so they match a signed root."""
    if size is not None:
        return size
    cp = latest_checkpoint(conn)
    return cp.size if cp is not None else svc.tree_size(conn)


def _vkey(request: Request) -> PlainTextResponse:
    with get_store(request).read() as conn:
        vkey = current_log_vkey(conn)
    if vkey is None:
        raise NotFoundError("the log has no key yet")
    return PlainTextResponse(vkey + "\n", media_type=NOTE)


def _parse_record(value: str) -> tuple[str, str]:
    kind, sep, record_id = value.partition(":")
    if not sep or not kind or not record_id:
        raise BadRequestError("record: give KIND:ID, e.g. detections:d-000123")
    return kind, record_id


def well_known_router() -> APIRouter:
    """``/.well-known/truceline-ledger-key``: the verifier key, outside the API prefix."""
    router = APIRouter(tags=["ledger"])
    router.add_api_route(
        WELL_KNOWN_KEY,
        _vkey,
        methods=["GET"],
        response_class=PlainTextResponse,
        summary="The log's verifier key (signed-note vkey)",
        name="ledger_well_known_key",
    )
    return router


def build_router() -> APIRouter:
    router = APIRouter(tags=["ledger"])
    _add_checkpoint_routes(router)
    _add_proof_routes(router)
    _add_witness_routes(router)
    return router


def _add_checkpoint_routes(router: APIRouter) -> None:
    @router.get(
        "/ledger/checkpoint",
        response_class=PlainTextResponse,
        name="ledger_checkpoint",
        summary="The latest signed checkpoint (C2SP tlog-checkpoint signed note)",
    )
    def get_checkpoint(request: Request, _: Reader) -> PlainTextResponse:
        with get_store(request).read() as conn:
            return PlainTextResponse(_latest(conn).note, media_type=NOTE)

    @router.post(
        "/ledger/checkpoint",
        status_code=201,
        name="issue_ledger_checkpoint",
        summary="Sign a checkpoint of the current tree now (admin)",
    )
    def post_checkpoint(request: Request, _: Admin) -> dict[str, Any]:
        store: Store = get_store(request)
        settings = get_settings(request)
        signer = ensure_log_key(store, settings.home, settings.log_origin, now_us=now_us())
        cp, created = issue_checkpoint(store, signer, settings.log_origin, now_us=now_us())
        return {
            "size": cp.size,
            "root_hash": _b64(cp.root_hash),
            "note": cp.note,
            "created": created,
        }

    router.add_api_route(
        "/ledger/key",
        _vkey,
        methods=["GET"],
        response_class=PlainTextResponse,
        summary="The log's verifier key (signed-note name+hash+base64)",
        name="ledger_key",
        dependencies=[Depends(require("read"))],
    )

    @router.get(
        "/ledger/keys",
        name="ledger_keys",
        summary="Every log and witness key, "
        "with creation and retirement times (old checkpoints verify with retired keys)",
    )
    def get_keys(request: Request, _: Reader) -> list[dict[str, Any]]:
        with get_store(request).read() as conn:
            return [
                {
                    "vkey": k.vkey,
                    "name": k.name,
                    "role": k.role,
                    "created_us": k.created_us,
                    "retired_us": k.retired_us,
                }
                for k in list_keys(conn)
            ]


def _add_proof_routes(router: APIRouter) -> None:
    @router.get(
        "/ledger/leaves",
        name="ledger_leaves",
        summary=f"Leaf hashes [start, end), at most {svc.MAX_PAGE} per call",
    )
    def get_leaves(
        request: Request,
        principal: Reader,
        start: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
        end: Annotated[int | None, Query(ge=0, le=MAX_INDEX, description="exclusive")] = None,
    ) -> list[dict[str, Any]]:
        stop = start + svc.MAX_PAGE if end is None else end
        with get_store(request).read() as conn:
            rows = svc.leaves(conn, start, min(stop, svc.tree_size(conn)))
        out = []
        for leaf in rows:
            item: dict[str, Any] = {"index": leaf.index, "leaf_hash": _b64(leaf.leaf_hash)}
            if svc.may_see_leaf(principal, leaf):
                item["record"] = {"kind": leaf.kind, "id": leaf.record_id}
            out.append(item)
        return out

    @router.get(
        "/ledger/inclusion",
        name="ledger_inclusion",
        summary="Inclusion proof of a leaf (by index, or by record KIND:ID)",
    )
    def get_inclusion(
        request: Request,
        principal: Reader,
        index: Annotated[int | None, Query(ge=0, le=MAX_INDEX)] = None,
        record: Annotated[str | None, Query(description="KIND:ID")] = None,
        size: Annotated[
            int | None, Query(ge=0, le=MAX_INDEX, description="default: latest checkpoint")
        ] = None,
    ) -> dict[str, Any]:
        if (index is None) == (record is None):
            raise BadRequestError("give exactly one of index or record")
        with get_store(request).read() as conn:
            tree = _default_size(conn, size)
            if record is not None:
                index = _visible_record_index(conn, principal, record, tree)
            assert index is not None
            digest, proof = svc.inclusion(conn, index, tree)
        return {
            "index": index,
            "size": tree,
            "leaf_hash": _b64(digest),
            "proof": [_b64(p) for p in proof],
        }

    @router.get(
        "/ledger/consistency",
        name="ledger_consistency",
        summary="Consistency proof between two tree sizes (RFC 9162 §2.1.4)",
    )
    def get_consistency(
        request: Request,
        _: Reader,
        old: Annotated[int, Query(alias="from", ge=0, le=MAX_INDEX)],
        new: Annotated[int | None, Query(alias="to", ge=0, le=MAX_INDEX)] = None,
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            to = _default_size(conn, new)
            proof = svc.consistency(conn, old, to)
        return {"from": old, "to": to, "proof": [_b64(p) for p in proof]}

    @router.get(
        "/ledger/opening/{kind}/{record_id}",
        name="ledger_opening",
        summary="Record, markings and salt of a record you may see, to check its leaf",
    )
    def get_opening(
        request: Request, principal: Reader, kind: str, record_id: str
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            opened = svc.opening(conn, principal, kind, record_id)
        latest = opened.latest
        return {
            "kind": opened.kind,
            "id": opened.record_id,
            "record": opened.record,
            "index": latest.index,
            "leaf_hash": _b64(latest.leaf_hash),
            "markings": latest.markings,
            "salt": _b64(latest.salt),
            "leaves": [
                {
                    "index": leaf.index,
                    "leaf_hash": _b64(leaf.leaf_hash),
                    "markings": leaf.markings,
                    "salt": _b64(leaf.salt),
                }
                for leaf in opened.leaves
            ],
        }


def _visible_record_index(conn: Any, principal: Principal, value: str, size: int) -> int:
    """The record's latest leaf below ``size``; 404 alike for unknown and unseen records."""
    kind, record_id = _parse_record(value)
    index = svc.latest_leaf_index(conn, kind, record_id, below=size)
    missing = NotFoundError(f"no leaf of {kind}:{record_id} that you may see in tree {size}")
    if index is None:
        raise missing
    leaf = svc.leaves(conn, index, index + 1)
    if not leaf or not svc.may_see_leaf(principal, leaf[0]):
        raise missing
    return index


def _add_witness_routes(router: APIRouter) -> None:
    @router.get(
        "/ledger/cosignatures",
        name="ledger_cosignatures",
        summary="Witness cosignatures on the latest (or a given size's) checkpoint",
    )
    def get_cosignatures(
        request: Request,
        _: Reader,
        size: Annotated[int | None, Query(ge=0, le=MAX_INDEX)] = None,
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            cp = _latest(conn) if size is None else checkpoint_by_size(conn, size)
            if cp is None:
                raise NotFoundError(f"no checkpoint of size {size}")
            cosigs = cosignatures_of(conn, cp.seq)
        return {
            "size": cp.size,
            "root_hash": _b64(cp.root_hash),
            "checkpoint": with_cosignatures(cp, cosigs),
            "cosignatures": [
                {"witness": c.witness, "timestamp": c.timestamp, "line": c.line} for c in cosigs
            ],
        }

    @router.post(
        "/ledger/cosignatures",
        status_code=201,
        name="add_ledger_cosignature",
        summary="Submit a witness cosignature (body: the checkpoint note with its line)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        },
    )
    async def post_cosignatures(request: Request, _: Reader) -> dict[str, Any]:
        body = await read_body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestError("body: not UTF-8") from None
        stored = await run_in_threadpool(
            add_cosignatures, get_store(request), text, now_us=now_us()
        )
        return {"stored": [{"witness": c.witness, "timestamp": c.timestamp} for c in stored]}
