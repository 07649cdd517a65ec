"""Registries on both backends for the import tests.

A module that imports ``on_each_backend`` (an autouse fixture) runs every test on
SQLite and on PostGIS (see tests/conftest.py); ``fresh`` opens a registry on a fresh
store of the current backend, closed when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from geo.registry import Registry, open_registry

_store_url: Callable[[str], str]
_opened: list[Registry] = []


@pytest.fixture(autouse=True)
def on_each_backend(store_url: Callable[[str], str]) -> Iterator[None]:
    """Every test of the importing module runs on SQLite and on PostGIS."""
    global _store_url
    _store_url = store_url
    yield
    while _opened:  # before the store goes: a PostGIS database is dropped after the test
        _opened.pop().close()


def fresh(directory: Path, name: str = "r") -> Registry:
    """A registry on a fresh store of the current backend (same directory and name: same store)."""
    registry = open_registry(_store_url(f"{directory.name}_{name}"))
    _opened.append(registry)
    return registry
