"""Rate limits: token buckets per client address and per API key, by budget.

Held in memory **by each worker process**: with ``serve --workers N`` (or N servers) a
client can make up to N times the configured rate in total, depending on how the
connections are spread. They bound one client's share of one process; a hard global
quota belongs in the reverse proxy (``docs/security.md``).
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Final

from starlette.types import ASGIApp, Receive, Scope, Send

from api.clients import ClientAddress, api_key_id
from api.key_rates import KeyRates, key_hash
from api.traffic import Traffic, refuse, traffic_of
from geo.clock import monotonic

if TYPE_CHECKING:
    from geo.registry import Registry

__all__ = ["Budget", "RateLimit", "TokenBuckets"]

MAX_BUCKETS: Final = 100_000  # per budget; the least recently used bucket goes first
_BUDGETS: Final = {
    Traffic.SEARCH: "search", Traffic.WRITE: "writes", Traffic.UPLOAD: "writes",
    Traffic.REPORT: "reports",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Budget:
    """A token bucket's shape: ``per_min`` tokens a minute, at most ``burst`` saved."""

    name: str
    per_min: int
    burst: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "burst", max(1, self.burst))  # one request always fits

    @property
    def rate_per_s(self) -> float:
        """Tokens added per second."""
        return self.per_min / 60.0


class TokenBuckets:
    """Token buckets by key for one budget, in memory, least recently used dropped first.

    A dropped bucket comes back full: only keys idle longest are dropped, and an idle
    bucket refills anyway.
    """

    def __init__(
        self,
        budget: Budget,
        *,
        clock: Callable[[], float] = monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        self.budget = budget
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when

    def wait_s(self, key: str) -> float:
        """Seconds until ``key`` has a token (0 if it has one now); takes nothing."""
        tokens = self._tokens(key)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.budget.rate_per_s

    def take(self, key: str) -> None:
        """Take a token of ``key``'s bucket (the caller has checked there is one)."""
        self._buckets[key] = (self._tokens(key) - 1.0, self.clock())
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_buckets:
            self._buckets.popitem(last=False)

    def _tokens(self, key: str) -> float:
        saved = self._buckets.get(key)
        if saved is None:
            return float(self.budget.burst)
        tokens, when = saved
        refilled = tokens + (self.clock() - when) * self.budget.rate_per_s
        return min(float(self.budget.burst), refilled)


class RateLimit:
    """429 with ``Retry-After`` once a client's IP or its API key has spent its budget.

    Searches spend the search budget, writes the write budget, couriers' reports the
    report budget (each route declares which it is: :mod:`api.traffic`). A request is
    charged to its client IP and, when it carries an ``Authorization`` header, to that
    key too; it passes only if both have a token (so
    neither random keys from one IP nor one key from many IPs escape the limit).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        search: Budget,
        writes: Budget,
        client_address: ClientAddress,
        reports: Budget | None = None,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.app = app
        self.client_address = client_address
        self.clock = clock
        budgets = (search, writes) if reports is None else (search, writes, reports)
        self.buckets = {b.name: TokenBuckets(b, clock=clock) for b in budgets if b.per_min > 0}
        self.rates = KeyRates(clock=clock)
        self.own: dict[int, TokenBuckets] = {}  # searches of keys with a rate, by rate

    async def _own_buckets(self, scope: Scope) -> tuple[TokenBuckets, str] | None:
        """The buckets of a search by a key with a rate of its own, and its bucket key."""
        hashed = key_hash(scope)
        if hashed is None:
            return None
        rate = self.rates.cached(hashed)
        if rate is False:
            registry = getattr(scope["app"].state, "registry", None)
            rate = await asyncio.to_thread(self.rates.fetch, hashed, partial(_rate_of, registry))
        if not rate:
            return None
        buckets = self.own.get(rate)
        if buckets is None:  # a burst of a tenth of a minute's searches
            buckets = self.own[rate] = TokenBuckets(
                Budget("search", rate, max(1, rate // 10)), clock=self.clock
            )
        return buckets, f"key:{hashed[:32]}"

    @staticmethod
    def _budget(scope: Scope) -> str | None:
        if scope["method"] == "OPTIONS":
            return None  # a preflight: the request it asks about pays
        return _BUDGETS.get(traffic_of(scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Spend a token of the request's budget, or answer 429 with Retry-After (ASGI)."""
        budget = self._budget(scope) if scope["type"] == "http" else None
        buckets = self.buckets.get(budget) if budget else None
        if buckets is None:
            await self.app(scope, receive, send)
            return
        keys = [f"ip:{self.client_address(scope)}"]
        if (key := api_key_id(scope)) is not None:
            keys.append(f"key:{key}")
        own = await self._own_buckets(scope) if budget == "search" else None
        if own is not None:  # a platform key: charged to its own rate, not its address
            buckets, keys = own[0], [own[1]]
        wait_s = max(buckets.wait_s(k) for k in keys)
        if wait_s > 0:
            retry = max(1, math.ceil(wait_s))
            b = buckets.budget
            await refuse(
                scope, receive, send, status=429, code="rate_limited",
                message=f"too many {b.name} requests: at most {b.per_min} a minute "
                f"(bursts of {b.burst}) per client and per key; retry in {retry} s",
                message_zh=f"请求过于频繁：每个客户端和每个密钥每分钟最多 {b.per_min} 次"
                f"（突发 {b.burst} 次）；请 {retry} 秒后重试",
                headers={"Retry-After": str(retry)},
            )  # fmt: skip
            return
        for k in keys:
            buckets.take(k)
        await self.app(scope, receive, send)


def _rate_of(registry: Registry | None, hashed: str) -> int | None:
    """The rate of the unrevoked key with this hash in the app's registry, if any."""
    key = registry.store.key_by_hash(hashed) if registry is not None else None
    return key.rate_per_min if key is not None and key.revoked_at is None else None
