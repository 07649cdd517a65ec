"""Settings from the environment (prefix ``STATIONFINDER_``), read once on first use."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration.

    Attributes
    ----------
    database_url : str
        SQLAlchemy URL of the store, e.g. ``sqlite:///./stationfinder.db``.
    admin_token : SecretStr, optional
        Bearer token that authorises writes; without it every write is refused.
    backup_secret : SecretStr, optional
        Signs backups with HMAC-SHA256 and checks them on restore (at least 32
        characters; the same on every server that restores another's backups). Without
        it backups are unsigned, and restoring one needs ``--allow-unsigned`` and never
        brings back its API keys (docs/security.md, "Faults and backups").
    demo : bool
        Load the demo registry into an empty store on ``serve``.
    demo_seed : int
        Seed of the demo generator (same seed, same registry).
    follow_interval_s : float
        How often a server applies other processes' writes to its index, seconds.
    max_k, max_page_size : int
        Most stations one search (``k``, along-route ``limit``) or one page may return.
    max_body_bytes, max_upload_bytes : int
        Largest request body, bytes; ``max_upload_bytes`` is for ``POST /v1/imports``.
    max_import_rows : int
        Most data rows one imported file may have; a longer file is refused whole.
    rate_limit_search_per_min, rate_limit_search_burst : int
        Token bucket of reads per client IP and per API key (0 per minute: no limit).
    rate_limit_writes_per_min, rate_limit_writes_burst : int
        Token bucket of writes per client IP and per API key (0 per minute: no limit).
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
    coverage_max_concurrent, coverage_max_concurrent_per_client : int
        Coverage computations one worker runs at once, in all and for one client address;
        more are refused (503 ``server_busy``, 429 ``concurrency_limited``). 0: no cap.
    import_max_memory_mb : int
        Memory one API import may take on top of its process's start (interpreter,
        libraries, the registry's index), megabytes; past it the import fails (0: no limit).
    import_max_cpu_s : int
        CPU seconds one API import may use; past them the OS stops it (0: no limit).
    import_nice : int
        How much lower than the server's an import process's CPU priority is (0-19).
    max_import_jobs : int
        Imports that may run at once on one host (all of its workers together).
    import_wait_s : float
        How long ``POST /v1/imports`` waits for its job before answering 202 Accepted.
    import_job_timeout_s : float
        A running job on another host that gave no sign of life for this long is
        reported as failed.
    """

    model_config = SettingsConfigDict(env_prefix="STATIONFINDER_", extra="ignore")

    database_url: str = "sqlite:///./stationfinder.db"
    admin_token: SecretStr | None = None
    backup_secret: SecretStr | None = None
    demo: bool = True
    demo_seed: int = 20261122
    follow_interval_s: float = 0.25
    max_k: int = 100
    max_page_size: int = 1000
    # Limits (docs/security.md, "Limits"): the API's answer to floods and huge inputs.
    max_body_bytes: int = 2_000_000
    max_upload_bytes: int = 100_000_000
    max_import_rows: int = 1_000_000  # geo.imports.readers.guard.MAX_ROWS
    rate_limit_search_per_min: int = 600
    rate_limit_search_burst: int = 120
    rate_limit_writes_per_min: int = 120
    rate_limit_writes_burst: int = 60
    trusted_proxies: str = ""
    request_timeout_s: float = 30.0
    cors_origins: str = "*"
    cors_write_origins: str = ""
    # Coverage (docs/security.md, "Limits"): seconds of CPU a question, cached and capped.
    coverage_cache_results: int = 8
    coverage_cache_bytes: int = 64_000_000
    coverage_max_concurrent: int = 2
    coverage_max_concurrent_per_client: int = 1
    # Import jobs (docs/security.md, "Costly imports"): each API import runs in a child
    # process of its own, at a lower CPU priority, under these limits.
    import_max_memory_mb: int = Field(default=1024, ge=0)
    import_max_cpu_s: int = Field(default=600, ge=0)
    import_nice: int = Field(default=10, ge=0, le=19)
    max_import_jobs: int = Field(default=2, ge=1)
    import_wait_s: float = Field(default=5.0, ge=0)
    import_job_timeout_s: float = Field(default=60.0, gt=0)


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
