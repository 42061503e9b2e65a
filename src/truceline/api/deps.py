"""Request-scoped helpers shared by the routes: the store, bodies, time parameters."""

from __future__ import annotations

import gzip
import zlib
from datetime import datetime

from fastapi import Request

from truceline.errors import BadRequestError, TrucelineError
from truceline.settings import Settings
from truceline.store.engine import Store
from truceline.timefmt import parse_time


class PayloadTooLarge(TrucelineError):
    status = 413
    title = "Payload too large"
    type_slug = "payload-too-large"


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def read_body(request: Request) -> bytes:
    """The request body, gunzipped when ``Content-Encoding: gzip``, within the size limit."""
    limit = get_settings(request).max_body_mb * 1024 * 1024
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is larger than {limit // (1024 * 1024)} MiB")
        chunks.append(chunk)
    data = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() == "gzip":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise BadRequestError(f"request body: not valid gzip ({exc})") from None
    return data


def required_time(value: str, name: str) -> datetime:
    """An RFC 3339 request value; 400 naming the parameter when malformed."""
    try:
        return parse_time(value)
    except ValueError as exc:
        raise BadRequestError(f"{name}: {exc}") from None


def time_param(value: str | None, name: str) -> datetime | None:
    return None if value is None else required_time(value, name)
