"""Schemathesis against the live OpenAPI schema: every operation, >= 1,000 requests,
no 5xx and no response that breaks the schema it documents.

The app runs in-process (``schemathesis.openapi.from_asgi``) on a small SQLite registry,
writes carry the admin token, rate limits are off (they are tested in test_limits.py).
Each operation gets schema-valid (positive) and schema-breaking (negative) requests
from hypothesis with ``derandomize=True``: the same requests on every run. A second test
sends schema-valid requests with one value replaced by what schemathesis never generates
(lone surrogates, integers past 64 bits, NUL, zero-width-only and bidi text), ~300 more.
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
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import RAW_QUERY_STRING_KEY, EncodedPath, RawQueryString
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.main import create_app
from api.settings import ApiSettings
from geo.geojson import feature_to_fields
from geo.model import build_station_data
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
        ApiSettings(
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
    """A few stations around Beijing so searches and pages have something to answer
    (once: both tests share the app)."""
    registry = app.state.registry
    if len(registry):
        return
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


# -- what schemathesis does not generate by itself ---------------------------------------
# Its strings are valid Unicode and its integers follow the schema: it never sends a lone
# surrogate, an integer past 64 bits where the schema says "integer", NUL in a filter or
# text that shows nothing. Each hostile case is a schema-valid case with one value
# (a query or path parameter, or one member of the JSON body) replaced by one of these.

SURROGATES = ["\ud800", "驿站\udfff", "\udc00\ud800"]
HUGE = [2**63, 2**64, -(2**63) - 1, 10**30]
TEXTS = ["\x00", "a\x00b", "\u200b\u200c\ufeff", "驿站\u202egnp.exe", "\u2066驿站\u2069"]
HOSTILE_EXAMPLES = 15
HOSTILE_SLOW = 4
MIN_HOSTILE = 250


def percent_encoded(text: str) -> str:
    """A lone surrogate as a client would send it in a URL: its UTF-8-style bytes."""
    return "".join(f"%{b:02X}" for b in text.encode("utf-8", "surrogatepass"))


def hostile_values(where: str) -> st.SearchStrategy[Any]:
    """Values for a slot. In URLs a surrogate goes as percent-encoded bytes (%ED%A0%80),
    in a JSON body as the escape \\ud800; a form field cannot carry one (the client
    cannot encode it)."""
    texts = st.sampled_from(TEXTS)
    huge = st.sampled_from(HUGE)
    surrogates = st.sampled_from(SURROGATES)
    if where in ("query", "path"):
        return st.one_of(
            surrogates.map(lambda t: Encoded(percent_encoded(t))), texts, huge.map(str)
        )
    if where == "json":
        return st.one_of(surrogates, texts, huge)
    return st.one_of(texts, huge.map(str))


class Encoded(str):
    """A value already percent-encoded for a URL."""


def body_slots(body: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a value can be replaced in a JSON body: every member and item, nested."""
    slots = [at] if at else []
    if isinstance(body, dict):
        for key, value in body.items():
            slots += body_slots(value, (*at, key))
    elif isinstance(body, list):
        for i, value in enumerate(body):
            slots += body_slots(value, (*at, i))
    return slots


def replaced(body: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    head, rest = at[0], at[1:]
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[head] = replaced(body[head], rest, value)
    return copy


def hostile(case: Any) -> st.SearchStrategy[Any]:
    """``case`` with one of its values replaced by a hostile one."""
    slots: list[tuple[str, Any]] = [("query", name) for name in case.query or {}]
    slots += [("path", name) for name in case.path_parameters or {}]
    body_kind = "json" if "json" in (case.media_type or "") else "form"
    if isinstance(case.body, dict | list):
        slots += [(body_kind, at) for at in body_slots(case.body)]
    # Parameters the case left out can be sent too.
    query_names = [p.name for p in case.operation.iter_parameters() if p.location == "query"]
    slots += [("query", name) for name in query_names if name not in (case.query or {})]
    if not slots:
        return st.just(case)

    def apply(slot: tuple[str, Any], value: Any) -> Any:
        where, name = slot
        if where == "query":
            query = {k: v for k, v in (case.query or {}).items() if k != name}
            if isinstance(value, Encoded):  # sent as it is, after the other parameters
                query[RAW_QUERY_STRING_KEY] = RawQueryString(f"{name}={value}")
            else:
                query[name] = value
            case.query = query
        elif where == "path":
            encoded = EncodedPath(value) if isinstance(value, Encoded) else value
            case.path_parameters = dict(case.path_parameters) | {name: encoded}
        else:
            case.body = replaced(case.body, name, value)
        return case

    return st.sampled_from(slots).flatmap(
        lambda slot: hostile_values(slot[0]).map(lambda value: apply(slot, value))
    )


@pytest.mark.slow
def test_hostile_values_in_every_operation_never_5xx(app: FastAPI) -> None:
    """Lone surrogates, integers past 64 bits, NUL and invisible or reordering text in
    every parameter and body member of every operation: a 4xx, never a 5xx."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seed(app)
    calls: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    failures: list[str] = []
    for operation in [result.ok() for result in schema.get_all_operations()]:
        count = HOSTILE_SLOW if operation.path in SLOW else HOSTILE_EXAMPLES

        @settings(
            max_examples=count,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE).flatmap(hostile))
        def run(case: Any) -> None:
            label = f"{case.operation.method.upper()} {case.operation.path}"
            calls[label] += 1
            try:
                response = case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
            except Exception as exc:  # collect all, report once
                failures.append(f"{label} [{case.query} {case.body!r:.200}]: {exc}"[:600])
                return
            if (
                response.status_code >= 400
                and "json" in response.headers.get("content-type", [""])[0]
            ):
                codes[response.json()["error"]["code"]] += 1

        run()
    total = sum(calls.values())
    assert not failures, f"{len(failures)} failures in {total} requests:\n" + "\n".join(
        sorted(set(failures))[:30]
    )
    assert total >= MIN_HOSTILE, calls
    # The hostile values arrived, and were refused for what they are.
    for code in ("invalid_encoding", "malformed_body", "invalid_parameter", "invalid_station"):
        assert codes[code] > 0, codes
