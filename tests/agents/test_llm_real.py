"""Opt-in: the quality harness (benchmarks/bench_quality.py) through a real model.

Skipped unless ``ORCHESTRIX_TEST_LLM=MODEL@BASE_URL`` names one, e.g.
``ORCHESTRIX_TEST_LLM=llamacpp:qwen2.5-coder-1.5b@http://127.0.0.1:8080/v1`` or
``ORCHESTRIX_TEST_LLM=ollama:qwen2.5:7b@http://127.0.0.1:11434/v1``. ``ORCHESTRIX_TEST_LLM_CASES``
(default 4) bounds how many requests of the dev set run: a small model on a laptop CPU takes
minutes per request. Prints pass ratio, repair rounds and seconds per request beside the rules
planner on the same requests; fails only if the model never built a graph itself.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrix.agents import BuilderAgent, NotUnderstood
from orchestrix.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NAMED = os.environ.get("ORCHESTRIX_TEST_LLM", "")

pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.skipif("@" not in NAMED, reason="set ORCHESTRIX_TEST_LLM=MODEL@BASE_URL"),
]


def _cases() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "benchmarks" / "prompts" / "dev.yaml").read_text())
    count = int(os.environ.get("ORCHESTRIX_TEST_LLM_CASES", "4"))
    return list(data["requests"])[:count]


def test_the_quality_harness_through_a_real_model(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_quality as harness  # type: ignore[import-not-found]

    model, _, base_url = NAMED.partition("@")
    settings = Settings(data_dir=tmp_path, llm=model, llm_base_url=base_url, _env_file=None)
    rules = BuilderAgent(Settings(data_dir=tmp_path, llm=None, _env_file=None))
    builder = BuilderAgent(settings)
    rows = []
    for case in _cases():
        t0 = time.perf_counter()
        try:
            result = asyncio.run(builder.generate(str(case["prompt"])))
            outcome = harness.Outcome(workflows=[result.workflow], not_covered=result.not_covered)
            planner = result.planner
            rounds = result.workflow.metadata.get("builder", {}).get("repairRounds", 0)
        except NotUnderstood as e:
            outcome, planner, rounds = harness.Outcome(refused=e.message), "llm", 0
        seconds = time.perf_counter() - t0
        failures = harness.grade_request(outcome, case.get("expect") or {})
        rules_failures = harness.grade_request(
            harness.build(rules, str(case["prompt"])), case.get("expect") or {}
        )
        rows.append((case["id"], planner, not failures, not rules_failures, rounds, seconds))
    llm_built = [r for r in rows if r[1] == "llm"]
    lines = [f"\nmodel {model} at {base_url}: {len(llm_built)}/{len(rows)} built by the model"]
    lines.extend(
        f"  {r[0]}: {r[1]} pass={r[2]} rules-pass={r[3]} rounds={r[4]} {r[5]:.0f}s" for r in rows
    )
    passed = sum(r[2] for r in rows) / len(rows)
    rules_passed = sum(r[3] for r in rows) / len(rows)
    lines.append(
        f"pass ratio {passed:.0%} (rules planner {rules_passed:.0%}), "
        f"rounds {sum(r[4] for r in rows)}, {sum(r[5] for r in rows) / len(rows):.0f} s/request"
    )
    sys.stdout.write("\n".join(lines) + "\n")  # shown with pytest -s
    assert llm_built, "the model never built a graph itself: every request fell back"
