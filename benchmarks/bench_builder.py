"""The rules planner: prompt to a checked graph, over the 60+ prompts of the builder's tests.

Each prompt is built ``--rounds`` times (the first round warms the imports and caches up and is
not counted); a build is the whole path the CLI and the API take: reading the prompt, the
blueprint, the edits for extras, the graph's tests and the static checks. The baseline is the
static check alone on the same graphs, the floor any builder pays.

    .venv/bin/python -m benchmarks.bench_builder [--rounds 5]   (from the project folder)

Prints the median and the slowest prompt in milliseconds (target: median under 50 ms), and
the ratio of a build to the static check of its graph.
"""

from __future__ import annotations

import argparse
import statistics
import time

from tests.agents.prompts import PROMPTS

from orchestrix.agents.rules import RulesPlanner
from orchestrix.runtime.checks import check_workflow

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="builds per prompt (1 warm-up)")
    args = parser.parse_args()
    planner = RulesPlanner()
    prompts = [p for p, _ in PROMPTS]
    for prompt in prompts:  # warm-up round
        planner.generate(prompt)
    build_ms: dict[str, list[float]] = {p: [] for p in prompts}
    check_ms: list[float] = []
    for _ in range(max(1, args.rounds - 1)):
        for prompt in prompts:
            t0 = time.perf_counter()
            workflow = planner.generate(prompt).workflow
            t1 = time.perf_counter()
            check_workflow(workflow)
            t2 = time.perf_counter()
            build_ms[prompt].append((t1 - t0) * 1000)
            check_ms.append((t2 - t1) * 1000)
    per_prompt = {p: statistics.median(v) for p, v in build_ms.items()}
    median = statistics.median(per_prompt.values())
    slowest = max(per_prompt, key=lambda p: per_prompt[p])
    check = statistics.median(check_ms)
    print(f"prompts: {len(prompts)}, rounds: {args.rounds} (1 warm-up)")
    print(
        f"prompt -> checked graph: median {median:.2f} ms, p90 "
        f"{statistics.quantiles(per_prompt.values(), n=10)[-1]:.2f} ms"
    )
    print(f"slowest prompt: {per_prompt[slowest]:.2f} ms  ({slowest!r})")
    print(f"static check alone: median {check:.2f} ms; build / check = {median / check:.1f}x")
    verdict = "ok" if median < TARGET_MS else "SLOW"
    print(f"target: median under {TARGET_MS:.0f} ms -> {verdict} ({median / TARGET_MS:.2f}x of it)")


if __name__ == "__main__":
    main()
