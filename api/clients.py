"""Who a request comes from: its client address (trusted proxies respected) and its key.

:class:`TrustedProxyHeaders` believes ``X-Forwarded-For`` and ``X-Forwarded-Proto`` from
the proxies in ``trusted_proxies`` only; :class:`ClientAddress` is what the rate limits
and the coverage caps count by; :func:`api_key_id` names a key without its secret.
"""

from __future__ import annotations

import hashlib
import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from api.edge import header

__all__ = ["ClientAddress", "TrustedProxyHeaders", "api_key_id"]


class ClientAddress:
    """The client's IP: the peer, or ``X-Forwarded-For`` when the peer is a trusted proxy."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def is_trusted(self, address: str) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, scope: Scope) -> str:
        """The client's address: the peer, or what trusted proxies say it is."""
        client = scope.get("client")
        peer = str(client[0]) if client else "unknown"
        if not self.trusted or not self.is_trusted(peer):
            return peer
        forwarded = header(scope, b"x-forwarded-for") or ""
        # The rightmost address not added by one of our proxies is the client; anything
        # to its left was written by the client itself and proves nothing.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.is_trusted(hop):
                return hop
        return hops[0] if hops else peer


class TrustedProxyHeaders:
    """What a trusted proxy says about the request, and nothing anyone else says.

    When the peer is one of ``TRUSTED_PROXIES``, the client becomes the address
    :class:`ClientAddress` finds in ``X-Forwarded-For`` and the scheme the one in
    ``X-Forwarded-Proto`` (so links in answers say ``https`` behind a TLS proxy, and the
    access log names the client); from any other peer both headers are ignored. This
    replaces uvicorn's own ``proxy_headers``, which believed any local peer and is off
    (``api.server``).
    """

    def __init__(self, app: ASGIApp, *, client_address: ClientAddress) -> None:
        self.app = app
        self.client_address = client_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the client and scheme a trusted proxy names; ignore the headers otherwise (ASGI)."""
        client = scope.get("client")
        if (
            scope["type"] == "http"
            and client
            and self.client_address.trusted
            and self.client_address.is_trusted(str(client[0]))
        ):
            scope["client"] = (self.client_address(scope), 0)
            proto = (header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


def api_key_id(scope: Scope) -> str | None:
    """A hash of the request's Authorization header (never the secret itself)."""
    authorization = header(scope, b"authorization")
    if not authorization or not authorization.strip():
        return None
    return hashlib.sha256(authorization.strip().encode("utf-8", "replace")).hexdigest()[:32]
