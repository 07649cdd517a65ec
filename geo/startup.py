"""A registry's first start: the demo registry, loaded once into an empty store."""

from __future__ import annotations

from geo.model import utc_now
from geo.registry import Registry

__all__ = ["load_demo", "prepare_registry"]


def load_demo(registry: Registry, *, seed: int, cities: tuple[str, ...] | None = None) -> int:
    """Add the seeded demo registry (:data:`geo.demo.DEMO_PLACES`); returns how many
    stations."""
    from geo.demo import DEMO_PLACES, generate_demo  # geopandas is only needed here

    created = registry.create_many(items=generate_demo(seed=seed, cities=cities or DEMO_PLACES))
    registry.store.set_meta("demo_seed", str(seed))
    return len(created)


def prepare_registry(registry: Registry, *, demo: bool, seed: int) -> int:
    """On the very first start of an empty store, load the demo registry if wanted.

    Returns the number of demo stations loaded (0 if none). A store that was
    initialised once is never refilled, even if an administrator empties it.
    """
    if registry.store.get_meta("initialised") is not None:
        return 0
    loaded = load_demo(registry, seed=seed) if demo and len(registry) == 0 else 0
    registry.store.set_meta("initialised", utc_now().isoformat())
    return loaded
