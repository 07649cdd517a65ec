"""The API's routers, one module per area (stations, routes, imports, maps, OGC API...)."""
