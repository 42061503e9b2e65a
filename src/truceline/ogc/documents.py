"""The JSON documents of OGC API – Features: landing page, conformance, collections, items
(pure: a base URL, a collection's description and a page in, a dict out).

Links are absolute (clients such as OWSLib and the OGC test suites follow them as given) and
every link carries ``rel`` and ``type`` (/req/core/fc-links, /req/core/f-links). Relation
types are written both as the short IANA/OGC names and, where OGC registered one, its URI.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from truceline.ogc.paging import PageToken, encode_token
from truceline.ogc.params import CRS84, SUPPORTED_CRS
from truceline.timefmt import format_time

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": media_type}
    if title:
        out["title"] = title
    return out


def with_query(url: str, params: Mapping[str, str]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def landing_page(base: str, title: str, description: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "links": [
            link(base, "self", JSON, "This document"),
            link(f"{base}/api", "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/conformance", OGC_REL + "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "The feature collections"),
            link(f"{base}/collections", OGC_REL + "data", JSON, "The feature collections"),
        ],
    }


def conformance(base: str) -> dict[str, Any]:
    return {
        "conformsTo": list(CONFORMANCE),
        "links": [link(f"{base}/conformance", "self", JSON, "This document")],
    }


def collection_doc(
    base: str,
    cid: str,
    title: str,
    description: str,
    extent: dict[str, Any],
    keywords: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One collection's description (/req/core/sfc-md-success; Part 2 ``crs``, ``storageCrs``)."""
    url = f"{base}/collections/{cid}"
    doc: dict[str, Any] = {
        "id": cid,
        "title": title,
        "description": description,
        "links": [
            link(url, "self", JSON, "This collection"),
            link(f"{url}/items", "items", GEOJSON, "Its features"),
            link(f"{base}/collections", "collection", JSON, "All collections"),
        ],
        "itemType": "feature",
        "crs": list(SUPPORTED_CRS),
        "storageCrs": CRS84,
    }
    if keywords:
        doc["keywords"] = list(keywords)
    if extent:
        doc["extent"] = extent
    return doc


def collections_doc(base: str, collections: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "links": [link(f"{base}/collections", "self", JSON, "This document")],
        "collections": collections,
        "crs": list(SUPPORTED_CRS),
    }


def items_doc(
    base: str,
    cid: str,
    features: list[dict[str, Any]],
    params: Mapping[str, str],
    *,
    next_token: PageToken | None,
    prev_token: PageToken | None,
    now: datetime,
    number_matched: int | None = None,
    complete_to: str | None = None,
) -> dict[str, Any]:
    """A page of features (/req/core/fc-response, /req/core/fc-links, /req/core/fc-next-1).

    ``params`` are the request's query parameters; ``next`` and ``prev`` repeat them with
    the cursor replaced, so the following page has the same filters. ``complete_to``
    (fused events: every one before it is stored) is given as ``completeTo``, a foreign
    member (RFC 7946 §6.1), so a GIS client can tell not yet fused from calm.
    """
    url = f"{base}/collections/{cid}/items"
    rest = {k: v for k, v in params.items() if k != "cursor"}
    links = [link(with_query(url, params), "self", GEOJSON, "This page")]
    if next_token is not None:
        query = {**rest, "cursor": encode_token(next_token)}
        links.append(link(with_query(url, query), "next", GEOJSON, "Next page"))
    if prev_token is not None:
        query = {**rest, "cursor": encode_token(prev_token)}
        links.append(link(with_query(url, query), "prev", GEOJSON, "Previous page"))
    links.append(link(f"{base}/collections/{cid}", "collection", JSON, "The collection"))
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "links": links,
        "timeStamp": format_time(now.replace(microsecond=0)),
        "numberReturned": len(features),
    }
    if number_matched is not None:
        doc["numberMatched"] = number_matched
    if complete_to is not None:
        doc["completeTo"] = complete_to
    return doc


def feature_doc(base: str, cid: str, feature: dict[str, Any]) -> dict[str, Any]:
    """A feature with its links (/req/core/f-links) when served on its own."""
    url = f"{base}/collections/{cid}/items/{quote(str(feature['id']), safe='')}"
    return {
        **feature,
        "links": [
            link(url, "self", GEOJSON, "This feature"),
            link(f"{base}/collections/{cid}", "collection", JSON, "The collection"),
        ],
    }
