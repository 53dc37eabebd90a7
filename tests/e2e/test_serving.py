"""How ``orchestrix serve`` serves the built dashboard, over real HTTP (no browser needed)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from orchestrix.dashboard import STATIC_DIR, is_built
from orchestrix.dashboard.fingerprint import source_fingerprint
from tests.e2e.conftest import Served

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def test_the_built_dashboard_ships_in_the_package() -> None:
    assert is_built(), f"run scripts/build-dashboard.sh: no build in {STATIC_DIR}"
    index = (STATIC_DIR / "index.html").read_text()
    for asset in re.findall(r'(?:src|href)="/assets/([^"]+)"', index):
        assert (STATIC_DIR / "assets" / asset).is_file(), asset


def test_the_committed_build_is_made_from_the_current_frontend() -> None:
    built_from = (STATIC_DIR / "SOURCE_SHA256").read_text().strip()
    assert built_from == source_fingerprint(FRONTEND), (
        "frontend/ changed since the dashboard was built: run scripts/build-dashboard.sh"
    )


def test_index_and_client_routes_answer_the_page(served: Served) -> None:
    with served.api() as api:
        for path in ("/", "/servers", "/servers/new", "/servers/mcp_anything"):
            r = api.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["cache-control"] == "no-cache"
            assert '<div id="root"></div>' in r.text
            # The configured deploy target reaches the page, which names it on its buttons.
            assert '<meta name="orchestrix-deploy-target" content="local" />' in r.text


def test_assets_are_cached_for_a_year_and_sent_compressed(served: Served) -> None:
    with served.api() as api:
        index = api.get("/").text
        script = re.search(r'src="(/assets/[^"]+\.js)"', index)
        assert script is not None
        plain = api.get(script.group(1), headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "content-encoding" not in plain.headers
        zipped = api.get(script.group(1), headers={"Accept-Encoding": "gzip, br"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["content-type"].endswith("javascript")
        # httpx decodes the body: the same bytes arrive, in fewer of them on the wire.
        assert zipped.content == plain.content
        assert int(zipped.headers["content-length"]) < len(plain.content)
        twin = STATIC_DIR / (script.group(1).lstrip("/") + ".gz")
        assert gzip.decompress(twin.read_bytes()) == plain.content


def test_api_paths_stay_json_and_missing_assets_are_not_cached(served: Served) -> None:
    with served.api() as api:
        r = api.get("/mcp/servers/mcp_nope", params={"ownerId": "someone"})
        assert r.status_code == 404
        assert r.json()["error"]
        missing = api.get("/assets/nope.js")
        assert missing.status_code == 404
        assert "immutable" not in missing.headers.get("cache-control", "")
        assert api.get("/not-a-page").status_code == 404
        paths = api.get("/openapi.json").json()["paths"]
        assert "/" not in paths
        assert not any(p.startswith("/servers") for p in paths)
