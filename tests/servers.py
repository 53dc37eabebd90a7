"""Real servers on loopback for tests: an ASGI app under uvicorn, an SMTP server, and
Orchestrix itself as a process (``serve``, ``host``, ``mcp``).

The first two run in a background thread; all are torn down when the ``with`` block ends, so a
test talks to them over real sockets exactly as production peers would. Every start waits the
same way (``wait_until``): it polls readiness (the health route, or an accepted connection),
fails at once when the server died, and gives up only after a limit that grows with the
machine's load (``scaled``), so a busy machine is slow, not red.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOOPBACK = "127.0.0.1"
#: Seconds a server may take to come up on an idle machine; ``scaled`` stretches it.
STARTUP_LIMIT = 30.0


def scaled(seconds: float) -> float:
    """A time limit stretched by the load: ``seconds`` times the run queue per core (at least
    1), times ``ORCHESTRIX_TEST_TIME_SCALE`` (default 1) for a machine slower still."""
    factor = float(os.environ.get("ORCHESTRIX_TEST_TIME_SCALE", "1") or 1)
    try:
        per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:  # no load average on this platform
        per_core = 1.0
    return seconds * factor * max(1.0, per_core)


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    alive: Callable[[], bool] = lambda: True,
    limit: float = STARTUP_LIMIT,
    log: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``ready`` until it holds. Fails (AssertionError, with ``log()``) when ``alive``
    turns false or when ``scaled(limit)`` seconds pass."""
    deadline = time.monotonic() + scaled(limit)
    pause = 0.01
    while True:
        if not alive():
            raise AssertionError(f"{what} stopped while starting\n{log()}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was not ready after {scaled(limit):.0f} s\n{log()}")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.1)


def accepting(port: int) -> Callable[[], bool]:
    """Readiness: something accepts TCP connections on the loopback ``port``."""

    def probe() -> bool:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return True
        except OSError:
            return False

    return probe


def healthy(url: str) -> Callable[[], bool]:
    """Readiness: ``GET url`` answers 200."""

    def probe() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return probe


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


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
        # started: the lifespan ran and uvicorn listens on the socket
        wait_until(lambda: server.started, what=f"uvicorn on port {port}", alive=thread.is_alive)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=scaled(STARTUP_LIMIT))
        if thread.is_alive():  # a stuck request: stop waiting for it
            server.force_exit = True
            thread.join(timeout=scaled(STARTUP_LIMIT))
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
        ready_timeout=scaled(STARTUP_LIMIT),
        plain_auth=login is not None,
        **options,
    )
    controller.start()
    try:
        yield state
    finally:
        controller.stop()


@dataclass
class Process:
    """A running Orchestrix process: where it listens and what it wrote."""

    url: str
    port: int
    log: Path
    popen: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextmanager
def process(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    port: int,
    health: str | None = "/healthz",
    log_dir: Path | None = None,
) -> Iterator[Process]:
    """``argv`` running until the block ends, output to a log file in ``log_dir`` (default
    ``cwd``); ready once ``GET health`` answers 200 on ``port`` (``health=None``: once the port
    accepts connections)."""
    what = f"{Path(argv[0]).name} {' '.join(argv[1:4])} on port {port}"
    log = (log_dir or cwd) / f"process-{port}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        running = Process(f"http://{LOOPBACK}:{port}", port, log, popen)
        try:
            wait_until(
                healthy(running.url + health) if health else accepting(port),
                what=what,
                alive=lambda: popen.poll() is None,
                log=running.output,
            )
            yield running
        finally:
            stop(popen)


#: What a process that lost the race for its port says (our CLI's line, or uvicorn's).
PORT_TAKEN = re.compile(r"cannot listen on|address already in use", re.IGNORECASE)


@contextmanager
def orchestrix_process(
    command: str, *args: str, env: dict[str, str], cwd: Path, health: str | None = "/healthz"
) -> Iterator[Process]:
    """``python -m orchestrix COMMAND --host 127.0.0.1 --port <free> ARGS``, ready once its
    health route answers; ``cwd`` keeps a stray ``.env`` of the checkout away. Build ``env``
    with ``tests.factories.server_env``. A free port can be taken by another process (another
    test worker) before the child binds it: then it starts again on another one."""
    with ExitStack() as stack:
        for attempt in range(3):
            port = free_port()
            argv = [sys.executable, "-m", "orchestrix", command]
            argv += ["--host", LOOPBACK, "--port", str(port), *args]
            try:
                running = stack.enter_context(
                    process(argv, env=env, cwd=cwd, port=port, health=health)
                )
            except AssertionError as e:
                if attempt == 2 or not PORT_TAKEN.search(str(e)):
                    raise
                continue
            break
        yield running


def stop(popen: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    if popen.poll() is None:
        popen.terminate()
    try:
        popen.wait(timeout=scaled(15))
    except subprocess.TimeoutExpired:
        popen.kill()
        popen.wait(timeout=scaled(5))


__all__ = [
    "LOOPBACK",
    "Process",
    "SmtpServer",
    "accepting",
    "free_port",
    "healthy",
    "orchestrix_process",
    "process",
    "scaled",
    "serve_asgi",
    "smtp_server",
    "stop",
    "wait_until",
]
