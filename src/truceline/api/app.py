"""The FastAPI application factory: everything configured through arguments, no globals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from truceline import __version__
from truceline.api import auth, problems
from truceline.api.routes import (
    agreements,
    derived,
    exports,
    incidents,
    inputs,
    ledger,
    ogc,
    principals,
    sensors,
)
from truceline.api.routes import alerts as alert_routes
from truceline.api.routes import evidence as evidence_routes
from truceline.api.routes import releases as release_routes
from truceline.api.routes import reports as report_routes
from truceline.api.routes import stream as stream_routes
from truceline.api.routes import web as web_routes
from truceline.api.schemas import COMPONENTS
from truceline.clock import now_us
from truceline.services.workers import WorkerSet, build_workers
from truceline.settings import Settings
from truceline.store.engine import Store

API = "/api/v1"


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    workers: bool | None = None,
) -> FastAPI:
    """Build the app on a migrated store (created from the settings when not given).

    ``workers`` (default: the ``workers`` setting when the store is created here, off for a
    store passed in, as tests do) starts the background workers with the app's lifespan.
    """
    run_workers = (settings.workers == 1 and store is None) if workers is None else workers
    if store is None:
        store = Store(settings.database_url)
        store.migrate()
    background = WorkerSet(build_workers(store, settings, now_us) if run_workers else [], store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        background.start()
        try:
            yield
        finally:
            background.stop()

    app = FastAPI(
        lifespan=lifespan,
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
    problems.install(app)
    auth.install(app, settings)
    app.include_router(agreements.build_router(), prefix=API)
    app.include_router(sensors.build_router(), prefix=API)
    app.include_router(inputs.build_router(), prefix=API)
    app.include_router(derived.build_router(), prefix=API)
    app.include_router(incidents.build_router(), prefix=API)
    app.include_router(principals.build_router(), prefix=API)
    app.include_router(evidence_routes.build_router(), prefix=API)
    app.include_router(ledger.build_router(), prefix=API)
    app.include_router(ledger.well_known_router())
    app.include_router(exports.build_router(), prefix=API)
    app.include_router(stream_routes.build_router(), prefix=API)
    app.include_router(release_routes.build_router(), prefix=API)
    app.include_router(report_routes.build_router(), prefix=API)
    app.include_router(alert_routes.build_router(), prefix=API)
    app.include_router(ogc.build_router())  # OGC API - Features, at /ogc

    @app.get(f"{API}/health", tags=["service"], summary="Liveness and store check")
    def health() -> dict[str, Any]:
        with store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__, "store": store.dialect}

    app.include_router(web_routes.build_router())  # the workspace at /: keep last
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
