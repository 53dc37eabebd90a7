"""The egress policy: where a graph's ``httpRequest`` and ``sendEmail``'s SMTP host may connect.

A graph is written by a user and called by anyone, and a URL can come from the caller
(``{{ input.url }}``); without a policy it reaches the machine's own services (the control
plane, the host's management API, a database) and the cloud's metadata endpoint. So every
outbound connection goes through :class:`EgressPolicy`:

- only ``http`` and ``https`` URLs (the tool checks its URL; the transport has no other);
- the host name is resolved **once**, every address it resolves to is classified, and the
  connection is made to one of those addresses (never to the name again), so DNS cannot
  answer a public address to the check and a private one to the connect;
- loopback, private, shared (CGNAT), link-local (metadata at ``169.254.169.254``), multicast,
  unspecified, reserved and documentation ranges are refused, for IPv4 and IPv6, including
  IPv4 addresses inside IPv6 (mapped ``::ffff:a.b.c.d``, 6to4, Teredo, NAT64) and the integer
  spellings of IPv4 (``2130706433``, ``0x7f.1``), which the resolver turns into the address
  that is then checked;
- ``ORCHESTRIX_EGRESS_ALLOW`` lists exceptions: host names (``mail.internal``, or
  ``*.corp.example`` for subdomains) and IP networks (``10.0.0.0/8``, ``127.0.0.1``).

The check sits in the connection itself: :class:`EgressBackend` is an httpcore network
backend (the hook httpx's transports are built on), so each redirect hop a request follows is
checked too. A refusal is :class:`~orchestrix.errors.EgressRefused` (502, naming the policy).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpcore
import httpx

from orchestrix.errors import EgressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

POLICY = "egress policy (ORCHESTRIX_EGRESS_ALLOW lists exceptions)"

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refused_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination, or None when it is one."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = refused_reason(inner)
        return f"{reason} (inside {address})" if reason else None
    for flag, reason in (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address (cloud metadata lives there)"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(address, flag):
            return reason
    if not address.is_global:
        return "not a public address"
    return None


def _host_pattern(entry: str) -> str:
    return entry.strip().lower().rstrip(".")


@dataclass(frozen=True)
class EgressPolicy:
    """Which destinations are allowed: every public address, plus ``allow``'s exceptions."""

    allow: Sequence[str] = ()
    networks: tuple[IPNetwork, ...] = field(init=False, default=())
    names: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for raw in self.allow:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(_host_pattern(entry))
        object.__setattr__(self, "networks", tuple(networks))
        object.__setattr__(self, "names", frozenset(names))

    @classmethod
    def from_settings(cls, settings: Any) -> EgressPolicy:
        return cls(tuple(settings.egress_allow))

    def name_allowed(self, host: str) -> bool:
        name = _host_pattern(host)
        if name in self.names:
            return True
        parts = name.split(".")
        return any(f"*.{'.'.join(parts[i:])}" in self.names for i in range(1, len(parts)))

    def address_allowed(self, address: IPAddress) -> bool:
        candidates = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        return any(c in n for c in candidates for n in self.networks if c.version == n.version)

    def refusal(self, host: str, address: IPAddress) -> str | None:
        """Why connecting to ``address`` (which ``host`` resolved to) is refused, or None."""
        if self.name_allowed(host) or self.address_allowed(address):
            return None
        return refused_reason(address)

    async def resolve(self, host: str, port: int, *, what: str = "connection") -> list[str]:
        """The addresses to connect to for ``host``, all checked; ``EgressRefused`` when
        any address ``host`` resolves to is refused (or it resolves to none)."""
        bare = host.strip("[]")
        try:
            infos = await anyio.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
        except OSError as e:
            raise EgressRefused(
                f"The {what} to {host} was refused: the host name does not resolve",
                {"host": host, "port": port, "reason": str(e), "policy": POLICY},
            ) from None
        addresses: list[str] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            text = str(sockaddr[0]).split("%", 1)[0]
            address = ipaddress.ip_address(text)
            reason = self.refusal(bare, address)
            if reason is not None:
                raise EgressRefused(
                    f"The {what} to {host} was refused by the egress policy: {text} is {reason}",
                    {"host": host, "address": text, "port": port, "policy": POLICY},
                )
            if text not in addresses:
                addresses.append(text)
        if not addresses:
            raise EgressRefused(
                f"The {what} to {host} was refused: the host name resolves to no address",
                {"host": host, "port": port, "policy": POLICY},
            )
        return addresses

    async def connect_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        """A connected TCP socket to a checked address of ``host`` (for SMTP)."""
        with anyio.fail_after(timeout):
            addresses = await self.resolve(host, port, what="SMTP connection")
            last: OSError | None = None
            for address in addresses:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setblocking(False)
                try:
                    await asyncio.get_running_loop().sock_connect(sock, (address, port))
                except OSError as e:
                    sock.close()
                    last = e
                    continue
                return sock
        raise last or OSError(f"could not connect to {host}:{port}")


class EgressBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the policy allows.

    httpcore asks it for a TCP connection to the URL's host; it resolves the name once,
    checks every address, and connects to a checked address. TLS (SNI, certificate checks)
    still uses the host name: httpcore starts it on the stream with the origin's name.
    """

    def __init__(self, policy: EgressPolicy, inner: httpcore.AsyncNetworkBackend | None = None):
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        with anyio.fail_after(timeout):  # None: no limit
            addresses = await self.policy.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        del timeout, socket_options  # the interface's; nothing is connected
        raise EgressRefused(
            "Unix sockets are refused by the egress policy", {"path": path, "policy": POLICY}
        )

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class EgressTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over :class:`EgressBackend` (no proxies from the environment:
    a proxy would make the connection the policy cannot see)."""

    def __init__(self, policy: EgressPolicy, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx builds its pool without a way to pass a network backend; the pool is the same
        # class with the same limits, over the policy's backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=EgressBackend(policy),
        )


def egress_client(policy: EgressPolicy, *, user_agent: str) -> httpx.AsyncClient:
    """The HTTP client graphs use: every connection checked, no redirect followed unless a
    request asks (``follow_redirects=True``), and then every hop is checked."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent},
        follow_redirects=False,
        max_redirects=5,
        trust_env=False,
        transport=EgressTransport(policy, limits),
    )


__all__ = [
    "POLICY",
    "EgressBackend",
    "EgressPolicy",
    "EgressTransport",
    "egress_client",
    "embedded_ipv4",
    "refused_reason",
]
