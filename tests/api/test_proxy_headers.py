"""Only the configured proxies name the client: ``stationfinder serve`` as it really runs.

uvicorn believed ``X-Forwarded-For`` from 127.0.0.1 by default (its ``proxy_headers``),
so any local peer could name a new client address on every request and read (or guess
keys) without ever meeting its rate limit (issue 22, defect 5). ``api.server`` turns
that off for one process and for workers; ``STATIONFINDER_TRUSTED_PROXIES`` alone makes
the headers count (``api.clients.TrustedProxyHeaders``).

The servers allow one read a minute after a burst of two, so every request after the
second from one client is refused unless it has a bucket of its own. (A minute would
have to pass between two requests for a bucket to refill a token.)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import serve

BURST = 2
LIMITS = {
    "STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN": "1",
    "STATIONFINDER_RATE_LIMIT_SEARCH_BURST": str(BURST),
}
READ = "/v1/stations?limit=1"


def get(base: str, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(base + READ, headers=headers)
    try:
        # 60 s: a margin no load reaches; only a hang fails
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def statuses(base: str, forwarded: list[str]) -> list[int]:
    """The status of one read per X-Forwarded-For value, from 127.0.0.1."""
    return [get(base, {"X-Forwarded-For": f})[0] for f in forwarded]


def fresh_clients(n: int) -> list[str]:
    return [f"203.0.113.{i}" for i in range(1, n + 1)]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'proxy.db'}"


@pytest.fixture(params=[1, 2], ids=["one-process", "two-workers"])
def untrusted(request: pytest.FixtureRequest, db: str, tmp_path: Path) -> Iterator[str]:
    """A server with no trusted proxy, as one process and as two workers."""
    with serve(db, tmp_path / "s.log", "--workers", str(request.param), env=LIMITS) as base:
        yield base


def test_forwarded_for_from_loopback_does_not_pick_the_bucket(untrusted: str) -> None:
    """Twelve "clients" from one peer share its bucket: at most the burst of each worker
    (two at most) passes, so at least 12 - 2 * 2 are refused."""
    got = statuses(untrusted, fresh_clients(12))
    assert got.count(429) >= 12 - 2 * BURST, got
    assert set(got) <= {200, 429}


def test_forwarded_proto_from_an_untrusted_peer_is_ignored(untrusted: str) -> None:
    status, page = get(untrusted, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
    assert status == 200, page
    assert page["links"][0]["href"].startswith("http://127.0.0.1:")


def test_a_trusted_proxy_names_the_client(db: str, tmp_path: Path) -> None:
    env = LIMITS | {"STATIONFINDER_TRUSTED_PROXIES": "127.0.0.1"}
    with serve(db, tmp_path / "t.log", env=env) as base:
        # Each client has its own bucket...
        assert statuses(base, fresh_clients(8)) == [200] * 8
        # ...and one client, through the proxy, its burst and no more.
        got = statuses(base, ["198.51.100.7"] * 6)
        assert got[:BURST] == [200] * BURST
        assert got.count(429) >= 6 - BURST - 1, got  # one token back a minute, at most
        # The scheme the proxy saw is the one links use.
        status, page = get(base, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.9"})
        assert status == 200, page
        assert page["links"][0]["href"].startswith("https://127.0.0.1:")
