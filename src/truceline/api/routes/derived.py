"""Derived records over HTTP: fused events and rule findings (read-only).

``/provisional-events`` are live fusion's events located and not released yet (their
pairs not settled): each goes once its event is released under ``/events`` with the same
id, some 7–10 minutes later, or is withdrawn (``event: withdrawn`` on the stream).
"""

from __future__ import annotations

from fastapi import APIRouter

from truceline.api.routes.inputs import add_list_routes


def build_router() -> APIRouter:
    router = APIRouter(tags=["derived"])
    add_list_routes(router, "events")
    add_list_routes(router, "provisional-events")
    add_list_routes(router, "findings")
    return router
