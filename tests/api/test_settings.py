"""The HTTP server's settings live in ``api``, the domain's in ``geo`` (issue 15)."""

from __future__ import annotations

import pytest

from api.settings import ApiSettings
from geo.settings import Settings

HTTP = {
    "max_body_bytes", "max_upload_bytes", "rate_limit_search_per_min", "rate_limit_search_burst",
    "rate_limit_writes_per_min", "rate_limit_writes_burst", "rate_limit_reports_per_min",
    "rate_limit_reports_burst", "trusted_proxies",
    "request_timeout_s", "cors_origins", "cors_write_origins", "coverage_cache_results",
    "coverage_cache_bytes", "coverage_max_concurrent", "coverage_max_concurrent_per_client",
    "access_log", "log_format", "metrics", "metrics_token",
}  # fmt: skip


def test_http_settings_are_the_apis_alone() -> None:
    assert not HTTP & set(Settings.model_fields)
    assert set(ApiSettings.model_fields) == set(Settings.model_fields) | HTTP


def test_api_settings_read_the_same_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIONFINDER_RATE_LIMIT_SEARCH_PER_MIN", "7")
    monkeypatch.setenv("STATIONFINDER_DATABASE_URL", "sqlite:///elsewhere.db")
    settings = ApiSettings()
    assert settings.rate_limit_search_per_min == 7
    assert settings.database_url == "sqlite:///elsewhere.db"
    assert Settings().database_url == "sqlite:///elsewhere.db"
