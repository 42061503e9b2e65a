"""The OpenAPI 3.0.3 definition of the OGC API endpoints (pure), written out by hand.

OGC API – Features requires an API definition (/req/oas30/oas-definition-1) that validators
read as OpenAPI 3.0; FastAPI's own document is 3.1, which they reject, and it describes the
parameters as FastAPI sees them rather than with the fragments the standard prescribes
(``bbox``: array of 4 to 6 numbers, ``style: form``, ``explode: false``; ``limit``: integer;
``datetime``: string). Paths are listed per collection, as pygeoapi and ldproxy do, so a
client (and the OGC test suites) finds each collection's parameters under its own path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from truceline.ogc.documents import GEOJSON, JSON, OPENAPI_JSON
from truceline.ogc.params import CRS84, DEFAULT_LIMIT, MAX_LIMIT, SUPPORTED_CRS

PROBLEM = "application/problem+json"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: str, media_type: str = JSON) -> dict[str, Any]:
    return {media_type: {"schema": _ref("schemas", schema)}}


def _form(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
    }


PARAMETERS: dict[str, dict[str, Any]] = {
    "f": _form(
        "f",
        "The format of the response: json (GeoJSON for features).",
        {"type": "string", "enum": ["json", "geojson"]},
    ),
    "bbox": _form(
        "bbox",
        "Only features whose geometry intersects this box: west, south, east, north (CRS84, "
        "or the CRS of bbox-crs), or 6 numbers with heights (ignored). A west edge greater "
        "than the east edge crosses the antimeridian.",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    ),
    "bbox-crs": _form(
        "bbox-crs",
        "The CRS of bbox (default CRS84).",
        {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)},
    ),
    "crs": _form(
        "crs",
        "The CRS of the returned geometries (default CRS84).",
        {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)},
    ),
    "datetime": _form(
        "datetime",
        "Only features whose time meets this RFC 3339 instant or interval: "
        "'2026-03-02T04:00:00Z', '2026-03-01T00:00:00Z/2026-03-02T00:00:00Z', "
        "'../2026-03-02T00:00:00Z', '2026-03-01T00:00:00Z/..'. A full date stands for its day.",
        {"type": "string"},
    ),
    "limit": _form(
        "limit",
        f"Page size. Larger values are served as {MAX_LIMIT}; follow the 'next' link for more.",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    ),
    "cursor": _form("cursor", "Opaque position from a 'next' or 'prev' link.", {"type": "string"}),
    "featureId": {
        "name": "featureId",
        "in": "path",
        "required": True,
        "description": "The id of a feature.",
        "schema": {"type": "string"},
    },
}

_LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
        "hreflang": {"type": "string"},
        "length": {"type": "integer"},
    },
}
_LINKS = {"type": "array", "items": _ref("schemas", "link")}
_EXTENT = {
    "type": "object",
    "properties": {
        "spatial": {
            "type": "object",
            "properties": {
                "bbox": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 4,
                        "maxItems": 6,
                        "items": {"type": "number"},
                    },
                },
                "crs": {"type": "string", "default": CRS84},
            },
        },
        "temporal": {
            "type": "object",
            "properties": {
                "interval": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "array",
                        "minItems": 2,
                        "maxItems": 2,
                        "items": {"type": "string", "format": "date-time", "nullable": True},
                    },
                },
                "trs": {"type": "string"},
            },
        },
    },
}
_GEOMETRY = {
    "type": "object",
    "required": ["type"],
    "description": "A GeoJSON geometry (RFC 7946).",
    "properties": {
        "type": {
            "type": "string",
            "enum": [
                "Point",
                "MultiPoint",
                "LineString",
                "MultiLineString",
                "Polygon",
                "MultiPolygon",
                "GeometryCollection",
            ],
        },
        "coordinates": {"type": "array", "items": {}},
        "geometries": {"type": "array", "items": {"type": "object"}},
    },
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "link": _LINK,
    "landingPage": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": _LINKS,
        },
    },
    "confClasses": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}},
            "links": _LINKS,
        },
    },
    "extent": _EXTENT,
    "collection": {
        "type": "object",
        "required": ["id", "links"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": _LINKS,
            "extent": _ref("schemas", "extent"),
            "itemType": {"type": "string", "default": "feature"},
            "keywords": {"type": "array", "items": {"type": "string"}},
            "crs": {"type": "array", "items": {"type": "string"}},
            "storageCrs": {"type": "string"},
        },
    },
    "collections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": _LINKS,
            "collections": {"type": "array", "items": _ref("schemas", "collection")},
            "crs": {"type": "array", "items": {"type": "string"}},
        },
    },
    "geometryGeoJSON": _GEOMETRY,
    "featureGeoJSON": {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": {"allOf": [_ref("schemas", "geometryGeoJSON")], "nullable": True},
            "properties": {"type": "object", "nullable": True},
            "links": _LINKS,
        },
    },
    "featureCollectionGeoJSON": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref("schemas", "featureGeoJSON")},
            "links": _LINKS,
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "completeTo": {
                "type": "string",
                "format": "date-time",
                "description": "events only: every fused event with an earlier time is "
                "stored; later ones may still come (live fusion releases an event once its "
                "pairs are settled, some 13 minutes after the blast)",
            },
        },
    },
    "problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
        },
    },
}

_CONTENT_CRS = {
    "Content-Crs": {
        "description": "The CRS of the geometries, in angle brackets.",
        "schema": {"type": "string"},
    }
}
RESPONSES: dict[str, dict[str, Any]] = {
    "LandingPage": {"description": "The landing page", "content": _json("landingPage")},
    "API": {
        "description": "This document",
        "content": {OPENAPI_JSON: {"schema": {"type": "object"}}},
    },
    "ConformanceDeclaration": {
        "description": "The conformance classes implemented",
        "content": _json("confClasses"),
    },
    "Collections": {"description": "The feature collections", "content": _json("collections")},
    "Collection": {"description": "One feature collection", "content": _json("collection")},
    "Features": {
        "description": "A page of features",
        "headers": _CONTENT_CRS,
        "content": _json("featureCollectionGeoJSON", GEOJSON),
    },
    "Feature": {
        "description": "One feature",
        "headers": _CONTENT_CRS,
        "content": _json("featureGeoJSON", GEOJSON),
    },
    "InvalidParameter": {
        "description": "A parameter is unknown, repeated or malformed",
        "content": _json("problem", PROBLEM),
    },
    "NotFound": {
        "description": "No such collection or feature (or not visible to the caller)",
        "content": _json("problem", PROBLEM),
    },
    "ServerError": {"description": "An unexpected error", "content": _json("problem", PROBLEM)},
}


def _op(op_id: str, summary: str, tag: str, ok: str, params: Sequence[str]) -> dict[str, Any]:
    responses = {
        "200": _ref("responses", ok),
        "400": _ref("responses", "InvalidParameter"),
        "500": _ref("responses", "ServerError"),
    }
    if ok in ("Collection", "Features", "Feature"):
        responses["404"] = _ref("responses", "NotFound")
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "parameters": [_ref("parameters", p) for p in params],
        "responses": responses,
    }


def openapi_document(
    base: str, title: str, version: str, collections: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The API definition for a server at ``base`` serving ``collections`` (id, title)."""
    paths: dict[str, Any] = {
        "/": {"get": _op("getLandingPage", "Landing page", "Capabilities", "LandingPage", ["f"])},
        "/api": {
            "get": _op(
                "getApiDefinition",
                "This API definition (OpenAPI 3.0)",
                "Capabilities",
                "API",
                ["f"],
            )
        },
        "/conformance": {
            "get": _op(
                "getConformanceDeclaration",
                "Conformance classes",
                "Capabilities",
                "ConformanceDeclaration",
                ["f"],
            )
        },
        "/collections": {
            "get": _op(
                "getCollections", "The feature collections", "Capabilities", "Collections", ["f"]
            )
        },
    }
    items_params = ["bbox", "bbox-crs", "datetime", "limit", "cursor", "crs", "f"]
    for cid, ctitle in collections:
        tag = cid
        safe = cid.replace("-", "_")
        paths[f"/collections/{cid}"] = {
            "get": _op(f"describe_{safe}", f"Describe {ctitle}", tag, "Collection", ["f"])
        }
        paths[f"/collections/{cid}/items"] = {
            "get": _op(f"get_{safe}_items", f"Features of {ctitle}", tag, "Features", items_params)
        }
        paths[f"/collections/{cid}/items/{{featureId}}"] = {
            "get": _op(
                f"get_{safe}_feature",
                f"One feature of {ctitle}",
                tag,
                "Feature",
                ["featureId", "crs", "f"],
            )
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{title}: OGC API – Features",
            "version": version,
            "description": "OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0) and Part 2 "
            "(CRS by reference: CRS84 and EPSG:4326). What is served depends on the caller: "
            "send 'Authorization: Bearer TOKEN'; without it, only public records and the "
            "agreement's layers are served.",
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "servers": [{"url": base}],
        "tags": [{"name": "Capabilities"}]
        + [{"name": cid, "description": t} for cid, t in collections],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS,
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
    }
