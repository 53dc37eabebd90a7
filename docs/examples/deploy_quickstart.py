"""Deploy a server, call its public endpoint over REST and MCP, ship version 2, undeploy.

Usage: python docs/examples/deploy_quickstart.py [BASE_URL]   (default http://127.0.0.1:8000)
"""

import asyncio
import sys
import uuid
from pathlib import Path

import httpx
import yaml
from mcp import Client

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
owner = {"ownerId": "ada"}
spec = yaml.safe_load(Path("examples/signup.yaml").read_text())
email = f"{uuid.uuid4().hex[:8]}@example.com"

with httpx.Client(base_url=base, timeout=60) as api:
    sid = api.post("/mcp/servers", json={"spec": spec, **owner}).json()["id"]

    # The spec's own tests run first; then the target (local, archestra, host) takes it.
    deployed = api.post(f"/mcp/servers/{sid}/deploy", json=owner).json()
    endpoint = deployed["endpoint"]  # <base>/agents/agt_...
    print("deployed", deployed["success"], sorted(deployed))

    # The public endpoint: POST the input, get the graph's answer.
    signup = httpx.post(endpoint, json={"email": email, "password": "correct-horse-1"})
    print("signup", signup.status_code, "token" in signup.json())

    # The same agent as an MCP tool (streamable HTTP).
    async def call_over_mcp() -> bool:
        async with Client(f"{endpoint}/mcp") as mcp:
            result = await mcp.call_tool("signup_api", {"email": email, "password": "x" * 8})
            return result.is_error  # the email is taken: the same data as REST

    print("mcp duplicate is an error", asyncio.run(call_over_mcp()))

    # Deploying twice answers 400 with the agent that is already there.
    again = api.post(f"/mcp/servers/{sid}/deploy", json=owner)
    print("again", again.status_code, again.json()["error"])

    # Version 2 goes to the same agent and endpoint; the history keeps version 1.
    spec["description"] = "Sign up, version two"
    api.put(f"/mcp/servers/{sid}", json={"spec": spec, **owner})
    moved = api.post(f"/mcp/servers/{sid}/redeploy", json=owner).json()
    print("redeployed version", moved["version"], "same endpoint", moved["endpoint"] == endpoint)
    history = api.get(f"/mcp/servers/{sid}/deployments", params=owner).json()["deployments"]
    print("history", [(d["version"], d["status"]) for d in history])

    api.delete(f"/mcp/servers/{sid}/deploy", params=owner)
    print("after undeploy", httpx.post(endpoint, json={}).status_code)
