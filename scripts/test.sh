#!/usr/bin/env bash
# Runs every check of the project: lint, format, types, then the whole test suite.
# Expects the project installed in .venv (see the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff check"
"$BIN/ruff" check src tests benchmarks
echo "== ruff format --check"
"$BIN/ruff" format --check src tests benchmarks
echo "== mypy (strict, src)"
"$BIN/mypy"
echo "== pytest"
# -n: the tests spread over worker processes (pytest-xdist), one per core unless
# ORCHESTRIX_TEST_WORKERS says otherwise (0: none); most of the suite waits on servers, processes
# and databases. Each worker has its own PostgreSQL database, ports and browser.
# --durations=25: the slowest 25 set-ups, calls and teardowns, printed at the end.
set +e
"$BIN/python" -m pytest -n "${ORCHESTRIX_TEST_WORKERS:-auto}" --durations=25 "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
