"""The product's app plus one bench-only route, for ``bench/bench_http.py``.

Served as ``python -m bench.http_app --workers N`` (``api.server.serve``, what
``stationfinder serve`` runs, so the workers get the same sockets): the app is
``api.main.create_app()`` itself (same middleware, same settings from the environment,
same lifespan loading the registry), with ``GET /bench/bare`` added last, a route that
answers a fixed small JSON and does nothing else. Throughput of ``/bench/bare`` is the
ceiling any route of this server can reach; nearest is measured against it.

The route lives here, not in ``api/``, so the product never serves it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from fastapi import FastAPI

from api.main import create_app as create_product_app

try:
    from api.server import serve
except ImportError:  # measuring a commit that predates it (docs/performance.md, HTTP)
    serve = None  # type: ignore[assignment]

BARE_PATH = "/bench/bare"
BARE_BODY = {"status": "ok", "bench": "bare"}


def create_app() -> FastAPI:
    """The product app with ``GET /bench/bare`` appended (after every product route)."""
    app = create_product_app()

    # FastAPI's hello world: no parameters, no dependencies, no response model.
    @app.get(BARE_PATH, include_in_schema=False, response_model=None)
    async def bare() -> dict[str, str]:
        return BARE_BODY

    return app


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve the product app plus GET /bench/bare.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-access-log", action="store_true")
    args = ap.parse_args(argv)
    if serve is None:  # a commit before api.server: uvicorn as serve ran it then
        import uvicorn

        uvicorn.run(
            "bench.http_app:create_app", factory=True, host=args.host, port=args.port,
            workers=args.workers, access_log=not args.no_access_log,
        )  # fmt: skip
        return
    # The app logs its requests itself (api.observe) unless told not to.
    os.environ["STATIONFINDER_ACCESS_LOG"] = "0" if args.no_access_log else "1"
    serve(
        "bench.http_app:create_app", factory=True, host=args.host, port=args.port,
        workers=args.workers,
    )  # fmt: skip


if __name__ == "__main__":
    main()
