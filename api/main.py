"""The FastAPI application: wiring only."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import FastAPI

from api import metrics
from api.content_tags import ContentTags
from api.docs import add_docs
from api.errors import register_error_handlers
from api.limits import add_limits
from api.observe import RequestObserver, configure_logging
from api.routes import (
    audit,
    health,
    imports,
    maps,
    ogc,
    ogc_tiles,
    page,
    plans,
    report_stats,
    reports,
    route,
    stations,
    transfer,
)  # fmt: skip
from api.settings import ApiSettings, get_api_settings
from api.versions import RegistryVersions
from geo.hours.calendar import working_calendar
from geo.imports.job_runner import JobLimits, JobRunner
from geo.registry import open_registry
from geo.startup import prepare_registry
from geo.tiles import StationTiles

# In the order they are tried.
ROUTERS: Final = (
    health.router,
    transfer.router,  # before stations: /v1/stations/export is not an id
    imports.router,
    route.router,  # before stations: /v1/stations/along-route is not an id
    stations.router,
    report_stats.router,  # before reports: /v1/reports/by-district is not a listing
    reports.router,
    maps.router,
    plans.router,
    page.router,
    ogc.router,
    ogc_tiles.router,
    audit.router,
    metrics.router,
)


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """Build the app; the registry is opened (and the demo loaded if due) at start-up."""
    settings = settings or get_api_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        working_calendar()  # a calendar file in data/calendar that cannot be read stops here
        registry = open_registry(settings.database_url)
        prepare_registry(registry, demo=settings.demo, seed=settings.demo_seed)
        app.state.registry = registry
        app.state.settings = settings
        app.state.tiles = StationTiles(registry)  # vector tiles, kept per version
        # Imports run as jobs in processes of their own (api/routes/imports.py).
        app.state.jobs = jobs = JobRunner(
            registry, JobLimits.from_settings(settings), on_finished=metrics.count_import
        )
        # Other workers and processes write to the same store: follow their changes.
        # PostgreSQL tells of each commit (LISTEN/NOTIFY): the follower syncs at once, and
        # polls every follow_interval_s besides; SQLite's followers poll.
        stop = threading.Event()
        pushed = registry.store.shared and settings.follow_notify
        follower = threading.Thread(
            target=registry.follow,
            args=(stop,),
            kwargs={"interval_s": settings.follow_interval_s, "pushed": pushed},
            name="registry-follow",
            daemon=True,
        )
        listener = threading.Thread(
            target=registry.store.listen, args=(registry.wake, stop), name="registry-listen",
            daemon=True,
        )  # fmt: skip
        if registry.store.shared:
            follower.start()
            if pushed:
                listener.start()
        yield
        jobs.close()
        stop.set()
        registry.wake()
        for thread in (follower, listener):
            if thread.is_alive():
                thread.join()
        registry.close()

    app = FastAPI(
        title="stationfinder 驿站查找",
        summary="Nearest rest stations for outdoor and platform workers in China.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by add_docs from vendored files, not a CDN
        redoc_url=None,
    )
    add_docs(app)
    register_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(ContentTags)  # innermost: the router has named the route
    # Inside the limits (each add_middleware wraps what was added before): a request they
    # refuse makes no catch-up query, and the request's kind of traffic is known.
    app.add_middleware(RegistryVersions)
    add_limits(app, settings, [r for router in ROUTERS for r in router.routes])
    configure_logging(settings.log_format)
    app.add_middleware(RequestObserver, access_log=settings.access_log)  # outermost
    return app
