"""Fixtures for evidence: the app over the real store (SQLite and PostgreSQL), tokens,
incidents inserted as plain rows, and the evidence store the app writes to."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXED_NOW_US, bearer
from truceline.api import create_app
from truceline.evidence import FileEvidenceStore
from truceline.formats.records import Markings
from truceline.services.evidence import evidence_store_for
from truceline.services.rows import audience, markings_json
from truceline.settings import Settings
from truceline.store import tables
from truceline.store.engine import Store

MAX_MB = 1
TokenFor = Callable[..., dict[str, str]]
MakeIncident = Callable[..., str]


@pytest.fixture
def ev_settings(tmp_path: Path) -> Settings:
    """Settings with a 1 MiB evidence limit, so the limit is testable in milliseconds."""
    return Settings.from_env({}, home=str(tmp_path / "home"), evidence_max_mb=str(MAX_MB))


@pytest.fixture
def evstore(ev_settings: Settings) -> FileEvidenceStore:
    return evidence_store_for(ev_settings)


@pytest.fixture
def api(store: Store, ev_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(ev_settings, store=store)) as client:
        yield client


@pytest.fixture
def auth(token_for: Callable[..., str]) -> TokenFor:
    """Headers for a new principal with these roles."""

    def make(*roles: str, nation: str = "GBR", side: str | None = None) -> dict[str, str]:
        return bearer(token_for(*roles, nation=nation, side=side))

    return make


@pytest.fixture
def incident(store: Store) -> MakeIncident:
    """Insert a minimal incident row with these markings; returns its id."""
    counter = iter(range(10_000))

    def make(releasable_to: tuple[str, ...] = ("MISSION",), originator: str = "MISSION") -> str:
        iid = f"inc-{next(counter):04d}"
        markings = Markings(releasable_to=list(releasable_to))
        with store.write() as conn:
            conn.execute(
                tables.incidents.insert().values(
                    id=iid,
                    state="received",
                    version=1,
                    state_json="{}",
                    title="test incident",
                    category="explosion",
                    time_from_us=FIXED_NOW_US,
                    time_to_us=FIXED_NOW_US,
                    grade="weak",
                    grade_reason="one source",
                    grave=0,
                    since_us=FIXED_NOW_US,
                    updated_us=FIXED_NOW_US,
                    record="{}",
                    originator=originator,
                    markings=markings_json(markings),
                    audience=audience(markings),
                    created_us=FIXED_NOW_US,
                )
            )
        return iid

    return make


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(
    client: TestClient,
    incident_id: str,
    data: bytes,
    headers: dict[str, str],
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    **fields: Any,
) -> Any:
    """POST one file as multipart/form-data; extra keyword arguments become text fields."""
    form = {
        k: (orjson.dumps(v).decode() if isinstance(v, dict) else str(v)) for k, v in fields.items()
    }
    return client.post(
        f"/api/v1/incidents/{incident_id}/evidence",
        files={"file": (filename, data, content_type)},
        data=form,
        headers=headers,
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + b"1 0 obj << >> endobj\n" * 50
