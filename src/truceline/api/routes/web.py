"""The web workspace: ``/`` (the page), ``/assets/{name}`` (its bundle), ``/config.json``.

The page is public (it holds no data; everything it shows comes from the API with the
user's token). Its Content-Security-Policy lets the browser load nothing but this origin,
plus the configured basemap's origin when there is one: the promise that the workspace
makes no request to the internet is enforced by the browser, not only by the bundle.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from truceline.api.deps import get_settings
from truceline.errors import NotFoundError
from truceline.web import static_dir

# Vite names every asset <name>-<hash>.<ext>: one path segment, no dot-dot, no slash.
_ASSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_IMMUTABLE = "public, max-age=31536000, immutable"
_NOT_BUILT = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Truceline</title>"
    "<main><h1>Truceline</h1><p>The web workspace is not built in this installation. "
    "Run <code>make web</code>, or use the API at <a href=/api/v1/docs>/api/v1/docs</a>."
    "</p></main></html>"
)


def content_security_policy(basemap_url: str) -> str:
    """Same origin only (blob: and data: are URLs the page made itself: MapLibre's worker and
    images, downloaded evidence), plus the basemap's origin when one is configured."""
    extra = ""
    if basemap_url:
        parts = urlsplit(basemap_url.replace("{", "").replace("}", ""))
        extra = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; "
        f"connect-src 'self' blob:{extra}; "
        f"img-src 'self' data: blob:{extra}; "
        "worker-src 'self' blob:; child-src blob:; "
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    )


def build_router(directory: Path | None = None) -> APIRouter:
    """Routes over the built bundle in ``directory`` (default: the package's ``static``)."""
    root = directory or static_dir()
    router = APIRouter(tags=["web"])

    @router.get("/", response_class=HTMLResponse, summary="The web workspace (HTML page)")
    def index(request: Request) -> HTMLResponse:
        page = root / "index.html"
        body = page.read_text("utf-8") if page.is_file() else _NOT_BUILT
        csp = content_security_policy(get_settings(request).basemap_url)
        return HTMLResponse(
            body,
            headers={
                "Content-Security-Policy": csp,
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    @router.get(
        "/assets/{name}",
        summary="A file of the web workspace's bundle",
        response_class=FileResponse,
    )
    def asset(name: str) -> FileResponse:
        path = root / "assets" / name
        if not _ASSET.fullmatch(name) or ".." in name or not path.is_file():
            raise NotFoundError(f"no asset {name!r}")
        return FileResponse(
            path, headers={"Cache-Control": _IMMUTABLE, "X-Content-Type-Options": "nosniff"}
        )

    @router.get("/config.json", summary="What the web workspace needs to know of the server")
    def config(request: Request) -> JSONResponse:
        body: dict[str, Any] = {"basemap_url": get_settings(request).basemap_url}
        return JSONResponse(body, headers={"Cache-Control": "no-cache"})

    return router
