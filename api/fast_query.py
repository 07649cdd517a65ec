"""A route that reads plain query strings itself and leaves the rest to FastAPI.

FastAPI validates a route's query parameters with pydantic on every request; for the
nine parameters of ``/v1/stations/nearest`` that took ~20% of the request's time in
cProfile (``solve_dependencies``: per-request type inspection of each parameter). A
:class:`PlainQueryRoute` first tries to read every parameter itself, accepting only
spellings that pydantic reads the same way (plain decimals for numbers, any text for
strings); on anything else (a missing, repeated or unknown parameter, ``1e3``, ``abc``, `` 5``)
it hands the request to the strict, validated handler, which validates and answers, errors
included, exactly as before. The route's signature still defines the parameters, their
documentation and their validation: the fast path reads them from it.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import QueryParams

from api.strict import StrictRoute

# What pydantic and Python's float()/int() read alike: no exponent, spaces, underscores,
# signs other than one leading minus, leading zeros, inf or nan.
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d{0,19})(?:\.\d{1,20})?")
_INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,17})")

Reader = Callable[[str], object]


def _float(text: str) -> float | None:
    return float(text) if _DECIMAL.fullmatch(text) else None


def _int(text: str) -> int | None:
    return int(text) if _INTEGER.fullmatch(text) else None


def _str(text: str) -> str:
    return text


def _bool(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text)  # other spellings: FastAPI's path


_READERS: dict[object, Reader] = {float: _float, int: _int, str: _str, bool: _bool}


def _reader(annotation: object) -> tuple[Reader, bool]:
    """How to read a parameter of this type, and whether it is a list (repeatable)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _reader(args[0])  # X | None
    if origin is list and args == [str]:
        return _str, True
    if annotation in _READERS:
        return _READERS[annotation], False
    raise TypeError(f"PlainQueryRoute cannot read a query parameter of type {annotation!r}")


Answer = Callable[..., Awaitable[Response]]


class PlainQueryRoute(StrictRoute):
    """An ``APIRoute`` whose plain requests skip FastAPI's parameter validation.

    The endpoint must have an ``answer`` attribute: a coroutine function taking the
    request and then every query parameter by name, with its value as the endpoint would
    receive it; the fast path calls it. The endpoint itself (called by FastAPI for every
    other request) should just call ``answer`` too.
    """

    fast = True  # tests turn it off to get FastAPI's answer to the same request

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The handler: plainly valid queries go straight to ``answer``, others to FastAPI."""
        validated = super().get_route_handler()
        answer: Answer = self.endpoint.answer  # type: ignore[attr-defined]
        reader = PlainReader(self)

        async def handler(request: Request) -> Response:
            values = reader(request.query_params) if PlainQueryRoute.fast else None
            if values is None:
                return await validated(request)
            return await answer(request, **values)

        return handler


class PlainReader:
    """Reads a route's query parameters when every one is plainly valid (else None)."""

    def __init__(self, route: APIRoute) -> None:
        params = route.dependant.query_params
        self.fields = {p.alias: (p.name, *_reader(p.field_info.annotation)) for p in params}
        self.required = [p.name for p in params if p.field_info.is_required()]
        self.defaults = {
            p.name: p.field_info.get_default(call_default_factory=True)
            for p in params
            if not p.field_info.is_required()
        }

    def __call__(self, query: QueryParams) -> dict[str, Any] | None:
        """The values of every parameter, or None when FastAPI must decide."""
        values: dict[str, Any] = {}
        for key, text in query.multi_items():
            field = self.fields.get(key)
            if field is None:
                return None  # StrictRoute refuses it, in the validated path
            name, read, many = field
            value = read(text)
            if value is None:
                return None
            if many:
                values.setdefault(name, []).append(value)
            elif name in values:
                return None  # repeated: FastAPI's rules decide which one counts
            else:
                values[name] = value
        if any(name not in values for name in self.required):
            return None
        return self.defaults | values
