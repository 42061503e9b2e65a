"""RFC 9457 problem details: every error leaves the API in this one shape, from here.

Validation errors of query parameters are 400 (the request is malformed), errors in the
records of a batch are 422 (well-formed request, unprocessable content), conflicts 409.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from truceline.errors import TrucelineError

PROBLEM = "application/problem+json"
log = logging.getLogger("truceline.api")


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    instance: str,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://truceline.org/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(TrucelineError)
    async def _domain(request: Request, exc: TrucelineError) -> JSONResponse:
        extra = {"problems": [p.as_dict() for p in exc.problems]} if exc.problems else None
        return problem_response(
            exc.status,
            exc.title,
            exc.message,
            slug=exc.type_slug,
            instance=request.url.path,
            extra=extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "source": "request",
                "field": ".".join(str(p) for p in err.get("loc", ())[1:]) or None,
                "in": str(err.get("loc", ("request",))[0]),
                "detail": err.get("msg", "invalid"),
            }
            for err in exc.errors()
        ]
        return problem_response(
            400,
            "Bad request",
            "the request's parameters are not valid",
            slug="bad-request",
            instance=request.url.path,
            extra={"problems": problems},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            slug=f"http-{exc.status_code}",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            slug="internal",
            instance=request.url.path,
        )
