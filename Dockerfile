# An `orchestrix mcp` server image: what Archestra's MCP runtime runs for the
# `archestra-platform` target's inline mode (docs/archestra-platform.md). Build it from the
# project and give its name to Orchestrix as ORCHESTRIX_ARCHESTRA_PLATFORM_DOCKER_IMAGE:
#
#   docker build -t registry.example/orchestrix-mcp:0.1.0 .
#   docker push registry.example/orchestrix-mcp:0.1.0
#
# The container serves the workflow spec it is given in ORCHESTRIX_SPEC (JSON or YAML; the
# catalog item sets it), over stdio, or over streamable HTTP with
# `--transport streamable-http --host 0.0.0.0 --port 8080`. No spec, secret or data is baked in.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf /build

RUN useradd --create-home --uid 10001 orchestrix
USER orchestrix
WORKDIR /home/orchestrix
# The workflow's data (SQLite) and signing keys: inside the container, gone with it.
ENV ORCHESTRIX_DATA_DIR=/home/orchestrix/.orchestrix

EXPOSE 8080
ENTRYPOINT ["orchestrix", "mcp"]
