"""The REST edge of a graph: one body reader, one JSON guard, one answer, one error mapping.

``orchestrix serve``'s runtime routes (``POST /runtime/{serverId}``) and the host's agent
routes (``POST /agents/{agentId}``) both run a graph over HTTP through this module, so a graph
answers the same wherever it runs. It imports neither ``api`` nor ``host``.

- :func:`read_json` reads at most ``max_bytes`` (the declared length and the streamed bytes)
  and parses with :func:`parse_json`, which refuses with 400 and the reason: NaN and Infinity,
  numbers that overflow to infinity (``1e400``), integers longer than :data:`MAX_INT_DIGITS`
  digits, nesting deeper than :data:`MAX_DEPTH`, strings or keys with a NUL character or a
  lone surrogate, and a parsed value larger than the byte limit.
- :func:`graph_response` answers with the status, headers and content type the graph set: a
  text body under a non-JSON content type is sent as that text; anything else is JSON.
- :func:`client_ip` is the caller's address as the server sees it (``X-Forwarded-For`` only
  from proxies in ``ORCHESTRIX_TRUSTED_PROXIES``), given to graphs as ``client.ip``.
- :class:`TrustedHosts` refuses foreign ``Host`` headers and cross-site ``Origin`` headers;
  :func:`server_base_url` builds endpoints from the configured public URL, never ``Host``.
- :func:`install_json_errors` makes every error of an app ``{error, details}`` JSON, including
  unknown routes, wrong methods, request validation and the unexpected (500, no traceback).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrix.errors import (
    BadRequestBody,
    BodyTooLarge,
    OrchestrixError,
    UnsupportedMediaType,
)
from orchestrix.runtime.executor import ExecutionResult

log = logging.getLogger("orchestrix.http")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Deepest nesting of arrays and objects a request body may have.
MAX_DEPTH = 64
#: Most digits an integer in a request body may have (a 64-bit integer has 20).
MAX_INT_DIGITS = 40
#: Headers a graph may not set on the HTTP answer (the server owns them).
RESERVED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
NO_BODY_STATUSES = frozenset({204, 304})

_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_JSON = "The request body is not valid JSON"
REFUSED = "The request body is refused"


# -- reading -------------------------------------------------------------------------------


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is too large")
    return value


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


class _Refused(ValueError):
    pass


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character"
    if _SURROGATE.search(text):
        return "a lone surrogate"
    return None


def check_value(value: Any, max_bytes: int) -> None:
    """``BadRequestBody`` when ``value`` nests deeper than :data:`MAX_DEPTH`, holds a string
    the databases cannot store (NUL, lone surrogate), a non-finite number, or measures more
    than ``max_bytes``. Iterative: a deep value cannot exhaust the stack."""
    size = 0
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequestBody(REFUSED, {"reason": f"nested deeper than {MAX_DEPTH} levels"})
        if isinstance(item, str):
            size += len(item) + 2
            problem = _string_problem(item)
            if problem:
                raise BadRequestBody(REFUSED, {"reason": f"{problem} in a string", "at": path})
        elif isinstance(item, dict):
            size += 2
            for key, sub in item.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    size += len(key) + 3
                    problem = _string_problem(key)
                    if problem:
                        raise BadRequestBody(
                            REFUSED, {"reason": f"{problem} in a key", "at": path or "."}
                        )
                stack.append((sub, where, depth + 1))
        elif isinstance(item, list):
            size += 2
            stack.extend((sub, f"{path}[{i}]", depth + 1) for i, sub in enumerate(item))
        elif isinstance(item, float):
            size += 8
            if not math.isfinite(item):
                raise BadRequestBody(REFUSED, {"reason": "a non-finite number", "at": path})
        else:
            size += 8
        if size > max_bytes:
            raise BodyTooLarge(
                f"The request body is larger than {max_bytes} bytes once parsed",
                {"maxBytes": max_bytes},
            )


def _safe_path(path: str) -> str:
    return path if _string_problem(path) is None else "."


def parse_json(raw: bytes | str, max_bytes: int) -> Any:
    """The JSON value of ``raw``, guarded (see the module's docstring); None when empty."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise BadRequestBody(NOT_JSON, {"reason": f"not UTF-8: {e.reason}"}) from e
    else:
        text = raw
    if not text.strip():
        return None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except _Refused as e:
        raise BadRequestBody(REFUSED, {"reason": str(e)}) from e
    except RecursionError as e:
        raise BadRequestBody(REFUSED, {"reason": f"nested deeper than {MAX_DEPTH} levels"}) from e
    except ValueError as e:
        raise BadRequestBody(NOT_JSON, {"reason": str(e)}) from e
    try:
        check_value(value, max_bytes)
    except BadRequestBody as e:
        if isinstance(e.details, dict) and "at" in e.details:
            e.details["at"] = _safe_path(str(e.details["at"]))
        raise
    return value


async def read_body(request: Request, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the body; ``BodyTooLarge`` (413) past that."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(
            f"The request body is larger than {max_bytes} bytes", {"maxBytes": max_bytes}
        )
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            raise BodyTooLarge(
                f"The request body is larger than {max_bytes} bytes", {"maxBytes": max_bytes}
            )
    return bytes(raw)


async def read_json(request: Request, max_bytes: int) -> Any:
    """The request's JSON body (None when empty), read and guarded."""
    return parse_json(await read_body(request, max_bytes), max_bytes)


async def read_input(request: Request, max_bytes: int) -> dict[str, Any]:
    """A graph's input: the JSON object in the body (``{}`` when empty)."""
    value = await read_json(request, max_bytes)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestBody("The request body must be a JSON object", None)
    return value


def require_json(request: Request) -> None:
    """``UnsupportedMediaType`` (415) unless a request with a body says it is JSON: a
    browser's cross-site form or ``text/plain`` POST cannot pass as an API call."""
    if request.method in {"GET", "HEAD", "OPTIONS", "DELETE"}:
        return
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return
    raise UnsupportedMediaType(
        "The request body must be JSON (Content-Type: application/json)",
        {"contentType": kind or None},
    )


# -- the caller -----------------------------------------------------------------------------

#: At most this many ``X-Forwarded-For`` entries are read (from the right).
MAX_FORWARDED_HOPS = 16


def trusted_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``ORCHESTRIX_TRUSTED_PROXIES``' entries as networks (an address is a /32 or /128)."""
    networks: list[IPNetwork] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip().strip("[]"), strict=False))
        except ValueError:
            log.warning("ignoring %r in ORCHESTRIX_TRUSTED_PROXIES: not an address", entry)
    return tuple(networks)


def _address(text: str) -> IPAddress | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress, proxies: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == n.version and address in n for n in proxies)


def client_ip(
    scope_client: str | None, forwarded_for: str | None, proxies: tuple[IPNetwork, ...]
) -> str | None:
    """The caller's address as the server sees it.

    The TCP peer's address, unless the peer is a trusted proxy: then ``X-Forwarded-For`` is
    read from the right, past every trusted proxy, and the first address that is not one is
    the client. A client cannot choose its key by sending the header itself: from an
    untrusted peer the header is ignored.
    """
    peer = _address(scope_client) if scope_client else None
    if peer is None:
        return None
    if not forwarded_for or not _trusted(peer, proxies):
        return str(peer)
    hops = forwarded_for.split(",")[-MAX_FORWARDED_HOPS:]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


def request_client_ip(request: Request, proxies: tuple[IPNetwork, ...]) -> str | None:
    peer = request.client.host if request.client else None
    return client_ip(peer, request.headers.get("x-forwarded-for"), proxies)


# -- hosts, origins, base URLs -------------------------------------------------------------

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: Paths whose callers are the public (hosted graphs): no Origin check there.
PUBLIC_PREFIXES = ("/agents/", "/runtime/")
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def url_host(url: str | None) -> str | None:
    """The host name of ``url`` (lower case, no brackets), or None."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def url_origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of ``url``, or None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def _host_of_header(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_loopback_origin(origin: str) -> bool:
    return url_host(origin) in LOOPBACK_NAMES


class TrustedHosts:
    """Answers 400 to a ``Host`` header this server does not go by (DNS rebinding: a page on
    ``rebind.evil.example`` resolving to 127.0.0.1 is not served), and 403 to a browser's
    state-changing request from a foreign ``Origin`` (CSRF), outside the public graph routes.

    Allowed hosts: loopback names, the hosts of the configured public URLs, and ``hosts``
    (``*`` allows any). Allowed origins: loopback origins, the public URLs' origins and
    ``origins``. A request without ``Origin`` (curl, servers) is not a browser's and passes.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: Iterable[str] = (),
        origins: Iterable[str] = (),
        public_urls: Iterable[str | None] = (),
    ) -> None:
        self.app = app
        publics = [u for u in public_urls if u]
        named = {h.strip().lower().strip("[]") for h in hosts if h.strip()}
        self.any_host = "*" in named
        self.hosts = LOOPBACK_NAMES | named | {h for u in publics if (h := url_host(u))}
        self.origins = {o.strip().lower().rstrip("/") for o in origins if o.strip()} | {
            o for u in publics if (o := url_origin(u))
        }

    def host_allowed(self, host: str) -> bool:
        return self.any_host or _host_of_header(host) in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        origin = origin.strip().lower().rstrip("/")
        return origin in self.origins or _is_loopback_origin(origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self.host_allowed(host):
            response = error_response(
                400,
                "This server does not answer to that Host",
                {
                    "host": host[:200],
                    "hint": "set ORCHESTRIX_PUBLIC_URL or ORCHESTRIX_TRUSTED_HOSTS",
                },
            )
            await response(scope, receive, send)
            return
        origin = headers.get("origin")
        path = str(scope.get("path", ""))
        if (
            origin is not None
            and scope.get("method") in _UNSAFE_METHODS
            and not path.startswith(PUBLIC_PREFIXES)
            and not self.origin_allowed(origin)
        ):
            response = error_response(
                403,
                "Requests from this origin are not allowed",
                {"origin": origin[:200], "hint": "set ORCHESTRIX_TRUSTED_ORIGINS"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def server_base_url(scope: Scope, configured: str | None = None) -> str | None:
    """The base URL endpoints are built from: ``configured`` (the public URL) when set, else
    the address this server's socket is bound to, never the request's ``Host`` header."""
    if configured:
        return configured.rstrip("/")
    server = scope.get("server")
    if not server or server[1] is None:
        return None
    host, port = str(server[0]), int(server[1])
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if scope.get("scheme") in {"https", "wss"} else "http"
    return f"{scheme}://{host}:{port}"


# -- answering -----------------------------------------------------------------------------


def header_safe(text: str) -> bool:
    if "\r" in text or "\n" in text or "\x00" in text:
        return False
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def graph_response(result: ExecutionResult, extra: dict[str, str] | None = None) -> Response:
    """The HTTP answer of a run: the graph's status and headers (less the ones the server
    owns and any that cannot be sent), its content type when it set one."""
    headers = {
        k: v
        for k, v in result.headers.items()
        if k.lower() not in RESERVED_HEADERS and header_safe(k) and header_safe(v)
    }
    headers.update(extra or {})
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    if result.status in NO_BODY_STATUSES:
        return Response(status_code=result.status, headers=headers)
    kind = (content_type or "").split(";")[0].strip().lower()
    is_json = not kind or kind == "application/json" or kind.endswith("+json")
    if not is_json and isinstance(result.body, str):
        return Response(
            result.body, status_code=result.status, headers=headers, media_type=content_type
        )
    if result.body is None and not content_type:
        return JSONResponse(None, status_code=result.status, headers=headers)
    return JSONResponse(
        result.body,
        status_code=result.status,
        headers=headers,
        media_type=content_type or "application/json",
    )


# -- errors --------------------------------------------------------------------------------


def error_response(
    status: int, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message, "details": details}, status_code=status, headers=headers)


def orchestrix_error_response(error: OrchestrixError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    retry_after = getattr(error, "retry_after", None)  # DatabaseUnavailable: come back later
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(error.to_body(), status_code=error.status, headers=headers or None)


async def _orchestrix_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OrchestrixError)
    if exc.status >= 500:
        log.error("%s: %s", type(exc).__name__, exc.message)
    return orchestrix_error_response(exc)


_MESSAGES = {404: "Not found", 405: "Method not allowed"}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = _MESSAGES.get(exc.status_code) or str(exc.detail)
    details: Any = {"method": request.method, "path": request.url.path}
    return error_response(exc.status_code, message, details, dict(exc.headers or {}))


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    return error_response(422, "The request is not valid", details)


async def unexpected_error(_request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "Internal server error", {"type": type(exc).__name__})


class UnexpectedErrors:
    """Answers an unexpected exception with a 500 JSON body (no traceback) and keeps the
    connection usable: Starlette's outermost handler answers too, then re-raises, and the
    server drops the keep-alive connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            response = await unexpected_error(Request(scope), exc)
            await response(scope, receive, send)


def install_json_errors(app: FastAPI) -> None:
    """Every error ``app`` answers is ``{error, details}`` JSON."""
    app.add_exception_handler(OrchestrixError, _orchestrix_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, unexpected_error)
    app.add_middleware(UnexpectedErrors)


__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "UnexpectedErrors",
    "check_value",
    "error_response",
    "graph_response",
    "install_json_errors",
    "orchestrix_error_response",
    "parse_json",
    "read_body",
    "read_input",
    "read_json",
    "require_json",
]
