"""The narrative dashboard: a static page plus one JSON endpoint on the worker's web server.

Why served by the worker: the worker already holds every event it publishes (see
`agents.board`), already runs an HTTP server for /metrics, and so needs no extra process,
consumer group or port. Why a static page that polls `/api/narratives`: no build step, no
external CDN (the worker may run air-gapped), and nothing rendered server-side from untrusted
text — the page builds its DOM with `textContent`, and a strict Content-Security-Policy
(scripts only from this origin, no inline script or event handlers) is a second line of defence
should a document's text ever reach the DOM as markup.

Routes: `/dashboard` (the page), `/dashboard/dashboard.js`, `/dashboard/dashboard.css`,
`/api/narratives[?since=REVISION]` (the board; `{"revision": N, "unchanged": true}` when the
board has not changed since the caller's revision, so idle polling is cheap).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from faust.web import Request, Response, View

from agents.board import NarrativeBoard

__all__ = ["SECURITY_HEADERS", "register_dashboard", "static_file"]

#: Sent with every dashboard response. `connect-src 'self'` lets the page poll this origin only.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

#: Served as UTF-8 text (aiohttp adds the charset; it refuses one inside the content type).
_CONTENT_TYPES = {
    "index.html": "text/html",
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
}


def static_file(name: str) -> bytes:
    """A file shipped in the package's `static/` folder (package data, so wheels carry it)."""
    if name not in _CONTENT_TYPES:
        raise KeyError(name)
    return resources.files("agents").joinpath("static", name).read_bytes()


def _since(request: Any) -> int | None:
    query = getattr(request, "query", None)
    raw = query.get("since") if query is not None else None
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def register_dashboard(app: Any, board: NarrativeBoard) -> None:
    """Add the dashboard's pages to a Faust app (before it starts)."""
    files = {name: static_file(name).decode("utf-8") for name in _CONTENT_TYPES}

    def asset(name: str) -> type[View]:
        body, content_type = files[name], _CONTENT_TYPES[name]

        class AssetView(View):
            async def get(self, request: Request) -> Response:
                return self.text(body, content_type=content_type, headers=dict(SECURITY_HEADERS))

        AssetView.__name__ = AssetView.__qualname__ = f"Dashboard_{name.replace('.', '_')}"
        return AssetView

    app.page("/dashboard", name="dashboard")(asset("index.html"))
    app.page("/dashboard/", name="dashboard-slash")(asset("index.html"))
    app.page("/dashboard/dashboard.js", name="dashboard-js")(asset("dashboard.js"))
    app.page("/dashboard/dashboard.css", name="dashboard-css")(asset("dashboard.css"))

    @app.page("/api/narratives", name="api-narratives")
    class NarrativesView(View):
        async def get(self, request: Request) -> Response:
            since = _since(request)
            if since is not None and since == board.revision:
                body: dict[str, Any] = {"revision": board.revision, "unchanged": True}
            else:
                body = board.snapshot()
            return self.json(body, headers=dict(SECURITY_HEADERS))
