#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's Chromium through Playwright, which downloads no
# browser of its own. Installs the `chromium` package when it is missing (root, or sudo).
set -euo pipefail
if command -v chromium >/dev/null; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "chromium is missing: install Debian's chromium package (as root)" >&2; exit 1; }
  SUDO=sudo
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium chromium-driver
