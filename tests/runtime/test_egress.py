"""The egress policy, attacked through real graphs and real peers on loopback.

A hostile graph (or its caller, when the URL comes from ``{{ input.url }}``) aims
``httpRequest`` at a service on this machine in every spelling an attacker tries; each is
refused with a 502 ``{error, details}`` naming the policy, and the internal service sees no
request. Redirects are not followed by default; when a graph asks, each hop is checked.
SMTP goes through the same policy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from orchestrix.errors import EgressRefused
from orchestrix.runtime.egress import EgressBackend, EgressPolicy, refused_reason
from orchestrix.runtime.executor import Executor
from orchestrix.runtime.services import open_services
from orchestrix.settings import Settings
from orchestrix.spec.models import Workflow
from orchestrix.tools.base import Services
from tests.conftest import unique_namespace
from tests.servers import serve_asgi, smtp_server

SEEN: list[str] = []


async def secret(request: Request) -> Response:
    SEEN.append(request.url.path)
    return JSONResponse({"servers": ["every spec of every owner"]})


async def bounce(request: Request) -> Response:
    return RedirectResponse(request.query_params["to"], status_code=302)


INTERNAL = Starlette(routes=[Route("/{path:path}", secret)])
REDIRECTOR = Starlette(routes=[Route("/bounce", bounce)])

FETCH = Workflow.model_validate(
    {
        "name": "Fetch",
        "inputSchema": {"type": "object", "properties": {"url": {"type": "string"}}},
        "tools": [
            {"id": "input", "type": "input"},
            {
                "id": "call",
                "type": "httpRequest",
                "config": {"url": "{{ input.url }}", "retries": 0, "timeout": 5},
            },
            {"id": "out", "type": "response", "config": {"body": "{{ steps.call }}"}},
        ],
    }
)


def _follow() -> Workflow:
    spec = FETCH.model_dump(by_alias=True, exclude_none=True)
    spec["tools"][1]["config"]["followRedirects"] = True
    return Workflow.model_validate(spec)


@pytest.fixture(scope="module")
def internal() -> Iterator[str]:
    with serve_asgi(INTERNAL) as url:
        yield url


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **extra)  # type: ignore[call-arg]


@pytest.fixture
async def strict(tmp_path: Path) -> AsyncIterator[Services]:
    """Services with the default policy: no exceptions."""
    async with open_services(_settings(tmp_path)) as svc:
        yield svc


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


BYPASSES = [
    "http://127.0.0.1:{port}/mcp/servers",
    "http://localhost:{port}/mcp/servers",
    "http://LOCALHOST.:{port}/mcp/servers",
    "http://2130706433:{port}/mcp/servers",  # 127.0.0.1 as one decimal integer
    "http://0x7f.1:{port}/mcp/servers",  # hex and a short form
    "http://0177.0.0.1:{port}/mcp/servers",  # octal
    "http://user@127.0.0.1:{port}/mcp/servers",
    "http://user:pw@localhost:{port}/mcp/servers",
    "http://[::ffff:127.0.0.1]:{port}/mcp/servers",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]:{port}/mcp/servers",
    "http://[::1]:{port}/mcp/servers",
    "http://0.0.0.0:{port}/mcp/servers",
    "http://127.1.2.3:{port}/mcp/servers",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.100.100.200/",  # shared address space (another cloud's metadata)
    "http://224.0.0.1/",
    "http://[2002:7f00:1::]:{port}/",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::7f00:1]:{port}/",  # NAT64 around 127.0.0.1
]


@pytest.mark.parametrize("template", BYPASSES)
async def test_every_spelling_of_an_internal_address_is_refused(
    strict: Services, internal: str, template: str
) -> None:
    SEEN.clear()
    url = template.format(port=_port(internal))
    result = await Executor(FETCH).run({"url": url}, strict, namespace=unique_namespace())
    assert SEEN == []
    if result.status == 400:  # httpx itself refuses some spellings as not a URL at all
        assert result.body["error"] == "Invalid URL", result.body
        return
    assert result.status == 502, result.body
    assert "refused" in result.body["error"]
    assert "ORCHESTRIX_EGRESS_ALLOW" in result.body["details"]["policy"]


async def test_the_allow_list_opens_exactly_what_it_names(tmp_path: Path, internal: str) -> None:
    url = f"{internal}/mcp/servers"
    for allow in (["127.0.0.1"], ["127.0.0.0/8"], ["localhost"]):
        async with open_services(_settings(tmp_path, egress_allow=allow)) as svc:
            target = url if allow != ["localhost"] else url.replace("127.0.0.1", "localhost")
            result = await Executor(FETCH).run({"url": target}, svc, namespace="e")
            assert result.status == 200, (allow, result.body)
            other = await Executor(FETCH).run({"url": "http://10.0.0.1/"}, svc, namespace="e")
            assert other.status == 502
    settings = _settings(tmp_path, egress_allow=["10.0.0.0/8", "*.corp.example"])
    policy = EgressPolicy.from_settings(settings)
    assert policy.name_allowed("mail.corp.example")
    assert not policy.name_allowed("corp.example.evil.test")
    assert policy.address_allowed(ipaddress.ip_address("10.2.3.4"))
    assert not policy.address_allowed(ipaddress.ip_address("127.0.0.1"))


async def test_redirects_are_not_followed_unless_asked_and_then_every_hop_is_checked(
    tmp_path: Path, internal: str
) -> None:
    SEEN.clear()
    # the redirector is on 127.0.0.2, which the allow-list opens; the target is not
    with serve_asgi(REDIRECTOR, host="127.0.0.2") as redirector:
        settings = _settings(tmp_path, egress_allow=["127.0.0.2"])
        async with open_services(settings) as svc:
            to = f"{internal}/mcp/servers"
            bounce_url = f"{redirector}/bounce?to={to}"
            plain = await Executor(FETCH).run({"url": bounce_url}, svc, namespace="r")
            assert plain.status == 200, plain.body
            assert plain.body["status"] == 302  # the answer is the redirect itself
            assert SEEN == []
            followed = await Executor(_follow()).run({"url": bounce_url}, svc, namespace="r")
            assert followed.status == 502, followed.body
            assert "127.0.0.1" in followed.body["error"]
            assert SEEN == []
            for sneaky in ("http://2130706433:{p}/x", "http://[::ffff:127.0.0.1]:{p}/x"):
                hop = sneaky.format(p=_port(internal))
                again = await Executor(_follow()).run(
                    {"url": f"{redirector}/bounce?to={hop}"}, svc, namespace="r"
                )
                assert again.status == 502, again.body
            assert SEEN == []


class _Recording(httpcore.AnyIOBackend):
    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host: str, port: int, **kw: Any) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        return await super().connect_tcp(host, port, **kw)


async def test_the_connection_goes_to_the_address_that_was_checked(internal: str) -> None:
    """The name is resolved once; the socket is opened to that address, not to the name
    again (which a rebinding DNS server could answer differently)."""
    recording = _Recording()
    policy = EgressPolicy(("localhost",))
    backend = EgressBackend(policy, recording)
    stream = await backend.connect_tcp("localhost", _port(internal), timeout=5)
    await stream.aclose()
    assert recording.hosts and all(ipaddress.ip_address(h).is_loopback for h in recording.hosts)
    with pytest.raises(EgressRefused):
        await EgressBackend(EgressPolicy(), recording).connect_tcp("localhost", 80, timeout=5)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "169.254.169.254",
        "fe80::1",
        "fd00::1",
        "10.1.2.3",
        "100.64.0.1",
        "0.0.0.0",
        "::",
        "240.0.0.1",
        "255.255.255.255",
        "ff02::1",
        "224.0.0.251",
        "192.0.2.1",
        "2001:db8::1",
        "2002:a00:1::",
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo around 10.0.0.1
    ],
)
def test_internal_ranges_are_classified_refused(address: str) -> None:
    assert refused_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refused_reason(ipaddress.ip_address(address)) is None


async def test_smtp_to_a_loopback_server_is_refused_unless_allowed(tmp_path: Path) -> None:
    with smtp_server() as server:
        mail = {"smtp_host": "localhost", "smtp_port": server.port, "smtp_timeout": 5}
        async with open_services(_settings(tmp_path, **mail)) as svc:
            with pytest.raises(EgressRefused) as info:
                await svc.mailer.send(_message())
        assert info.value.status == 502
        assert "egress policy" in info.value.message
        assert server.messages == []
        async with open_services(_settings(tmp_path, egress_allow=["localhost"], **mail)) as svc:
            sent = await svc.mailer.send(_message())
        assert sent["delivered"] is True
        assert len(server.messages) == 1


def _message() -> Any:
    from orchestrix.tools.base import EmailMessageData

    return EmailMessageData(
        to=["ada@example.com"], subject="Hi", text="hello", namespace=unique_namespace()
    )
