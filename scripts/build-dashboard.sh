#!/usr/bin/env bash
# Builds the dashboard (frontend/, Node.js 20+) into the Python package, where it is committed:
# installing Orchestrix needs no Node.js. Run it after changing anything in frontend/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=src/orchestrix/dashboard/static

PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

# The API types: the app's OpenAPI schema (dumped from the app object, no server), then
# TypeScript from it. tests/e2e/test_api_types.py fails when either file is stale.
"$PYTHON" scripts/dump-openapi.py > frontend/openapi.json
(cd frontend && npm ci --no-audit --no-fund && npm run gen:api)
SCHEMA_SHA=$(sha256sum frontend/openapi.json | cut -d' ' -f1)
TYPES=frontend/src/lib/api-schema.ts
{ echo "// Generated from frontend/openapi.json (sha256 $SCHEMA_SHA) by scripts/build-dashboard.sh."; cat "$TYPES"; } > "$TYPES.tmp"
mv "$TYPES.tmp" "$TYPES"

(cd frontend && npm run build)

rm -rf "$OUT"
mkdir -p "$OUT"
cp -R frontend/dist/. "$OUT/"
# Precompressed twins of the assets (served when the browser accepts gzip); -n keeps the
# output byte-for-byte reproducible (no name, no timestamp).
# What the build was made from: tests/e2e/test_serving.py checks that it matches frontend/.
python3 src/orchestrix/dashboard/fingerprint.py frontend > "$OUT/SOURCE_SHA256"
find "$OUT/assets" -type f \( -name '*.js' -o -name '*.css' -o -name '*.svg' \) -exec gzip -9 -n -k -f {} \;
echo "dashboard built into $OUT:"
ls -la "$OUT" "$OUT/assets"
