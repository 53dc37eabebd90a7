"""The dashboard: the single-page app of ``frontend/``, served by ``orchestrix serve`` at ``/``.

The built files live in ``static/`` inside the package (``scripts/build-dashboard.sh`` writes
them), so an installed Orchestrix serves its dashboard without Node.js. ``index.html`` answers
``/`` and the client-side routes (``/servers``, ``/servers/{id}``); hashed files under
``/assets`` are cached for a year and sent gzip-compressed when a ``.gz`` sibling exists.
"""

from __future__ import annotations

import html
import mimetypes
import os
import stat
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from orchestrix.settings import Settings, get_settings

STATIC_DIR = Path(__file__).parent / "static"

#: Paths the single-page app routes itself; every other path belongs to the API.
CLIENT_ROUTES = ("/", "/servers", "/servers/{path:path}")

ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
}


def mount_dashboard(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Serve the dashboard on ``app``; call it after the API routes so they take precedence."""
    settings: Settings = getattr(app.state, "settings", None) or get_settings()
    page = render_index(
        static_dir / "index.html",
        deploy_target=settings.resolved_deploy_target,
        auth=settings.auth,
    )

    async def index() -> Response:
        if page is None:
            return JSONResponse(
                {
                    "error": "The dashboard is not built",
                    "details": {"hint": "run scripts/build-dashboard.sh (needs Node.js 20)"},
                },
                status_code=503,
            )
        return HTMLResponse(page, headers=PAGE_HEADERS)

    for path in CLIENT_ROUTES:
        app.add_api_route(
            path, index, methods=["GET", "HEAD"], include_in_schema=False, response_model=None
        )
    app.mount(
        "/assets",
        AssetFiles(directory=static_dir / "assets", check_dir=False),
        name="dashboard-assets",
    )


def render_index(path: Path, *, deploy_target: str, auth: str = "none") -> str | None:
    """``index.html`` with what the page needs to know from the server, as ``<meta>`` tags."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    # The auth mode tells the page whether to ask for an API token (ORCHESTRIX_AUTH=tokens).
    meta = (
        f'<meta name="orchestrix-deploy-target" content="{html.escape(deploy_target)}" />\n'
        f'    <meta name="orchestrix-auth" content="{html.escape(auth)}" />'
    )
    return text.replace("</head>", f"  {meta}\n  </head>", 1)


class AssetFiles(StaticFiles):
    """Hashed build output: cached for a year; the ``.gz`` twin when the client takes gzip."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = None
        if accepts_gzip(scope):
            response = await self._gzipped(path)
        if response is None:
            response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = ASSET_CACHE
            response.headers["Vary"] = "Accept-Encoding"
        return response

    async def _gzipped(self, path: str) -> Response | None:
        try:
            full_path, stat_result = await anyio.to_thread.run_sync(self.lookup_path, path + ".gz")
        except (OSError, ValueError):
            return None
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            return None
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if media_type == "text/javascript":
            media_type = "application/javascript"
        return FileResponse(
            full_path,
            stat_result=stat_result,
            media_type=media_type,
            headers={"Content-Encoding": "gzip"},
        )


def accepts_gzip(scope: Scope) -> bool:
    headers: Any = scope.get("headers") or []
    for name, value in headers:
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


def is_built(static_dir: Path = STATIC_DIR) -> bool:
    return (static_dir / "index.html").is_file() and any(
        p.suffix == ".js" for p in (static_dir / "assets").glob("*") if os.path.isfile(p)
    )


__all__ = ["STATIC_DIR", "is_built", "mount_dashboard"]
