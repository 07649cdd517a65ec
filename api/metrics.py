"""Prometheus metrics at ``GET /metrics`` (text format 0.0.4).

- ``stationfinder_http_requests_total{route, method, status}``: requests by route
  template (``/v1/stations/{station_id}``, never a raw path: a label per id would grow
  without end), method and status class (``2xx`` ... ``5xx``);
- ``stationfinder_http_request_duration_seconds{route}``: their latency, a histogram;
- ``stationfinder_store_errors_total``: answers of 503 because the database was
  unavailable;
- ``stationfinder_searches_total{filter}``: nearest searches by each filter they used
  (``amenities``, ``radius``, ``open_at``, ``status``, ``exclude_reported``; ``none``);
- ``stationfinder_reports_total{kind}``: couriers' reports stored, by kind;
- ``stationfinder_imports_total{status}``, ``stationfinder_import_rows_total{outcome}``:
  import jobs ended, and their rows by outcome;
- ``stationfinder_index_build_seconds``: the last full index build of the worker;
- ``stationfinder_index_stations`` and ``stationfinder_follow_lag_changes``: stations
  in this worker's index, and how many of the store's changes it has not applied yet
  (read at each scrape).

With several workers (``serve --workers N``) each is a process of its own: the command
line gives them one ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess
mode), and a scrape of any worker sums the counters and histograms of all; the gauges
are those of the worker that answered, labelled with its ``pid``.
``STATIONFINDER_METRICS=false`` turns the endpoint off (404);
``STATIONFINDER_METRICS_TOKEN`` makes it ask for that bearer token.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from typing import Any, Final

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api.errors import error_response
from api.traffic import Traffic, traffic
from geo.imports.jobs import ImportJob

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS: Final = Counter(
    "stationfinder_http_requests_total",
    "HTTP requests answered, by route template, method and status class.",
    ["route", "method", "status"],
)
LATENCY: Final = Histogram(
    "stationfinder_http_request_duration_seconds",
    "Time from a request's start to the end of its answer, by route template.",
    ["route"],
    buckets=BUCKETS,
)
STORE_ERRORS: Final = Counter(
    "stationfinder_store_errors_total",
    "Requests answered 503 because the database was unavailable.",
)
SEARCHES: Final = Counter(
    "stationfinder_searches_total",
    "Nearest-station searches by each filter they used (none: no filter).",
    ["filter"],
)
REPORTS: Final = Counter(
    "stationfinder_reports_total", "Couriers' reports stored, by kind.", ["kind"]
)
IMPORTS: Final = Counter("stationfinder_imports_total", "Import jobs ended, by status.", ["status"])
IMPORT_ROWS: Final = Counter(
    "stationfinder_import_rows_total",
    "Rows of finished imports, by outcome (created, updated, unchanged, duplicates, rejected).",
    ["outcome"],
)
_OUTCOMES: Final = ("created", "updated", "unchanged", "duplicates", "rejected")


def count_import(job: ImportJob) -> None:
    """Count an import job that ended (``JobRunner``'s ``on_finished``)."""
    IMPORTS.labels(status=str(job.status)).inc()
    for outcome in _OUTCOMES:
        rows = (job.report or {}).get(outcome, 0)
        if isinstance(rows, int) and rows > 0:
            IMPORT_ROWS.labels(outcome=outcome).inc(rows)


_FILTERS: Final = ("amenities", "radius", "open_at", "status", "exclude_reported")


def count_search(used: dict[str, bool]) -> None:
    """Count one search under each filter in ``used`` that it used (of :data:`_FILTERS`)."""
    kinds = [name for name in _FILTERS if used.get(name)]
    for kind in kinds or ["none"]:
        SEARCHES.labels(filter=kind).inc()


def observe(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(route=route, method=method, status=f"{status // 100}xx").inc()
    LATENCY.labels(route=route).observe(seconds)
    if status == 503:
        STORE_ERRORS.inc()


class IndexCollector(Collector):
    """This worker's index, read when scraped."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The index size and the follower's lag behind the store."""
        pid = str(os.getpid())
        size = GaugeMetricFamily(
            "stationfinder_index_stations",
            "Stations in this worker's spatial index.",
            labels=["pid"],
        )
        size.add_metric([pid], len(self.registry))
        yield size
        built = GaugeMetricFamily(
            "stationfinder_index_build_seconds",
            "How long this worker's last full index build from the store took.",
            labels=["pid"],
        )
        built.add_metric([pid], self.registry.built_in_s)
        yield built
        lag = GaugeMetricFamily("stationfinder_follow_lag_changes",
                                "Changes committed to the store that this worker's index has "
                                "not applied yet.", labels=["pid"])  # fmt: skip
        try:
            behind = max(0, self.registry.store.last_change() - self.registry.seen)
        except Exception:
            return
        lag.add_metric([pid], behind)
        yield lag


def scrape(app_registry: Any) -> bytes:
    """The metrics text: every worker's when several share a multiprocess directory."""
    collected = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
    else:
        for metric in (REQUESTS, LATENCY, STORE_ERRORS, SEARCHES, REPORTS, IMPORTS, IMPORT_ROWS):
            collected.register(metric)
    collected.register(IndexCollector(app_registry))
    return generate_latest(collected)


router = APIRouter(include_in_schema=False)


@router.get("/metrics", openapi_extra=traffic(Traffic.READ))
def metrics(request: Request) -> Response:
    """The Prometheus metrics of this service."""
    settings = request.app.state.settings
    if not settings.metrics:
        return error_response(404, "not_found", "not found", "未找到")
    token = settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return error_response(
                401, "unauthorized", "the metrics need their bearer token",
                "查看监控指标需要其访问令牌", headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
    return Response(scrape(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)
