"""The FastAPI application factory: everything configured through arguments, no globals."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from truceline import __version__
from truceline.api import auth, problems
from truceline.api.routes import agreements, inputs, principals, sensors
from truceline.api.schemas import COMPONENTS
from truceline.services.ingest import OnInserted
from truceline.settings import Settings
from truceline.store.engine import Store

API = "/api/v1"


def create_app(
    settings: Settings, *, store: Store | None = None, on_inserted: OnInserted | None = None
) -> FastAPI:
    """Build the app on a migrated store (created from the settings when not given)."""
    if store is None:
        store = Store(settings.database_url)
        store.migrate()
    app = FastAPI(
        title="Truceline",
        version=__version__,
        description="Ceasefire monitoring and verification: inputs, agreement, fusion, "
        "findings, incidents, ledger.",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.on_inserted = on_inserted
    problems.install(app)
    auth.install(app, settings)
    app.include_router(agreements.build_router(), prefix=API)
    app.include_router(sensors.build_router(), prefix=API)
    app.include_router(inputs.build_router(), prefix=API)
    app.include_router(principals.build_router(), prefix=API)

    @app.get(f"{API}/health", tags=["service"], summary="Liveness and store check")
    def health() -> dict[str, Any]:
        with store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__, "store": store.dialect}

    _merge_components(app)
    return app


def _merge_components(app: FastAPI) -> None:
    """Add the interchange record schemas that batch bodies refer to."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
