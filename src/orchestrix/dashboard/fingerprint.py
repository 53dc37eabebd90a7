"""A fingerprint of the dashboard's source (``frontend/``), written beside the build.

``scripts/build-dashboard.sh`` stores it in ``static/SOURCE_SHA256``; a test recomputes it, so a
change to ``frontend/`` committed without a rebuild fails CI instead of shipping a stale page.
Runs without Orchestrix installed: ``python3 fingerprint.py FRONTEND_DIR``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

#: What the build reads: the sources and the pinned dependencies.
SOURCES = ("index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts")
SOURCE_DIRS = ("src", "public")


def source_fingerprint(frontend: Path) -> str:
    files = [frontend / name for name in SOURCES if (frontend / name).is_file()]
    for folder in SOURCE_DIRS:
        files.extend(p for p in (frontend / folder).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(frontend).as_posix()):
        digest.update(path.relative_to(frontend).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    return digest.hexdigest()


if __name__ == "__main__":
    sys.stdout.write(source_fingerprint(Path(sys.argv[1])) + "\n")
