"""Database outages (issue 6, faults) and the connection pool of both stores.

A lost, refused or locked connection raises StoreUnavailable (HTTP 503, Retry-After),
never a raw driver error, wherever the store's engine is used: so the API answers 503
and the change-log follower (which catches StationError) keeps running. SQLAlchemy has
already invalidated the pool when the hook runs, so the next query reconnects by
itself once the database is back (no pre-ping). Which driver errors are outages is the
backend's to say (``SqlDialect.is_outage``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import PoolProxiedConnection
from typing_extensions import override

from geo.errors import StoreUnavailable
from geo.storage.dialect import SqlDialect

_log = logging.getLogger(__name__)


def outage_hook(dialect: SqlDialect) -> Callable[[sa.engine.ExceptionContext], None]:
    """The engine's ``handle_error`` hook: re-raise outages as ``StoreUnavailable``."""

    def outage(ctx: sa.engine.ExceptionContext) -> None:
        text = str(ctx.original_exception).strip()
        operational = isinstance(ctx.sqlalchemy_exception, OperationalError)
        if dialect.is_outage(ctx, text, operational):
            raise store_unavailable(text)

    return outage


def store_unavailable(driver_text: str) -> StoreUnavailable:
    """The error for a database outage; the driver's text is logged, not shown."""
    _log.warning("database unavailable: %s", driver_text.splitlines()[0] if driver_text else "?")
    # The driver's text (host, port, path) goes to the log only, not to clients.
    return StoreUnavailable(
        "the database is unavailable (connection lost or refused, or busy); "
        "try again in a few seconds",
        "数据库暂时不可用（连接中断、被拒绝或繁忙），请稍后重试",
    )


class OutagePool(sa.pool.QueuePool):
    """The connection pool of both stores. A checkout that times out (every connection
    is busy: say, each held by a request waiting on a frozen database) is an outage like
    a refused connection: ``StoreUnavailable`` (503), not SQLAlchemy's TimeoutError (a
    500 in the API, and the end of a change-log follower that only expects our errors).
    """

    @override
    def connect(self) -> PoolProxiedConnection:
        try:
            return super().connect()
        except sa.exc.TimeoutError as exc:
            raise store_unavailable(str(exc)) from exc


@dataclass(frozen=True)
class PoolOptions:
    """Connections a store keeps (``size``), may open beyond them (``overflow``), and how
    long a request waits for one when all are busy before it gets a 503 (``timeout_s``).
    A worker keeps every connection it opens, up to 15 (SQLAlchemy's default of 5 kept
    and 10 more opened and closed again meant, under a steady 16 requests at once, a
    PostgreSQL backend forked per request or so: a third of the machine in system time,
    docs/performance.md "Couriers' reports")."""

    size: int = 15
    overflow: int = 0
    timeout_s: float = 30.0

    def engine_kwargs(self) -> dict[str, Any]:
        """The pool options as ``create_engine`` takes them."""
        return {
            "poolclass": OutagePool,
            "pool_size": self.size,
            "max_overflow": self.overflow,
            "pool_timeout": self.timeout_s,
        }
