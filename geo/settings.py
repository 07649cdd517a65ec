"""Settings from the environment (prefix ``STATIONFINDER_``), read once on first use.

These are the domain's: the store, keys, the demo, search and import limits. The HTTP
server's own (body sizes, rate limits, proxies, CORS, coverage caches) extend them in
``api.settings``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
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
    follow_notify : bool
        On PostgreSQL, also apply them as soon as the database tells of a commit
        (LISTEN/NOTIFY), so a write is in every server's answers within milliseconds.
    max_k, max_page_size : int
        Most stations one search (``k``, along-route ``limit``) or one page may return.
    max_import_rows : int
        Most data rows one imported file may have; a longer file is refused whole.
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
    tianditu_key : SecretStr, optional
        A Tianditu (天地图) browser key ("tk", from console.tianditu.gov.cn): Tianditu's
        street map becomes a basemap of coverage maps and the courier page. Its tiles
        are CGCS2000, so the data is drawn unshifted (unlike Amap's GCJ-02). A browser
        key is sent to every browser that shows the map: bind it to your domains.
    """

    model_config = SettingsConfigDict(env_prefix="STATIONFINDER_", extra="ignore")

    database_url: str = "sqlite:///./stationfinder.db"
    admin_token: SecretStr | None = None
    backup_secret: SecretStr | None = None
    demo: bool = True
    demo_seed: int = 20261122
    follow_interval_s: float = 0.25
    follow_notify: bool = True
    max_k: int = 100
    max_page_size: int = 1000
    max_import_rows: int = 1_000_000  # geo.imports.readers.guard.MAX_ROWS
    # Import jobs (docs/security.md, "Costly imports"): each API import runs in a child
    # process of its own, at a lower CPU priority, under these limits.
    import_max_memory_mb: int = Field(default=1024, ge=0)
    import_max_cpu_s: int = Field(default=600, ge=0)
    import_nice: int = Field(default=10, ge=0, le=19)
    max_import_jobs: int = Field(default=2, ge=1)
    import_wait_s: float = Field(default=5.0, ge=0)
    import_job_timeout_s: float = Field(default=60.0, gt=0)
    tianditu_key: SecretStr | None = None

    @field_validator("tianditu_key")
    @classmethod
    def _key_is_a_key(cls, value: SecretStr | None) -> SecretStr | None:
        # It is written into map pages and URLs: letters and digits only, as Tianditu
        # issues them (32 hexadecimal digits), never markup or a second query parameter.
        if value is not None and not re.fullmatch(r"[0-9A-Za-z]{16,64}", value.get_secret_value()):
            raise ValueError("a Tianditu key is 16 to 64 letters and digits")
        return value


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
