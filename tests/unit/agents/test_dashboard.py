"""The dashboard's HTTP pages, served in-process (faust's aiohttp app, no broker)."""

from __future__ import annotations

import asyncio
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import faust
from aiohttp.test_utils import TestClient, TestServer

from agents.board import NarrativeBoard
from agents.dashboard import SECURITY_HEADERS, register_dashboard, static_file

ROOT = Path(__file__).resolve().parents[3]


def _event(narrative_id: str, version: int, text: str) -> dict[str, Any]:
    return {
        "type": "emerged" if version == 1 else "updated",
        "narrative_id": narrative_id,
        "version": version,
        "window": {"start": "2023-05-08T00:00:00Z", "end": "2023-05-08T03:00:00Z"},
        "size": 12,
        "counts": {"by_kind": {"post": 12}, "by_source": {"x": 12}, "by_lang": {"en": 12}},
        "keywords": [{"term": "deepfake", "score": 1.0}],
        "representatives": [
            {
                "doc_id": "d1",
                "text": text,
                "kind": "post",
                "published_at": "2023-05-08T01:00:00Z",
                "similarity": 0.9,
            }
        ],
    }


def _serve(board: NarrativeBoard, *paths: str) -> list[tuple[int, dict[str, str], bytes]]:
    async def run() -> list[tuple[int, dict[str, str], bytes]]:
        app = faust.App("dashboard-unit", broker="kafka://127.0.0.1:1", web_in_thread=False)
        register_dashboard(app, board)
        out = []
        async with TestClient(TestServer(app.web.web_app)) as client:
            for path in paths:
                response = await client.get(path)
                out.append((response.status, dict(response.headers), await response.read()))
        return out

    return asyncio.run(run())


def test_pages_and_api() -> None:
    board = NarrativeBoard()
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    board.apply(_event("n1", 1, hostile))
    page, slash, script, style, api, same, stale = _serve(
        board,
        "/dashboard",
        "/dashboard/",
        "/dashboard/dashboard.js",
        "/dashboard/dashboard.css",
        "/api/narratives",
        f"/api/narratives?since={board.revision}",
        "/api/narratives?since=0",
    )
    for status, headers, _ in (page, slash, script, style, api, same, stale):
        assert status == 200
        for name, value in SECURITY_HEADERS.items():
            assert headers[name] == value
    assert page[1]["Content-Type"].startswith("text/html")
    assert page[2] == slash[2] == static_file("index.html")
    assert script[1]["Content-Type"].startswith("text/javascript")
    assert style[1]["Content-Type"].startswith("text/css")
    assert api[1]["Content-Type"].startswith("application/json")
    data = json.loads(api[2])
    assert data["revision"] == 1 and data["live"] == 1
    (card,) = data["stories"][0]["narratives"]
    # The API is JSON: untrusted text travels as a JSON string, for the page to show as text.
    assert card["narrative_id"] == "n1" and card["representatives"][0]["text"] == hostile
    assert json.loads(same[2]) == {"revision": 1, "unchanged": True}
    assert json.loads(stale[2])["stories"]


def test_page_uses_no_inline_script_and_no_external_resources() -> None:
    html = static_file("index.html").decode()
    # CSP forbids inline script: every <script> must load from this origin.
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/dashboard/dashboard.js" defer>']
    for name in ("index.html", "dashboard.js", "dashboard.css"):
        text = static_file(name).decode()
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", text), name
        assert "@import" not in text and "url(" not in text


def test_script_never_parses_data_as_html() -> None:
    """Documents are untrusted: the page builds text nodes only (checked in a browser too)."""
    script = static_file("dashboard.js").decode()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("//"))
    for api in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "createContextualFragment",
        "DOMParser",
        "eval(",
        "new Function",
        'setTimeout("',
    ):
        assert api not in code, api
    assert "createTextNode" in code and "textContent" in code


def test_static_files_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["agents"]
    shipped = {p.name for g in globs for p in (ROOT / "agents").glob(g)}
    assert shipped >= {"index.html", "dashboard.js", "dashboard.css"}
