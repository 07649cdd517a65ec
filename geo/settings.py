"""Settings from the environment (prefix ``STATIONFINDER_``), read once on first use."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration.

    Attributes
    ----------
    database_url : str
        SQLAlchemy URL of the store, e.g. ``sqlite:///./stationfinder.db``.
    admin_token : SecretStr, optional
        Bearer token that authorises writes; without it every write is refused.
    demo : bool
        Load the demo registry into an empty store on ``serve``.
    demo_seed : int
        Seed of the demo generator (same seed, same registry).
    follow_interval_s : float
        How often a server applies other processes' writes to its index, seconds.
    """

    model_config = SettingsConfigDict(env_prefix="STATIONFINDER_", extra="ignore")

    database_url: str = "sqlite:///./stationfinder.db"
    admin_token: SecretStr | None = None
    demo: bool = True
    demo_seed: int = 20261122
    follow_interval_s: float = 0.25
    max_k: int = 100
    max_page_size: int = 1000


@lru_cache
def get_settings() -> Settings:
    """The process's settings (cached; call ``get_settings.cache_clear()`` in tests)."""
    return Settings()
