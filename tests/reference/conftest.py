"""The node tests need node and the npm package that scripts/test installs."""

from __future__ import annotations

import os

import pytest

from tests.reference.opening_hours_js import missing


@pytest.fixture(autouse=True)
def _reference_installed(request: pytest.FixtureRequest) -> None:
    """Skip a ``node`` test without the reference (fail in CI, where scripts/test installs it)."""
    if request.node.get_closest_marker("node") is None:
        return
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the opening_hours reference is missing in CI: {reason}")
    pytest.skip(reason)
