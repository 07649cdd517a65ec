"""The node tests need node and the npm package that scripts/test installs."""

from __future__ import annotations

import os

import pytest

from tests.reference.opening_hours_js import missing


def require_reference() -> None:
    """Skip without the reference (fail in CI, where scripts/test installs it)."""
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the opening_hours reference is missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _reference_installed(request: pytest.FixtureRequest) -> None:
    """Skip a ``node`` test without the reference. (A module-scoped fixture that runs
    node is set up before this one: it calls :func:`require_reference` itself.)"""
    if request.node.get_closest_marker("node") is not None:
        require_reference()
