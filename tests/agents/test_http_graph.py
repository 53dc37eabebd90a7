"""A generated call to an external service, run against a real server on loopback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from orchestrix.agents.rules import RulesPlanner
from orchestrix.runtime.executor import Executor
from orchestrix.tools.base import Services
from tests.agents.prompts import PROMPTS
from tests.conftest import unique_namespace
from tests.servers import serve_asgi


def _upstream() -> FastAPI:
    app = FastAPI()

    @app.get("/search")
    async def search(query: str) -> dict[str, Any]:
        return {"results": [query.upper()]}

    return app


async def test_http_call_succeeds_against_a_live_service(loopback_services: Services) -> None:
    services = loopback_services
    assert any(intent == "http" for _, intent in PROMPTS)
    with serve_asgi(_upstream()) as url:
        prompt = f"proxy requests to {url}/search with a query"
        workflow = RulesPlanner().generate(prompt).workflow
        call = workflow.tool("callService")
        assert call is not None and call.config["url"] == f"{url}/search"
        result = await Executor(workflow).run(
            {"query": "orchestrix"}, services, namespace=unique_namespace()
        )
    assert result.status == 200, result.body
    assert result.body == {"result": {"results": ["ORCHESTRIX"]}}
