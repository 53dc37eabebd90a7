"""A loopback Archestra for the ``archestra-platform`` tests, and tests of it.

:class:`LoopbackArchestra` is a real HTTP server (Starlette under uvicorn) that answers the
operations of Archestra's API description, kept in ``data/archestra_api/openapi-subset.json``
(its source is named in ``data/archestra_api/SOURCE.md``). It checks every request as the
platform does (the API key, path and query parameters, the JSON body against the request
schema) and answers with the platform's error bodies (``{"error": {"message", "type"}}``) for
401, 404, 409 and validation errors. It also records what the platform itself would silently
accept but the description does not name (unknown properties, undescribed routes), and checks
its own answers against the response schemas, so it cannot drift from the platform either.
Tests that use it end by asserting that no such problem was recorded.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from orchestrix.deploy.archestra_platform import SPEC_ENV, ArchestraPlatformTarget
from orchestrix.deploy.base import DeploymentRequest
from orchestrix.runtime.mcp import tool_name
from orchestrix.settings import Settings
from orchestrix.spec.io import load_workflow, loads_workflow
from tests.factories import make_settings
from tests.servers import serve_asgi

DATA = Path(__file__).parent / "data" / "archestra_api"
API = json.loads((DATA / "openapi-subset.json").read_text())
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
API_KEY = "archestra_3f2b9c0e7d4a4e1f8a6b5c4d3e2f1a0b"

_ERROR_TYPES = {
    400: "api_validation_error",
    401: "api_authentication_error",
    403: "api_authorization_error",
    404: "api_not_found_error",
    409: "api_conflict_error",
    500: "api_internal_server_error",
}


# --- the API description as JSON Schema -----------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable: true`` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _closed(node: Any) -> Any:
    """The same schema with every object closed to the properties it names."""
    if isinstance(node, list):
        return [_closed(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _closed(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@dataclass
class Operation:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    params: dict[str, dict[str, Any]]  # "path:id" / "query:name" -> parameter
    body: dict[str, Any] | None
    body_required: bool
    ok: dict[str, Any]


def _operations() -> list[Operation]:
    ops = []
    for template, methods in API["paths"].items():
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        for method, op in methods.items():
            params = {f"{p['in']}:{p['name']}": p for p in op.get("parameters", [])}
            request_body = op.get("requestBody")
            body = None
            if request_body is not None:
                body = _json_schema(request_body["content"]["application/json"]["schema"])
            ok = _json_schema(op["responses"]["200"]["content"]["application/json"]["schema"])
            ops.append(
                Operation(
                    op["operationId"],
                    method.upper(),
                    template,
                    re.compile(regex),
                    params,
                    body,
                    bool(request_body and request_body.get("required")),
                    ok,
                )
            )
    return ops


OPERATIONS = _operations()


def _problems(schema: dict[str, Any], value: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(value)
    ]


# --- the loopback platform --------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    operation_id: str | None
    body: Any
    status: int = 0


@dataclass
class LoopbackArchestra:
    """Archestra's API for one organisation, in memory, as an ASGI app."""

    api_key: str = API_KEY
    install_steps: tuple[str, ...] = ("pending", "discovering-tools", "success")
    install_error: str | None = None  # the runtime cannot start the server
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog: dict[str, dict[str, Any]] = field(default_factory=dict)
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    tools: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by server id
    assignments: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _polls: dict[str, int] = field(default_factory=dict)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._endpoint, methods=_METHODS)])

    def operations(self) -> list[str]:
        return [c.operation_id or f"{c.method} {c.path}" for c in self.calls]

    def agent(self, name: str) -> dict[str, Any]:
        return next(a for a in self.agents.values() if a["name"] == name)

    # -- plumbing -----------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        raw = await request.body()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self.problems.append(f"{request.method} {request.url.path}: body is not JSON")
                return _fail(400, "Body is not valid JSON")
        call = Call(request.method, request.url.path, None, body)
        self.calls.append(call)
        response = self._dispatch(request, call, body, raw)
        call.status = response.status_code
        if call.operation_id == "installMcpServer" and call.status == 200:
            installed = json.loads(bytes(response.body))
            if installed["serverType"] == "remote":
                await self._connect_remote(installed["id"])
        return response

    def _dispatch(self, request: Request, call: Call, body: Any, raw: bytes) -> Response:
        where = f"{request.method} {request.url.path}"
        for op in OPERATIONS:
            match = op.pattern.match(request.url.path)
            if match and op.method == request.method:
                break
        else:
            self.problems.append(f"{where}: no such operation in the API description")
            return JSONResponse(  # what Fastify answers for an unknown route
                {
                    "message": f"Route {request.method}:{request.url.path} not found",
                    "error": "Not Found",
                    "statusCode": 404,
                },
                status_code=404,
            )
        call.operation_id = op.operation_id
        if request.headers.get("authorization") != self.api_key:
            return _fail(401, "Unauthorized")
        if raw and request.headers.get("content-type", "").split(";")[0] != "application/json":
            self.problems.append(f"{where}: body sent without Content-Type: application/json")
        path_params = match.groupdict()
        for name, value in path_params.items():
            bad = _problems(_json_schema(op.params[f"path:{name}"]["schema"]), value)
            if bad:
                return _fail(400, f"params/{name} {bad[0].split(': ', 1)[1]}")
        query: dict[str, Any] = {}
        for name, value in request.query_params.items():
            param = op.params.get(f"query:{name}")
            if param is None:
                self.problems.append(f"{where}: query parameter {name!r} is not described")
                continue
            schema = _json_schema(param["schema"])
            coerced: Any = (
                int(value) if schema.get("type") == "integer" and value.isdigit() else value
            )
            bad = _problems(schema, coerced)
            if bad:
                return _fail(400, f"querystring/{name} {bad[0]}")
            query[name] = coerced
        if op.body is None:
            if raw:
                self.problems.append(f"{where}: a body where the operation takes none")
        else:
            if body is None and op.body_required:
                return _fail(400, "body must be object")
            bad = _problems(op.body, body)
            if bad:
                self.problems.append(f"{where}: request body refused: {bad}")
                return _fail(400, f"body/{bad[0]}")
            unknown = _problems(_closed(op.body), body)
            if unknown:
                self.problems.append(f"{where}: properties the API does not describe: {unknown}")
        status, answer = getattr(self, f"_{op.operation_id}")(body, query, **path_params)
        if status == 200:
            wrong = _problems(op.ok, answer)
            if wrong:
                self.problems.append(f"{where}: the loopback answer is off-schema: {wrong}")
            return JSONResponse(answer)
        return _fail(status, answer)

    # -- agents (profiles) and their tools ----------------------------------------------------

    def _getAgents(self, _body: Any, query: dict[str, Any]) -> tuple[int, Any]:
        name = str(query.get("name", "")).lower()
        limit = int(query.get("limit", 20))
        found = [a for a in self.agents.values() if name in a["name"].lower()]
        page = found[:limit]
        pages = (len(found) + limit - 1) // limit
        return 200, {
            "data": page,
            "pagination": {
                "currentPage": 1,
                "limit": limit,
                "total": len(found),
                "totalPages": pages,
                "hasNext": pages > 1,
                "hasPrev": False,
            },
        }

    def _createAgent(self, body: dict[str, Any], _query: Any) -> tuple[int, Any]:
        now = _now()
        agent = {
            "id": str(uuid.uuid4()),
            "name": body["name"],
            "isDemo": body.get("isDemo", False),
            "isDefault": body.get("isDefault", False),
            "considerContextUntrusted": body.get("considerContextUntrusted", False),
            "createdAt": now,
            "updatedAt": now,
            "tools": [],
            "teams": [],
            "labels": [],
        }
        self.agents[agent["id"]] = agent
        return 200, agent

    def _assignToolToAgent(
        self, body: Any, _query: Any, *, agentId: str, toolId: str
    ) -> tuple[int, Any]:
        if agentId not in self.agents:
            return 404, "Agent not found"
        if not any(t["id"] == toolId for ts in self.tools.values() for t in ts):
            return 404, "Tool not found"
        if (agentId, toolId) in self.assignments:
            return 409, "Tool is already assigned to this agent"
        self.assignments[(agentId, toolId)] = dict(body or {})
        return 200, {"success": True}

    def _unassignToolFromAgent(
        self, _body: Any, _query: Any, *, agentId: str, toolId: str
    ) -> tuple[int, Any]:
        if self.assignments.pop((agentId, toolId), None) is None:
            return 404, "Agent tool not found"
        return 200, {"success": True}

    # -- the private MCP registry -------------------------------------------------------------

    def _catalog_item(self, body: dict[str, Any], item_id: str, created: str) -> dict[str, Any]:
        item: dict[str, Any] = {"id": item_id}
        for key in (
            "name",
            "version",
            "description",
            "instructions",
            "repository",
            "installationCommand",
            "authDescription",
            "authFields",
            "serverUrl",
            "docsUrl",
            "clientSecretId",
            "localConfigSecretId",
            "localConfig",
            "userConfig",
            "oauthConfig",
        ):
            item[key] = copy.deepcopy(body.get(key))
        item["requiresAuth"] = bool(body.get("requiresAuth", False))
        item["serverType"] = body["serverType"]
        item["createdAt"] = created
        item["updatedAt"] = _now()
        return item

    def _createInternalMcpCatalogItem(self, body: dict[str, Any], _query: Any) -> tuple[int, Any]:
        if any(i["name"] == body["name"] for i in self.catalog.values()):
            return 409, f'Catalog item with name "{body["name"]}" already exists'
        item = self._catalog_item(body, str(uuid.uuid4()), _now())
        self.catalog[item["id"]] = item
        return 200, item

    def _getInternalMcpCatalogItem(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        item = self.catalog.get(id)
        return (200, item) if item else (404, "Catalog item not found")

    def _updateInternalMcpCatalogItem(
        self, body: dict[str, Any] | None, _query: Any, *, id: str
    ) -> tuple[int, Any]:
        old = self.catalog.get(id)
        if old is None:
            return 404, "Catalog item not found"
        merged = {**old, **(body or {})}
        self.catalog[id] = self._catalog_item(merged, id, old["createdAt"])
        return 200, self.catalog[id]

    def _deleteInternalMcpCatalogItem(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        if self.catalog.pop(id, None) is None:
            return 404, "Catalog item not found"
        for server_id in [s for s, v in self.servers.items() if v["catalogId"] == id]:
            self._uninstall(server_id)
        return 200, {"success": True}

    # -- installations ------------------------------------------------------------------------

    def _getMcpServers(self, _body: Any, query: dict[str, Any]) -> tuple[int, Any]:
        wanted = query.get("catalogId")
        found = [s for s in self.servers.values() if wanted in (None, s["catalogId"])]
        return 200, found

    def _installMcpServer(self, body: dict[str, Any], _query: Any) -> tuple[int, Any]:
        item = self.catalog.get(body["catalogId"])
        if item is None:
            return 404, "Catalog item not found"
        now = _now()
        server = {
            "id": str(uuid.uuid4()),
            "name": body["name"],
            "catalogId": item["id"],
            "serverType": item["serverType"],
            "secretId": None,
            "ownerId": None,
            "teamId": None,
            "reinstallRequired": False,
            # A remote server has no local runtime: its status stays "idle".
            "localInstallationStatus": (
                "idle" if item["serverType"] == "remote" else self.install_steps[0]
            ),
            "localInstallationError": None,
            "createdAt": now,
            "updatedAt": now,
            "catalogName": item["name"],
        }
        self.servers[server["id"]] = server
        self._polls[server["id"]] = 0
        return 200, server

    def _getMcpServer(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        server = self.servers.get(id)
        return (200, server) if server else (404, "MCP server not found")

    def _deleteMcpServer(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        if id not in self.servers:
            return 404, "MCP server not found"
        self._uninstall(id)
        return 200, {"success": True}

    def _uninstall(self, server_id: str) -> None:
        self.servers.pop(server_id, None)
        for tool in self.tools.pop(server_id, []):
            for key in [k for k in self.assignments if k[1] == tool["id"]]:
                del self.assignments[key]

    def _getMcpServerInstallationStatus(
        self, _body: Any, _query: Any, *, id: str
    ) -> tuple[int, Any]:
        server = self.servers.get(id)
        if server is None:
            return 404, "MCP server not found"
        if server["serverType"] == "remote":
            return 200, {
                "localInstallationStatus": server["localInstallationStatus"],
                "localInstallationError": server["localInstallationError"],
            }
        step = min(self._polls[id], len(self.install_steps) - 1)
        self._polls[id] += 1
        status = self.install_steps[step]
        if status == "success" and self.install_error is not None:
            status = "error"
            server["localInstallationError"] = self.install_error
        server["localInstallationStatus"] = status
        if status == "success" and id not in self.tools:
            self.tools[id] = self._discover(server)
        return 200, {
            "localInstallationStatus": status,
            "localInstallationError": server["localInstallationError"],
        }

    def _discover(self, server: dict[str, Any]) -> list[dict[str, Any]]:
        """What Archestra's runtime finds in a local server: here, read from the inline spec
        (the launch tests start the real command); named ``<server>__<tool>`` as Archestra
        does."""
        item = self.catalog[server["catalogId"]]
        env = {e["key"]: e.get("value") for e in item["localConfig"]["environment"]}
        workflow = loads_workflow(env[SPEC_ENV])
        return [
            {
                "id": str(uuid.uuid4()),
                "name": f"{item['name']}__{tool_name(workflow)}",
                "description": workflow.description or workflow.name,
                "parameters": workflow.input_schema,
                "createdAt": _now(),
                "assignedAgentCount": 0,
                "assignedAgents": [],
            }
        ]

    async def _connect_remote(self, server_id: str) -> None:
        """A remote server is asked for its tools at once, over MCP, at its URL."""
        server = self.servers[server_id]
        item = self.catalog[server["catalogId"]]
        try:
            async with Client(item["serverUrl"]) as client:
                listed = (await client.list_tools()).tools
        except Exception as e:
            server["localInstallationStatus"] = "error"
            server["localInstallationError"] = f"cannot connect to {item['serverUrl']}: {e!r}"
            return
        self.tools[server_id] = [
            {
                "id": str(uuid.uuid4()),
                "name": f"{item['name']}__{tool.name}",
                "description": tool.description,
                "parameters": dict(tool.input_schema),
                "createdAt": _now(),
                "assignedAgentCount": 0,
                "assignedAgents": [],
            }
            for tool in listed
        ]

    def _getMcpServerTools(self, _body: Any, _query: Any, *, id: str) -> tuple[int, Any]:
        if id not in self.servers:
            return 404, "MCP server not found"
        tools = copy.deepcopy(self.tools.get(id, []))
        for tool in tools:
            holders = [a for (a, t) in self.assignments if t == tool["id"]]
            tool["assignedAgentCount"] = len(holders)
            tool["assignedAgents"] = [{"id": a, "name": self.agents[a]["name"]} for a in holders]
        return 200, tools


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": _ERROR_TYPES[status]}}, status_code=status
    )


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def platform_settings(tmp_path: Path, url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "deploy_target": "archestra-platform",
        "archestra_platform_url": url,
        "archestra_platform_api_key": API_KEY,
        "archestra_platform_dashboard_url": "http://archestra.test:3000",
        **extra,
    }
    return make_settings(**values)


def target_for(settings: Settings) -> ArchestraPlatformTarget:
    target = ArchestraPlatformTarget.from_settings(settings)
    target.poll_interval = 0.01
    return target


def signup_request(version: int = 1, server_id: str = "srv_8c1f0e2a9b") -> DeploymentRequest:
    return DeploymentRequest(
        server_id=server_id,
        owner_id="owner-1",
        version=version,
        workflow=load_workflow(EXAMPLES / "signup.yaml"),
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


# --- the loopback platform itself -----------------------------------------------------------


def test_the_description_holds_the_operations_the_target_calls() -> None:
    assert API["info"] == {"title": "Archestra Platform API", "version": "1.0.11"}
    assert sorted(op.operation_id for op in OPERATIONS) == sorted(
        [
            "getAgents",
            "createAgent",
            "assignToolToAgent",
            "unassignToolFromAgent",
            "createInternalMcpCatalogItem",
            "getInternalMcpCatalogItem",
            "updateInternalMcpCatalogItem",
            "deleteInternalMcpCatalogItem",
            "getMcpServers",
            "installMcpServer",
            "getMcpServer",
            "deleteMcpServer",
            "getMcpServerInstallationStatus",
            "getMcpServerTools",
        ]
    )
    source = (DATA / "SOURCE.md").read_text()
    assert "cb930ede9905c06cbbee8b5c4548610a981165a1" in source
    assert all(op.operation_id in source for op in OPERATIONS)


async def test_the_loopback_refuses_what_the_description_refuses() -> None:
    state = LoopbackArchestra()
    with serve_asgi(state.app()) as url:
        async with httpx.AsyncClient(base_url=url, headers={"Authorization": API_KEY}) as http:
            no_type = await http.post("/api/internal_mcp_catalog", json={"name": "x"})
            assert no_type.status_code == 400
            assert no_type.json()["error"]["type"] == "api_validation_error"
            assert "serverType" in no_type.json()["error"]["message"]

            bad_id = await http.get("/api/mcp_server/42")
            assert bad_id.status_code == 400
            assert bad_id.json()["error"]["message"].startswith("params/id")

            missing = await http.get(f"/api/mcp_server/{uuid.uuid4()}")
            assert missing.status_code == 404
            assert missing.json()["error"]["type"] == "api_not_found_error"

            unknown = await http.post("/api/mcp_servers", json={})
            assert unknown.status_code == 404
            assert unknown.json()["statusCode"] == 404  # Fastify's own not-found body

            extra = await http.post(
                "/api/agents", json={"name": "p", "teams": [], "agentType": "mcp_gateway"}
            )
            assert extra.status_code == 200  # zod strips it; the loopback notes it
        anonymous = httpx.post(f"{url}/api/agents", json={"name": "p", "teams": []})
        assert anonymous.status_code == 401
        assert anonymous.json() == {
            "error": {"message": "Unauthorized", "type": "api_authentication_error"}
        }
    assert len(state.problems) == 3
    assert "request body refused" in state.problems[0]
    assert "no such operation" in state.problems[1]
    assert "agentType" in state.problems[2]
