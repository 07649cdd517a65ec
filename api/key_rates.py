"""Each API key's own search rate (``stationfinder keys create --rate 6000/min``), as
the rate limiter asks for it: read from the store once, kept :data:`KEEP_S` seconds.

A platform's backend proxies thousands of riders from a few addresses: charged to its
address it would share one client's budget. A key with a rate of its own is charged to
that rate alone, not to its address; a key without one, an unknown or revoked key, or
no key at all, is charged as before (``api.rate_limit``). A key revoked or re-rated
takes at most :data:`KEEP_S` seconds to be charged anew (the route itself refuses a
revoked key's writes at once).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from starlette.types import Scope

from api.edge import header
from geo.clock import monotonic
from geo.errors import StationError
from geo.keys import KEY_PREFIX, hash_key

KEEP_S: Final = 30.0
MAX_KEPT: Final = 10_000
_UNKNOWN: Final = -1


def key_hash(scope: Scope) -> str | None:
    """The SHA-256 of the request's bearer key, if it carries one of ours (``sf_``)."""
    auth = (header(scope, b"authorization") or "").strip()
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(KEY_PREFIX):
        return None
    return hash_key(token)


class KeyRates:
    """Rates by key hash, read from the store by a ``lookup``, kept a while."""

    def __init__(self, *, clock: Callable[[], float] = monotonic) -> None:
        self.clock = clock
        self._kept: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, hashed: str) -> int | bool | None:
        """The kept rate (None: none of its own), or False if not kept (or stale)."""
        with self._lock:
            kept = self._kept.get(hashed)
        if kept is None or self.clock() - kept[1] > KEEP_S:
            return False
        return None if kept[0] == _UNKNOWN else kept[0]

    def fetch(self, hashed: str, lookup: Callable[[str], int | None]) -> int | None:
        """Read the rate with ``lookup`` and keep it (blocking: run in a thread)."""
        try:
            rate = lookup(hashed)
        except StationError:  # the database is away: charge as any client, for now
            return None
        with self._lock:
            self._kept[hashed] = (_UNKNOWN if rate is None else rate, self.clock())
            self._kept.move_to_end(hashed)
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
        return rate
