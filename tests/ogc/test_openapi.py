"""The hand-written OGC API definition is valid OpenAPI 3.0 and says what the standard asks."""

from typing import Any

import pytest

from truceline.ogc.openapi import openapi_document

validator = pytest.importorskip(
    "openapi_spec_validator",
    reason="openapi-spec-validator is not installed (pip install openapi-spec-validator)",
)

COLLECTIONS = [("events", "Fused events"), ("agreement-control_area", "Control areas")]


def _param(doc: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    for p in doc["paths"][path]["get"]["parameters"]:
        ref = p["$ref"].rsplit("/", 1)[-1]
        if doc["components"]["parameters"][ref]["name"] == name:
            return dict(doc["components"]["parameters"][ref])
    raise AssertionError(f"{name} missing from {path}")


def test_the_document_is_valid_openapi_3_0() -> None:
    doc = openapi_document("http://example.org/ogc", "Truceline", "0.1.0", COLLECTIONS)
    assert doc["openapi"].startswith("3.0.")
    validator.validate(doc)  # raises on any violation
    from openapi_spec_validator.versions import consts, get_spec_version

    assert get_spec_version(doc) == consts.OPENAPIV30


def test_every_collection_has_its_paths_with_the_prescribed_parameters() -> None:
    doc = openapi_document("http://example.org/ogc", "Truceline", "0.1.0", COLLECTIONS)
    for cid, _ in COLLECTIONS:
        items = f"/collections/{cid}/items"
        assert {f"/collections/{cid}", items, items + "/{featureId}"} <= doc["paths"].keys()
        bbox = _param(doc, items, "bbox")
        assert bbox["schema"] == {
            "type": "array",
            "minItems": 4,
            "maxItems": 6,
            "items": {"type": "number"},
        }
        assert (bbox["in"], bbox["required"], bbox["style"], bbox["explode"]) == (
            "query",
            False,
            "form",
            False,
        )
        assert _param(doc, items, "limit")["schema"]["type"] == "integer"
        assert _param(doc, items, "datetime")["schema"] == {"type": "string"}
        assert doc["paths"][items]["get"]["responses"]["400"]
    assert doc["servers"] == [{"url": "http://example.org/ogc"}]
