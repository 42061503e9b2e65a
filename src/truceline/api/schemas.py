"""OpenAPI bits the routes share: request bodies of interchange records, response models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

COMPONENTS: dict[str, Any] = {}


def record_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A $ref to ``model`` in components, registering it (and its parts) once."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    COMPONENTS.update(schema.pop("$defs", {}))
    COMPONENTS[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def batch_body(model: type[BaseModel], *, csv: bool = False) -> dict[str, Any]:
    """openapi_extra declaring a batch body: JSON array or JSON Lines (gzip accepted)."""
    content: dict[str, Any] = {
        "application/json": {"schema": {"type": "array", "items": record_schema(model)}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    }
    if csv:
        content["text/csv"] = {"schema": {"type": "string"}}
    return {"requestBody": {"required": True, "content": content}}


class ProblemItem(BaseModel):
    source: str | None = None
    line: int | None = None
    record: int | None = None
    field: str | None = None
    record_id: str | None = None
    detail: str


class IngestResult(BaseModel):
    kind: str
    source: str
    received: int
    inserted: int
    unchanged: int
    rejected: int
    problems: list[ProblemItem] = Field(default_factory=list)


class PageOut(BaseModel):
    items: list[dict[str, Any]]
    next: str | None = Field(None, description="cursor of the next page, or null")


class EventPageOut(PageOut):
    complete_to: str | None = Field(
        None,
        description="every fused event with an origin time before this (RFC 3339) is "
        "stored: later ones may still come, so a quiet stretch after it is not yet calm "
        "(live fusion releases an event once its pairs are settled, some 13 minutes after "
        "the blast); null before live fusion has released any",
    )
