"""The HTTP server's settings: the domain's (``geo.settings``) and its own.

Body sizes, rate limits, trusted proxies, the request timeout, CORS and the coverage
caches and caps (docs/security.md, "Limits") concern the HTTP API only: they live here,
with the same ``STATIONFINDER_`` environment variables.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import SecretStr

from geo.settings import Settings

__all__ = ["ApiSettings", "get_api_settings"]


class ApiSettings(Settings):
    """The domain's settings and the HTTP server's.

    Attributes
    ----------
    max_body_bytes, max_upload_bytes : int
        Largest request body, bytes; ``max_upload_bytes`` is for ``POST /v1/imports``.
    rate_limit_search_per_min, rate_limit_search_burst : int
        Token bucket of reads per client IP and per API key (0 per minute: no limit).
    rate_limit_writes_per_min, rate_limit_writes_burst : int
        Token bucket of writes per client IP and per API key (0 per minute: no limit).
    rate_limit_reports_per_min, rate_limit_reports_burst : int
        Token bucket of couriers' reports per client IP (0 per minute: no limit): a
        courier reports a few times a shift; a script reporting every station is not one.
    trusted_proxies : str
        Comma-separated IPs or networks of reverse proxies whose ``X-Forwarded-For``
        names the client; empty: the peer address is the client.
    request_timeout_s : float
        Reads that have not started answering after this long get a 503 (0: none).
    cors_origins, cors_write_origins : str
        Comma-separated origins allowed to read (``*``: any) and to write (none).
    coverage_cache_results : int
        Coverage results (a city's is ~10 MB) each worker keeps for other outputs of the
        same question (0: none).
    coverage_cache_bytes : int
        Bytes of rendered coverage answers (maps, tables) each worker keeps (0: none).
    access_log : bool
        Log one line per request (``api.observe``); off if the proxy logs.
    log_format : {"auto", "text", "json"}
        The service's log lines: JSON objects, text, or text on a terminal and JSON
        otherwise.
    metrics : bool
        Serve Prometheus metrics at ``/metrics`` (``api.metrics``).
    metrics_token : SecretStr, optional
        A bearer token ``/metrics`` asks for (none: anyone who reaches it may scrape).
    coverage_max_concurrent, coverage_max_concurrent_per_client : int
        Coverage computations one worker runs at once, in all and for one client address;
        more are refused (503 ``server_busy``, 429 ``concurrency_limited``). 0: no cap.
    """

    # Operations (docs/deploy.md, "Metrics and logs").
    access_log: bool = True
    log_format: Literal["auto", "text", "json"] = "auto"
    metrics: bool = True
    metrics_token: SecretStr | None = None
    # Limits (docs/security.md, "Limits"): the API's answer to floods and huge inputs.
    max_body_bytes: int = 2_000_000
    max_upload_bytes: int = 100_000_000
    rate_limit_search_per_min: int = 600
    rate_limit_search_burst: int = 120
    rate_limit_writes_per_min: int = 120
    rate_limit_writes_burst: int = 60
    rate_limit_reports_per_min: int = 6
    rate_limit_reports_burst: int = 10
    trusted_proxies: str = ""
    request_timeout_s: float = 30.0
    cors_origins: str = "*"
    cors_write_origins: str = ""
    # Coverage (docs/security.md, "Limits"): seconds of CPU a question, cached and capped.
    coverage_cache_results: int = 8
    coverage_cache_bytes: int = 64_000_000
    coverage_max_concurrent: int = 2
    coverage_max_concurrent_per_client: int = 1


@lru_cache
def get_api_settings() -> ApiSettings:
    """The process's API settings (cached; ``get_api_settings.cache_clear()`` in tests)."""
    return ApiSettings()
