"""The HTTP API (FastAPI) on the domain in ``geo``: wiring, routes, limits and answers."""
