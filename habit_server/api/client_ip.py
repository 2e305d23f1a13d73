"""The address a request came from: the one place that reads ``X-Forwarded-For`` and ``Forwarded``.

The peer of the TCP connection is the client, unless the peer is a proxy listed in
``TRUSTED_PROXIES`` (empty by default: no forwarded header is believed, not even from loopback).
Behind trusted proxies the client is the rightmost address of the forwarded chain that is not a
trusted proxy itself: every address to its left was written by the client and may be forged.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request

from habit_server.settings import parse_networks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # Forwarded: for="[2001:db8::1]:4711"
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 192.0.2.1:4711
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _forwarded_chain(request: Request) -> list[str]:
    """The addresses the proxies recorded, oldest first (``Forwarded`` wins over ``X-Forwarded-For``)."""
    forwarded = request.headers.getlist("forwarded")
    if forwarded:
        chain: list[str] = []
        for element in ",".join(forwarded).split(","):
            for pair in element.split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() == "for":
                    chain.append(value)
        return chain
    return [part for header in request.headers.getlist("x-forwarded-for") for part in header.split(",")]


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(request: Request, proxies: Sequence[Network]) -> str:
    """The client's address as text (``unknown`` when the server cannot tell)."""
    peer = request.client.host if request.client else ""
    here = _address(peer)
    if here is None:
        return peer or "unknown"
    if not proxies or not _trusted(here, proxies):
        return str(here)
    for text in reversed(_forwarded_chain(request)):
        hop = _address(text)
        if hop is None:  # "unknown" or an obfuscated name: nothing further left can be believed
            return str(here)
        here = hop
        if not _trusted(hop, proxies):
            return str(hop)
    return str(here)


_networks = functools.lru_cache(maxsize=8)(parse_networks)


async def request_client_ip(request: Request) -> str:
    return client_ip(request, _networks(request.app.state.runtime.settings.trusted_proxies))


ClientIP = Annotated[str, Depends(request_client_ip)]
"""The client's address, as :func:`client_ip` derives it with the server's ``TRUSTED_PROXIES``."""
