"""Derived records over HTTP: fused events and rule findings (read-only)."""

from __future__ import annotations

from fastapi import APIRouter

from truceline.api.routes.inputs import add_list_routes


def build_router() -> APIRouter:
    router = APIRouter(tags=["derived"])
    add_list_routes(router, "events")
    add_list_routes(router, "findings")
    return router
