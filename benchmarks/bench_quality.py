"""The builder's quality harness: request sets with the essentials a user would check.

Each request of a set (format: benchmarks/prompts/README.md) goes through the path the CLI
takes (``BuilderAgent.generate``, what ``orchestrix new`` calls); each chat change builds its
``base``, applies ``before`` and then ``message`` through the chat path (``SupervisorAgent``),
and the graph that comes out is graded against every ``expect`` key.

    .venv/bin/python -m benchmarks.bench_quality [benchmarks/prompts/dev.yaml ...] [-v]

Prints the pass ratio by category and by style, the failures with their reasons, and the
median milliseconds per request.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestrix.agents import BuilderAgent, NotUnderstood, SupervisorAgent
from orchestrix.agents.endpoints import endpoint_names
from orchestrix.settings import get_settings
from orchestrix.spec.models import Workflow

DEFAULT_SET = Path(__file__).parent / "prompts" / "dev.yaml"
#: Statuses a tool can answer besides the ones written in response tools.
IMPLIED = {
    "validation": 400,
    "jwtVerify": 401,
    "verifyPassword": 401,
    "rateLimit": 429,
    "httpRequest": 502,
    "sendEmail": 502,
}


@dataclass
class Outcome:
    """What the builder answered: the graphs it built, or the refusal, and what it left out."""

    workflows: list[Workflow] = field(default_factory=list)
    refused: str | None = None
    not_covered: list[str] = field(default_factory=list)
    crashed: str | None = None
    reply: str = ""
    intent: str | None = None
    question: bool = False
    unchanged: bool = False

    @property
    def workflow(self) -> Workflow | None:
        return self.workflows[0] if self.workflows else None


@dataclass
class Grade:
    id: str
    style: str
    category: str
    failures: list[str]
    ms: float

    @property
    def passed(self) -> bool:
        return not self.failures


# --- building -------------------------------------------------------------------------------


def build(builder: BuilderAgent, prompt: str) -> Outcome:
    try:
        result = asyncio.run(builder.generate(prompt))
    except NotUnderstood as e:
        return Outcome(refused=e.message)
    except Exception as e:
        return Outcome(crashed=f"{type(e).__name__}: {e}")
    workflows = [result.workflow, *getattr(result, "others", [])]
    return Outcome(workflows=workflows, not_covered=list(result.not_covered))


def change(supervisor: SupervisorAgent, case: dict[str, Any]) -> Outcome:
    base = build(supervisor.builder, case["base"])
    if base.workflow is None:
        return Outcome(crashed=f"the base did not build: {base.refused or base.crashed}")
    workflow = base.workflow
    try:
        for message in case.get("before") or []:
            reply = asyncio.run(supervisor.handle(message, workflow))
            workflow = reply.workflow or workflow
        before = workflow.to_wire()
        reply = asyncio.run(supervisor.handle(case["message"], workflow))
    except Exception as e:
        return Outcome(crashed=f"{type(e).__name__}: {e}")
    after = reply.workflow or workflow
    same = _graph(after.to_wire()) == _graph(before)
    return Outcome(
        workflows=[after],
        reply=reply.message,
        intent=reply.intent,
        question=reply.intent == "question" or (same and reply.message.rstrip().endswith("?")),
        unchanged=same,
    )


def _graph(wire: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in wire.items() if k not in {"metadata", "tests", "description"}}


# --- grading --------------------------------------------------------------------------------


def statuses(workflow: Workflow) -> set[int]:
    found: set[int] = set()
    for tool in workflow.tools:
        config = tool.config or {}
        if tool.type == "response" and isinstance(config.get("status"), int):
            found.add(config["status"])
        if tool.type in IMPLIED:
            found.add(IMPLIED[tool.type])
        if tool.type in {"dbInsert", "dbUpdate"} and config.get("unique"):
            found.add(409)
        if tool.type in {"dbFind", "dbUpdate", "dbDelete"} and config.get("required", True):
            found.add(404)
    return found


def _required(schema: dict[str, Any], name: str) -> bool:
    if name in (schema.get("required") or []):
        return True
    return any(
        name in ((rule.get("then") or {}).get("required") or [])
        for rule in schema.get("allOf") or []
        if isinstance(rule, dict)
    )


def _pick(props: dict[str, Any], key: str) -> str | None:
    return next((name for name in key.split("|") if name in props), None)


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, list) and isinstance(got, list):
        return sorted(map(str, got)) == sorted(map(str, want))
    if isinstance(want, dict) and isinstance(got, dict):
        return all(_same(got.get(k), v) for k, v in want.items())
    if isinstance(want, int | float) and isinstance(got, int | float):
        return float(want) == float(got)
    return bool(got == want)


def grade_fields(workflow: Workflow, wanted: dict[str, Any]) -> list[str]:
    schema = workflow.input_schema
    props = schema.get("properties") or {}
    failures = []
    for key, rules in wanted.items():
        name = _pick(props, key)
        if name is None:
            failures.append(f"no field {key} (has {', '.join(props) or 'none'})")
            continue
        prop = props[name] if isinstance(props[name], dict) else {}
        for rule, want in (rules or {}).items():
            got = _required(schema, name) if rule == "required" else prop.get(rule)
            if rule == "required" and not want and got:
                failures.append(f"{name} is required, asked optional")
            elif rule == "required" and want and not got:
                failures.append(f"{name} is optional, asked required")
            elif rule != "required" and not _same(got, want):
                failures.append(f"{name}.{rule} is {got!r}, asked {want!r}")
    return failures


def _configs(workflow: Workflow, tool_type: str) -> list[dict[str, Any]]:
    return [dict(t.config or {}) for t in workflow.tools if t.type == tool_type]


def grade_graph(outcome: Outcome, expect: dict[str, Any]) -> list[str]:
    workflows = outcome.workflows
    workflow = workflows[0]
    failures: list[str] = []
    types = {t.type for w in workflows for t in w.tools}
    failures.extend(f"no {tool} tool" for tool in expect.get("tools") or [] if tool not in types)
    failures.extend(f"has a {tool} tool" for tool in expect.get("noTools") or [] if tool in types)
    if expect.get("fields"):
        failures.extend(grade_fields(workflow, expect["fields"]))
    props = workflow.input_schema.get("properties") or {}
    failures.extend(
        f"has a field {name}"
        for name in expect.get("noFields") or []
        if any(n in props for n in name.split("|"))
    )
    unique = {u for w in workflows for c in _configs(w, "dbInsert") for u in c.get("unique") or []}
    failures.extend(
        f"{key} is not unique (unique: {sorted(unique)})"
        for key in expect.get("unique") or []
        if not any(n in unique for n in key.split("|"))
    )
    found = set().union(*(statuses(w) for w in workflows))
    missing = [s for s in expect.get("statuses") or [] if s not in found]
    if missing:
        failures.append(f"cannot answer {missing} (answers {sorted(found)})")
    if "auth" in expect:
        has = "jwtVerify" in {t.type for t in workflow.tools}
        if has != bool(expect["auth"]):
            failures.append("no token check" if expect["auth"] else "asks for a token")
    if "rateLimitKey" in expect:
        failures.extend(_grade_rate_key(workflow, str(expect["rateLimitKey"])))
    if "emailTo" in expect:
        failures.extend(_grade_email(workflow, str(expect["emailTo"])))
    if "method" in expect:
        methods = [str(c.get("method", "GET")) for c in _configs(workflow, "httpRequest")]
        if str(expect["method"]).upper() not in methods:
            failures.append(f"upstream method {methods or 'none'}, asked {expect['method']}")
    if expect.get("endpoints"):
        have = {e for w in workflows for e in endpoint_names(w)}
        lost = [e for e in expect["endpoints"] if e not in have]
        if lost:
            failures.append(f"no endpoint {lost} (has {sorted(have)})")
    return failures


def _grade_rate_key(workflow: Workflow, want: str) -> list[str]:
    keys = [str(c.get("key", "")) for c in _configs(workflow, "rateLimit")]
    if not keys:
        return ["no rate limit"]
    if want == "ip":
        ok = any("headers" in k or "client" in k for k in keys) and not any(
            "input." in k for k in keys
        )
    elif want == "subject":
        ok = any(".subject" in k for k in keys)
    elif want.startswith("field:"):
        ok = any(f"input.{want[6:]}" in k for k in keys)
    else:
        ok = False
    return [] if ok else [f"rate limit counts by {keys}, asked {want}"]


def _grade_email(workflow: Workflow, want: str) -> list[str]:
    targets = [str(c.get("to", "")) for c in _configs(workflow, "sendEmail")]
    if not targets:
        return ["sends no email"]
    if want.startswith("field:"):
        ok = any(f"input.{want[6:]}" in t or f".{want[6:]} " in t for t in targets)
    else:
        ok = any(want.lower() in t.lower() for t in targets)
    return [] if ok else [f"emails {targets}, asked {want}"]


def grade_request(outcome: Outcome, expect: dict[str, Any]) -> list[str]:
    if outcome.crashed:
        return [f"crashed: {outcome.crashed}"]
    said = " ".join([outcome.refused or "", *outcome.not_covered]).lower()
    failures: list[str] = []
    if expect.get("refuse"):
        if outcome.refused is None and not outcome.not_covered:
            failures.append("built a graph without saying what it cannot do")
    elif outcome.refused is not None:
        graph_keys = set(expect) - {"refuse", "notCovered"}
        if expect.get("refuse") is False or graph_keys or not expect.get("notCovered"):
            return [f"refused: {outcome.refused[:140]}"]
    failures.extend(
        f"did not say it leaves out {word!r}"
        for word in expect.get("notCovered") or []
        if str(word).lower() not in said
    )
    if outcome.workflow is not None:
        graph_keys = set(expect) - {"refuse", "notCovered"}
        if graph_keys:
            failures.extend(grade_graph(outcome, {k: expect[k] for k in graph_keys}))
    return failures


def grade_change(outcome: Outcome, expect: dict[str, Any]) -> list[str]:
    if outcome.crashed:
        return [f"crashed: {outcome.crashed}"]
    failures: list[str] = []
    if "question" in expect and bool(expect["question"]) != outcome.question:
        failures.append(
            "did not ask back" if expect["question"] else f"asked back: {outcome.reply[:100]}"
        )
    if "unchanged" in expect and bool(expect["unchanged"]) != outcome.unchanged:
        failures.append("changed the graph" if expect["unchanged"] else "changed nothing")
    if "deployed" in expect and bool(expect["deployed"]) != (outcome.intent == "deploy"):
        failures.append("deployed" if outcome.intent == "deploy" else "did not deploy")
    keys = set(expect) - {"question", "unchanged", "deployed"}
    if keys and outcome.workflow is not None:
        failures.extend(grade_graph(outcome, {k: expect[k] for k in keys}))
    return failures


# --- the run --------------------------------------------------------------------------------


def own_test_failures(workflows: list[Workflow], data_dir: Path) -> list[str]:
    """Each graph's own tests, run on a fresh embedded store: a graph must pass them."""
    from orchestrix.runtime.services import open_services
    from orchestrix.runtime.testing import run_workflow_tests
    from orchestrix.settings import Settings

    async def go() -> list[str]:
        failures = []
        async with open_services(Settings(data_dir=data_dir)) as services:
            for workflow in workflows:
                try:
                    report = (await run_workflow_tests(workflow, services)).to_dict()
                except Exception as e:
                    failures.append(f"own tests crashed: {type(e).__name__}: {str(e)[:120]}")
                    continue
                failures.extend(
                    f"own test {item['name']!r}: {'; '.join(item['problems'])}"
                    for item in report["results"]
                    if not item["passed"]
                )
        return failures

    return asyncio.run(go())


def run(paths: list[Path], run_tests: bool = False) -> tuple[list[Grade], list[Grade]]:
    import tempfile

    settings = get_settings()
    builder = BuilderAgent(settings)
    data_dir = Path(tempfile.mkdtemp(prefix="orchestrix-quality-"))
    supervisor = SupervisorAgent(builder)
    requests: list[Grade] = []
    changes: list[Grade] = []
    for path in paths:
        data = yaml.safe_load(path.read_text()) or {}
        for case in data.get("requests") or []:
            t0 = time.perf_counter()
            outcome = build(builder, str(case["prompt"]))
            ms = (time.perf_counter() - t0) * 1000
            failures = grade_request(outcome, case.get("expect") or {})
            if run_tests and outcome.workflows:
                failures += own_test_failures(outcome.workflows, data_dir)
            requests.append(
                Grade(case["id"], case.get("style", "?"), case.get("category", "?"), failures, ms)
            )
        for case in data.get("changes") or []:
            t0 = time.perf_counter()
            outcome = change(supervisor, case)
            ms = (time.perf_counter() - t0) * 1000
            failures = grade_change(outcome, case.get("expect") or {})
            if run_tests and outcome.workflows:
                failures += own_test_failures(outcome.workflows, data_dir)
            changes.append(Grade(case["id"], case.get("style", "?"), "change", failures, ms))
    return requests, changes


def _table(title: str, grades: list[Grade], key: str) -> list[str]:
    groups: dict[str, list[Grade]] = defaultdict(list)
    for g in grades:
        groups[getattr(g, key)].append(g)
    lines = [title]
    for name in sorted(groups):
        got = sum(g.passed for g in groups[name])
        total = len(groups[name])
        lines.append(f"  {name:<18} {got:>3}/{total:<3} {got / total:6.0%}")
    return lines


def report(requests: list[Grade], changes: list[Grade], verbose: bool) -> str:
    lines: list[str] = []
    if requests:
        got = sum(g.passed for g in requests)
        lines.append(f"requests: {got}/{len(requests)} passed ({got / len(requests):.0%})")
        lines += _table("by category:", requests, "category")
        lines += _table("by style:", requests, "style")
        median = statistics.median(g.ms for g in requests)
        lines.append(f"median per request: {median:.1f} ms (target under 50 ms)")
    if changes:
        got = sum(g.passed for g in changes)
        lines.append(f"changes: {got}/{len(changes)} passed ({got / len(changes):.0%})")
        lines += _table("by style:", changes, "style")
    failed = [g for g in [*requests, *changes] if not g.passed]
    if failed:
        lines.append("failures:")
        for g in failed:
            shown = g.failures if verbose else g.failures[:3]
            lines.append(f"  {g.id} [{g.category}/{g.style}]: " + "; ".join(shown))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=[DEFAULT_SET])
    parser.add_argument("-v", "--verbose", action="store_true", help="every reason of a failure")
    parser.add_argument(
        "--run-tests", action="store_true", help="also run each graph's own tests (slower)"
    )
    args = parser.parse_args()
    requests, changes = run(args.sets, args.run_tests)
    sys.stdout.write(report(requests, changes, args.verbose) + "\n")


if __name__ == "__main__":
    main()
