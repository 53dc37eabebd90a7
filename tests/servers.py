"""Real servers on loopback for tests: an ASGI app under uvicorn, and an SMTP server.

Both run in a background thread and are torn down when the ``with`` block ends, so a test
talks to them over real sockets exactly as production peers would.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOOPBACK = "127.0.0.1"
STARTUP_LIMIT = 10.0  # seconds a server may take to come up before the test fails


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _wait_until_accepting(port: int, alive: Any, host: str = LOOPBACK) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server on port {port} stopped while starting")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"the server on port {port} did not accept connections in time")


@contextmanager
def serve_asgi(app: Any, *, host: str = LOOPBACK, **config: Any) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free port of ``host`` (a loopback address); yields
    its base URL."""
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so (else ~40 ms per reply)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = int(sock.getsockname()[1])
    config.setdefault("log_level", "warning")
    config.setdefault("lifespan", "auto")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **config))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn:{port}", daemon=True
    )
    thread.start()
    try:
        _wait_until_accepting(port, thread.is_alive, host)
        deadline = time.monotonic() + STARTUP_LIMIT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_LIMIT)
        if thread.is_alive():  # a stuck request: stop waiting for it
            server.force_exit = True
            thread.join(timeout=STARTUP_LIMIT)
        sock.close()


@dataclass
class SmtpServer:
    """What the loopback SMTP server received, and how to make it misbehave."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    reject: set[str] = field(default_factory=set)
    login: tuple[str, str] | None = None


class _Handler:
    def __init__(self, state: SmtpServer) -> None:
        self.state = state

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address.lower() in self.state.reject:
            return f"550 5.1.1 <{address}>: recipient rejected"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else content.encode()
        message = message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.state.messages.append(message)
        self.state.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd refuses AUTH without TLS unless told otherwise, and warns when told; on
    loopback in tests plain AUTH is what we want, so allow it after construction."""

    def __init__(self, *args: Any, plain_auth: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plain_auth = plain_auth

    def factory(self) -> Any:
        smtp = super().factory()
        if self.plain_auth:
            smtp._auth_require_tls = False
        return smtp


@contextmanager
def smtp_server(
    *, reject: Iterable[str] = (), login: tuple[str, str] | None = None
) -> Iterator[SmtpServer]:
    """An aiosmtpd server on loopback. ``reject`` lists recipients it refuses with 550;
    ``login`` = (user, password) makes it demand AUTH (over plain text: loopback only)."""
    state = SmtpServer(
        host=LOOPBACK, port=free_port(), reject={a.lower() for a in reject}, login=login
    )
    options: dict[str, Any] = {}
    if login is not None:

        def authenticate(
            _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
        ) -> AuthResult:
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == login
            )
            return AuthResult(success=ok, handled=False)

        options = {"authenticator": authenticate, "auth_required": True}
    controller = _Controller(
        _Handler(state),
        hostname=LOOPBACK,
        port=state.port,
        ready_timeout=STARTUP_LIMIT,
        plain_auth=login is not None,
        **options,
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


__all__ = ["SmtpServer", "free_port", "serve_asgi", "smtp_server"]
