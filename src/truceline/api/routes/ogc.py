"""OGC API – Features at ``/ogc``: the HTTP edge over ``truceline.ogc`` (docs/ogc.md).

The query string is parsed by ``truceline.ogc.params`` rather than by FastAPI, so that an
unknown or malformed parameter is a 400 problem (the standard's answer), not a 422. Every
path also answers ``HEAD`` and ``OPTIONS`` (with ``Allow`` and CORS headers: GIS clients in a
browser send a preflight for the ``Authorization`` header), and every response, errors
included, carries ``Access-Control-Allow-Origin: *``; that is safe because credentials travel
only in the ``Authorization`` header, never in cookies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from truceline import __version__
from truceline.access.policy import Principal
from truceline.api.audit import audit_reads
from truceline.api.auth import current_principal
from truceline.api.deps import get_store
from truceline.api.problems import problem_response
from truceline.clock import now_us
from truceline.errors import NotFoundError, TrucelineError
from truceline.ogc import documents as docs
from truceline.ogc.collections import Collection, Context, Registry, default_registry
from truceline.ogc.features import to_crs
from truceline.ogc.openapi import openapi_document
from truceline.ogc.paging import decode_token
from truceline.ogc.params import (
    FEATURE_PARAMS,
    PLAIN_PARAMS,
    ItemQuery,
    parse_crs,
    parse_items_query,
    single_values,
)
from truceline.services.events import fusion_complete
from truceline.timefmt import from_micros

PREFIX = "/ogc"
ALLOW = "GET, HEAD, OPTIONS"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Crs, Link",
}
PREFLIGHT = {
    **CORS,
    "Allow": ALLOW,
    "Access-Control-Allow-Methods": ALLOW,
    "Access-Control-Allow-Headers": "Authorization, Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}
TITLE = "Truceline"
DESCRIPTION = (
    "Ceasefire monitoring data for GIS clients: fused events, findings, observations, sensors "
    "and the agreement's layers. Send 'Authorization: Bearer TOKEN' to see what your role "
    "releases; without it, only public records and the agreement are served."
)

Handler = Callable[..., Response]


def _json(doc: Any, media_type: str = docs.JSON, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(doc), media_type=media_type, headers=headers)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def _now() -> datetime:
    return from_micros(now_us()).astimezone(UTC)


def _ogc(handler: Handler) -> Handler:
    """Turn errors into problem+json here (so they get CORS headers too) and add CORS."""

    @functools.wraps(handler)
    def wrapper(request: Request, **kwargs: Any) -> Response:
        try:
            response = handler(request, **kwargs)
        except TrucelineError as exc:
            response = problem_response(
                exc.status, exc.title, exc.message, slug=exc.type_slug, instance=request.url.path
            )
        response.headers.update(CORS)
        if request.method == "HEAD":
            return Response(b"", status_code=response.status_code, headers=dict(response.headers))
        return response

    return wrapper


def _context(
    request: Request, principal: Principal, conn: Any, query: ItemQuery | None = None
) -> Context:
    """The request's context; sensors report their status at the instant asked, else now."""
    interval = query.interval if query else None
    if interval is not None and interval.start is not None and interval.start == interval.end:
        return Context(conn, principal, interval.start)
    return Context(conn, principal, _now())


def _describe(base: str, collection: Collection, ctx: Context) -> dict[str, Any]:
    return docs.collection_doc(
        base,
        collection.id,
        collection.title,
        collection.description,
        collection.extent(ctx).as_dict(),
        collection.keywords,
    )


def build_router(registry: Registry | None = None) -> APIRouter:
    reg = registry or default_registry()
    router = APIRouter(tags=["ogc"])

    def landing(request: Request) -> Response:
        single_values(request.query_params.multi_items(), PLAIN_PARAMS)
        return _json(docs.landing_page(_base(request), TITLE, DESCRIPTION))

    def conformance(request: Request) -> Response:
        single_values(request.query_params.multi_items(), PLAIN_PARAMS)
        return _json(docs.conformance(_base(request)))

    def api(request: Request) -> Response:
        single_values(request.query_params.multi_items(), PLAIN_PARAMS)
        with get_store(request).read() as conn:
            listed = [(c.id, c.title) for c in reg.all(conn)]
        doc = openapi_document(_base(request), TITLE, __version__, listed)
        return _json(doc, docs.OPENAPI_JSON)

    def collections(request: Request) -> Response:
        single_values(request.query_params.multi_items(), PLAIN_PARAMS)
        principal = current_principal(request)
        base = _base(request)
        with get_store(request).read() as conn:
            ctx = _context(request, principal, conn)
            described = [_describe(base, c, ctx) for c in reg.all(conn)]
        return _json(docs.collections_doc(base, described))

    def collection(request: Request, collectionId: str) -> Response:
        single_values(request.query_params.multi_items(), PLAIN_PARAMS)
        principal = current_principal(request)
        with get_store(request).read() as conn:
            ctx = _context(request, principal, conn)
            doc = _describe(_base(request), reg.get(conn, collectionId), ctx)
        return _json(doc)

    def items(request: Request, collectionId: str) -> Response:
        pairs = request.query_params.multi_items()
        query = parse_items_query(pairs)
        token = decode_token(query.cursor) if query.cursor else None
        principal = current_principal(request)
        with get_store(request).read() as conn:
            found = reg.get(conn, collectionId)
            page = found.items(_context(request, principal, conn, query), query, token)
            complete = fusion_complete(conn) if collectionId == "events" else None
        if found.audit_kind:
            audit_reads(request, principal, found.audit_kind, page.features)
        doc = docs.items_doc(
            _base(request),
            collectionId,
            [to_crs(f, query.crs) for f in page.features],
            dict(pairs),
            next_token=page.next,
            prev_token=page.prev,
            now=_now(),
            number_matched=page.number_matched,
            complete_to=complete,
        )
        return _json(doc, docs.GEOJSON, {"Content-Crs": f"<{query.crs}>"})

    def feature(request: Request, collectionId: str, featureId: str) -> Response:
        values = single_values(request.query_params.multi_items(), FEATURE_PARAMS)
        crs = parse_crs(values.get("crs"), "crs")
        principal = current_principal(request)
        with get_store(request).read() as conn:
            found = reg.get(conn, collectionId)
            item = found.item(_context(request, principal, conn), featureId)
        if item is None:
            raise NotFoundError(f"feature {featureId!r} not found in {collectionId!r}")
        if found.audit_kind:
            audit_reads(request, principal, found.audit_kind, [item])
        doc = docs.feature_doc(_base(request), collectionId, to_crs(item, crs))
        return _json(doc, docs.GEOJSON, {"Content-Crs": f"<{crs}>"})

    def preflight(request: Request) -> Response:
        return Response(status_code=204, headers=PREFLIGHT)

    routes: list[tuple[str, Handler, str]] = [
        ("", landing, "ogc_landing"),
        ("/api", api, "ogc_api"),
        ("/conformance", conformance, "ogc_conformance"),
        ("/collections", collections, "ogc_collections"),
        ("/collections/{collectionId}", collection, "ogc_collection"),
        ("/collections/{collectionId}/items", items, "ogc_items"),
        ("/collections/{collectionId}/items/{featureId}", feature, "ogc_feature"),
    ]
    for path, handler, name in routes:
        full = PREFIX + path
        wrapped = _ogc(handler)
        router.add_api_route(
            full,
            wrapped,
            methods=["GET"],
            name=name,
            summary=(handler.__name__.replace("_", " ").capitalize()),
            response_class=Response,
        )
        router.add_api_route(
            full, wrapped, methods=["HEAD"], include_in_schema=False, name=f"{name}_head"
        )
        router.add_api_route(
            full, preflight, methods=["OPTIONS"], include_in_schema=False, name=f"{name}_options"
        )
    # The landing page with a trailing slash too: clients join relative paths onto "/ogc/".
    router.add_api_route(
        PREFIX + "/",
        _ogc(landing),
        methods=["GET", "HEAD"],
        include_in_schema=False,
        name="ogc_landing_slash",
    )
    router.add_api_route(
        PREFIX + "/",
        preflight,
        methods=["OPTIONS"],
        include_in_schema=False,
        name="ogc_landing_slash_options",
    )
    return router
