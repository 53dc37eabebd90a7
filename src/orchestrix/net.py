"""Addresses, in one place: whether a host name or address is this machine's loopback."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str | None) -> bool:
    """``localhost``, ``127.x.y.z``, ``::1`` (also as ``[::1]``); False for anything else,
    a name that would need resolving included."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


__all__ = ["is_loopback"]
