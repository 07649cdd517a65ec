"""Schemathesis against the live OpenAPI schema: every operation, >= 1,000 requests,
no 5xx and no response that breaks the schema it documents.

The app runs in-process (``schemathesis.openapi.from_asgi``) on a small SQLite registry,
writes carry the admin token, rate limits are off (they are tested in test_limits.py).
Each operation gets schema-valid (positive) and schema-breaking (negative) requests
from hypothesis with ``derandomize=True``: the same requests on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.main import create_app
from geo.geojson import feature_to_fields
from geo.model import build_station_data
from geo.settings import Settings
from tests.conftest import AUTH, TOKEN, feature

# Examples per operation and mode: over 1,000 requests over the ~20 operations.
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 25}
# Operations that build maps or files are slower per request: fewer examples.
SLOW = {"/v1/maps/coverage": 10, "/v1/coverage/stats": 10, "/v1/stations/export": 20}
MIN_REQUESTS = 1000
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = tmp_path_factory.mktemp("schemathesis") / "st.db"
    application = create_app(
        Settings(
            database_url=f"sqlite:///{db}",
            demo=False,
            admin_token=TOKEN,
            rate_limit_search_per_min=0,
            rate_limit_writes_per_min=0,
        )
    )
    yield application
    asgi.shutdown_lifespans()


def seed(app: FastAPI) -> None:
    """A few stations around Beijing so searches and pages have something to answer."""
    registry = app.state.registry
    for i in range(8):
        body = feature(116.39 + i * 0.01, 39.90 + i * 0.005, name=f"驿站{i}", external_id=f"S{i}")
        body["properties"] |= {"amenities": ["drinking_water", "toilet"], "opening_hours": "24小时"}
        registry.create(data=build_station_data(feature_to_fields(body)))


@pytest.mark.slow
def test_every_operation_without_5xx_or_schema_violations(app: FastAPI, tmp_path: Path) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seed(app)
    calls: Counter[str] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for mode, examples in EXAMPLES.items():
            count = min(examples, SLOW.get(operation.path, examples))

            @settings(
                max_examples=count,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                label = f"{case.operation.method.upper()} {case.operation.path}"
                calls[label] += 1
                try:
                    case.call_and_validate(headers=AUTH, checks=CHECKS)
                except Exception as exc:  # collect all, report once
                    failures.append(f"{label} [{case.method} {case.formatted_path}]: {exc}"[:600])

            try:
                run()
            except Unsatisfiable:  # nothing to break: an operation without parameters
                assert mode is GenerationMode.NEGATIVE, label
    total = sum(calls.values())
    assert not failures, f"{len(failures)} failures in {total} requests:\n" + "\n".join(
        sorted(set(failures))[:30]
    )
    assert total >= MIN_REQUESTS, calls
    assert set(calls) == {f"{o.method.upper()} {o.path}" for o in operations}
    print(f"schemathesis: {total} requests over {len(calls)} operations: {dict(calls)}")
