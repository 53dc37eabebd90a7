"""Telemetry: product events to Archestra, and OpenTelemetry spans for executions.

Events (``server_created``, ``server_mutated``, ``workflow_run``, ``deployed``,
``deploy_failed``, ``undeployed``) are sent to ``ARCHESTRA_ENDPOINT`` when it is set, with
``Authorization: Bearer $ARCHESTRA_API_KEY``. :meth:`Telemetry.emit` only appends to a bounded
in-memory queue; a background task posts batches (``{"source", "events": [...]}``) every few
seconds or when a batch is full. A slow, failing or absent receiver never slows or fails the
request that caused an event: a batch that cannot be sent is dropped and counted, and when
the queue is full the oldest events go first.

Spans: when ``ORCHESTRIX_OTLP_ENDPOINT`` is set and ``opentelemetry-sdk`` with the OTLP/HTTP
exporter is installed (``pip install 'orchestrix[otel]'``), each execution is a span named
``orchestrix.execution``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from orchestrix import __version__
from orchestrix.settings import Settings
from orchestrix.timefmt import iso_z, utc_now

log = logging.getLogger("orchestrix.telemetry")

SOURCE = "orchestrix"
EVENTS = (
    "server_created",
    "server_mutated",
    "workflow_run",
    "deployed",
    "deploy_failed",
    "undeployed",
)


def _now() -> str:
    return iso_z(utc_now())


class Telemetry:
    """Batched, background, best-effort event delivery. Disabled without an endpoint."""

    def __init__(
        self,
        endpoint: str | None,
        api_key: str | None = None,
        *,
        batch_size: int = 100,
        flush_interval: float = 2.0,
        max_queue: int = 10_000,
        timeout: float = 5.0,
    ) -> None:
        self.endpoint = endpoint
        self._api_key = api_key
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.timeout = timeout
        self._queue: deque[dict[str, Any]] = deque(maxlen=max_queue)
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._users = 0
        self._stopping = False
        self.sent = 0
        self.dropped = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Telemetry:
        key = settings.archestra_api_key
        return cls(settings.archestra_endpoint, key.get_secret_value() if key else None)

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def emit(
        self,
        event: str,
        *,
        server_id: str | None = None,
        agent_id: str | None = None,
        **metadata: Any,
    ) -> None:
        """Queue an event; returns at once and never raises."""
        if not self.endpoint:
            return
        try:
            item: dict[str, Any] = {"event": event, "timestamp": _now()}
            if server_id is not None:
                item["serverId"] = server_id
            if agent_id is not None:
                item["agentId"] = agent_id
            if metadata:
                item["metadata"] = metadata
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
            self._queue.append(item)
            if self._wake is not None and len(self._queue) >= self.batch_size:
                self._wake.set()
        except Exception:  # telemetry must never break the caller
            log.debug("telemetry event %s not queued", event, exc_info=True)

    # -- the background sender ------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Telemetry]:
        """Run the sender for the block (re-entrant: nested users share one sender); what is
        still queued at the end is sent once, within the timeout."""
        self._users += 1
        if self._users == 1 and self.endpoint:
            self._wake = asyncio.Event()
            self._client = httpx.AsyncClient(
                timeout=self.timeout, headers={"User-Agent": f"orchestrix/{__version__}"}
            )
            self._task = asyncio.create_task(self._loop(), name="orchestrix-telemetry")
        try:
            yield self
        finally:
            self._users -= 1
            if self._users == 0:
                await self._stop()

    async def _stop(self) -> None:
        """Let the sender finish the batch it is sending, then send what is left, all within
        the timeout; whatever is still unsent after that is dropped."""
        task, self._task = self._task, None
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        try:
            if task is not None:
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(task, self.timeout)
        finally:
            self._stopping = False
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._wake = None

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # pragma: no cover - flush already swallows delivery errors
                log.warning("telemetry flush failed", exc_info=True)
            if self._stopping:
                return

    async def flush(self) -> int:
        """Send everything queued now, in batches; returns how many events were delivered."""
        delivered = 0
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self.batch_size, len(self._queue)))]
            if await self._post(batch):
                delivered += len(batch)
        return delivered

    async def _post(self, batch: list[dict[str, Any]]) -> bool:
        if not self.endpoint:
            return False
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        body = {"source": SOURCE, "version": __version__, "events": batch}
        try:
            if self._client is not None:
                response = await self._client.post(self.endpoint, json=body, headers=headers)
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.post(self.endpoint, json=body, headers=headers)
            response.raise_for_status()
        except (httpx.HTTPError, OSError) as e:
            self.dropped += len(batch)
            log.warning("telemetry: %d events not delivered: %s", len(batch), e)
            return False
        self.sent += len(batch)
        return True


#: A telemetry that sends nothing, for code that runs without an app (tests, scripts).
DISABLED = Telemetry(None)


def telemetry_of(app: Any) -> Telemetry:
    """The telemetry installed on a Starlette/FastAPI app, or :data:`DISABLED`."""
    found = getattr(getattr(app, "state", None), "telemetry", None)
    return found if isinstance(found, Telemetry) else DISABLED


def install_telemetry(app: Any, settings: Settings) -> Telemetry:
    """Put one telemetry on ``app.state`` (kept when one is there already)."""
    existing = getattr(app.state, "telemetry", None)
    if isinstance(existing, Telemetry):
        return existing
    telemetry = Telemetry.from_settings(settings)
    app.state.telemetry = telemetry
    return telemetry


# --- OpenTelemetry ------------------------------------------------------------------------

_tracing = False


def configure_tracing(settings: Settings) -> bool:
    """Export spans to ``settings.otlp_endpoint`` (once per process); False when tracing is
    off (no endpoint, or the SDK is not installed, which is logged)."""
    global _tracing
    if _tracing or not settings.otlp_endpoint:
        return _tracing
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "ORCHESTRIX_OTLP_ENDPOINT is set but opentelemetry-sdk is not installed: "
            "pip install 'orchestrix[otel]'"
        )
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": "orchestrix"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=_traces_url(settings)))
    )
    trace.set_tracer_provider(provider)
    _tracing = True
    return True


def enable_tracing() -> None:
    """Record spans with whatever tracer provider is installed (tests install their own)."""
    global _tracing
    _tracing = True


def _traces_url(settings: Settings) -> str:
    url = (settings.otlp_endpoint or "").rstrip("/")
    return url if url.endswith("/v1/traces") else f"{url}/v1/traces"


@contextlib.contextmanager
def span(name: str, **attributes: Any) -> Iterator[Any]:
    """An OpenTelemetry span when tracing is on; nothing (and no cost) otherwise."""
    if not _tracing:
        yield None
        return
    from opentelemetry import trace

    tracer = trace.get_tracer("orchestrix", __version__)
    clean = {f"orchestrix.{k}": v for k, v in attributes.items() if v is not None}
    with tracer.start_as_current_span(name, attributes=clean) as current:
        yield current
