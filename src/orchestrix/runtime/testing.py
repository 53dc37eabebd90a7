"""Running a workflow's own ``tests``: the examples the builder writes, which gate deploys.

Tests run in order in one fresh namespace (a duplicate-signup test follows the signup test),
each after its ``seed`` documents are stored (a seed document's ``id`` is kept, so a test can
look it up); the namespace is emptied afterwards.

A test's ``seed``, ``input`` and ``headers`` may use expressions with two extra functions:
``hashPassword('secret')`` (an argon2id hash, to seed a user who can log in) and
``jwt('user-id')`` (a token signed with the namespace's secret, to call a protected graph:
``headers: {authorization: "Bearer {{ jwt('u1') }}"}``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import jwt as pyjwt

from orchestrix.passwords import Passwords, prepare
from orchestrix.runtime.executor import Executor
from orchestrix.spec.expressions import FUNCTIONS, compile_template
from orchestrix.spec.models import Workflow, WorkflowTest
from orchestrix.tools.base import Services

WILDCARD = "*"


def _test_functions(jwt_secret: str, passwords: Passwords) -> dict[str, Callable[..., Any]]:
    def make_jwt(subject: Any, claims: dict[str, Any] | None = None) -> str:
        now = int(time.time())
        payload = {**(claims or {}), "sub": str(subject), "iat": now, "exp": now + 3600}
        return pyjwt.encode(payload, jwt_secret, algorithm="HS256")

    def hash_password(value: Any) -> str:
        return passwords.hash_sync(str(value))

    return {**FUNCTIONS, "hashPassword": hash_password, "jwt": make_jwt}


async def _render(template: Any, functions: dict[str, Callable[..., Any]]) -> Any:
    """Render a test's seed, input or headers in a worker thread: ``hashPassword(...)`` in them
    hashes, which must not block the event loop."""
    return await anyio.to_thread.run_sync(compile_template(template).render, {}, functions)


@dataclass
class TestResult:
    __test__ = False

    name: str
    passed: bool
    status: int
    expected_status: int | None
    body: Any
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "status": self.status,
            "expectedStatus": self.expected_status,
            "body": self.body,
            "problems": self.problems,
        }


@dataclass
class TestReport:
    __test__ = False

    results: list[TestResult]

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "passed": self.passed,
            "failed": self.failed,
            "results": [r.to_dict() for r in self.results],
        }


def subset_problems(expected: Any, actual: Any, path: str = "body") -> list[str]:
    """Where ``actual`` does not contain ``expected`` ("*" matches any present value)."""
    if expected == WILDCARD:
        return [] if actual is not None else [f"{path} is missing"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path} should be an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key} is missing")
            else:
                problems.extend(subset_problems(value, actual[key], f"{path}.{key}"))
        return problems
    if expected != actual:
        return [f"{path} should be {expected!r}, got {actual!r}"]
    return []


def _collections(workflow: Workflow) -> dict[str, list[str]]:
    """Collections the graph touches, with the fields its inserts and updates keep unique."""
    found: dict[str, list[str]] = {}
    for tool in workflow.tools:
        if tool.type.startswith("db") and isinstance(tool.config.get("collection"), str):
            unique = found.setdefault(tool.config["collection"], [])
            for name in tool.config.get("unique") or []:
                if isinstance(name, str) and name not in unique:
                    unique.append(name)
    return found


async def _seed(
    services: Services,
    namespace: str,
    test: WorkflowTest,
    unique: dict[str, list[str]],
    functions: dict[str, Callable[..., Any]],
) -> None:
    for collection, documents in test.seed.items():
        for document in documents:
            rendered = await _render(document, functions)
            given = rendered.get("id") if isinstance(rendered, dict) else None
            await services.datastore.insert(
                namespace,
                collection,
                rendered,
                unique.get(collection, []),
                record_id=given if isinstance(given, str) and given else None,
            )


async def run_workflow_tests(
    workflow: Workflow, services: Services, *, namespace: str | None = None
) -> TestReport:
    executor = Executor(workflow)
    ns = namespace or f"test_{uuid.uuid4().hex[:16]}"
    collections = _collections(workflow)
    for test in workflow.tests:
        for name in test.seed:
            collections.setdefault(name, [])
    functions = _test_functions(
        await services.secrets.get_or_create(ns, "jwt"), await prepare(services.settings)
    )
    # Tests never see a server's real secrets (nor send them upstream): each reads a stand-in.
    placeholders = {name: f"test-secret-{name}" for name in executor.secret_names}
    results: list[TestResult] = []
    try:
        for test in workflow.tests:
            await _seed(services, ns, test, collections, functions)
            test_input = await _render(test.input, functions)
            headers = await _render(test.headers, functions)
            result = await executor.run(
                test_input,
                services,
                namespace=ns,
                headers=headers,
                client_ip=_client_ip(headers),
                secrets=placeholders,
            )
            problems = []
            expected_status = test.expect.status
            if expected_status is not None and result.status != expected_status:
                problems.append(f"status should be {expected_status}, got {result.status}")
            if test.expect.body is not None:
                problems.extend(subset_problems(test.expect.body, result.body))
            results.append(
                TestResult(
                    name=test.name,
                    passed=not problems,
                    status=result.status,
                    expected_status=expected_status,
                    body=result.body,
                    problems=problems,
                )
            )
    finally:
        if namespace is None:
            for collection in collections:
                await services.datastore.delete(ns, collection, {}, many=True)
    return TestReport(results)


def _client_ip(headers: Any) -> str | None:
    """A test stands for a request from the client its ``X-Forwarded-For`` names (as if a
    trusted proxy had sent it), so a spec's tests can speak for several clients."""
    if not isinstance(headers, dict):
        return None
    for name, value in headers.items():
        if str(name).lower() == "x-forwarded-for" and isinstance(value, str):
            return value.split(",")[0].strip() or None
    return None
