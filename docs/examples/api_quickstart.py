"""Create a server from a spec, run it, start its runtime, save, restore, list executions.

Usage: python docs/examples/api_quickstart.py [BASE_URL]   (default http://127.0.0.1:8000)
"""

import sys
import uuid
from pathlib import Path

import httpx
import yaml

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
owner = {"ownerId": "ada"}
spec = yaml.safe_load(Path("examples/signup.yaml").read_text())
email = f"{uuid.uuid4().hex[:8]}@example.com"

with httpx.Client(base_url=base, timeout=30) as api:
    server = api.post("/mcp/servers", json={"spec": spec, **owner}).json()
    sid = server["id"]  # "mcp_" + 22 characters
    print("created", sid, "version", server["version"])

    # Run once through the executor: {status, body, logs}, stored as an execution.
    run = api.post(
        f"/mcp/servers/{sid}/run",
        json={"input": {"email": email, "password": "correct-horse-1"}, **owner},
    ).json()
    print("run", run["status"], [step["id"] for step in run["logs"]])

    # Start the local runtime: the server answers REST at /runtime/{id} (MCP at .../mcp).
    api.post(f"/mcp/servers/{sid}/runtime/start", json=owner)
    again = api.post(f"/runtime/{sid}", json={"email": email, "password": "correct-horse-1"})
    print("runtime", again.status_code, again.json()["error"])  # 409: the email is taken

    # Save version 2 on top of version 1; a second save from version 1 is stale (409).
    spec["description"] = "Sign up with an email and a password"
    saved = api.put(f"/mcp/servers/{sid}", json={"spec": spec, "baseVersion": 1, **owner})
    stale = api.put(f"/mcp/servers/{sid}", json={"spec": spec, "baseVersion": 1, **owner})
    print("saved version", saved.json()["version"], "stale save", stale.status_code)

    # Restore version 1: a new version (3) equal to it.
    restored = api.post(f"/mcp/servers/{sid}/versions/1/restore", json=owner).json()
    print("restored as version", restored["version"])

    executions = api.get(f"/mcp/servers/{sid}/executions", params=owner).json()
    print("executions", executions["total"], [e["status"] for e in executions["items"]])
