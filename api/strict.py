"""Strict requests: a parameter a route does not take is refused, never ignored.

FastAPI ignores query parameters and form fields a route does not declare, so
``/v1/stations/nearest?amenity=ev_charging`` (singular) answered with stations that have
no charger, ``coordsys=gaode`` read a GCJ-02 position as WGS84 (~550 m off), and an
import form with ``dry-run=true`` (the CLI's spelling) committed a real import.

:class:`StrictRoute` checks, before the route runs (so nothing is written):

- every query parameter is one the route declares (its own or its dependencies'), or one
  it lists as passed through (``openapi_extra={"x-pass-through": [...]}``, shown in the
  OpenAPI document; ``["*"]``: all, for the page, whose script reads its own URL); else
  422 ``unknown_parameter`` naming it and the closest known name: "did you mean
  ``amenities``?";
- a parameter that takes one value is given once: ``status=open&status=planned`` kept
  only the last; now 422 ``repeated_parameter`` (list parameters may repeat);
- every field of a form (``application/x-www-form-urlencoded``, ``multipart/form-data``)
  is one the route declares, likewise.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Final

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.params import Form
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo

from geo.errors import RepeatedParameter, UnknownParameter

__all__ = ["PASS_THROUGH", "StrictRoute", "closest_name", "refuse_unknown"]

PASS_THROUGH: Final = "x-pass-through"
_FORMS: Final = ("application/x-www-form-urlencoded", "multipart/form-data")
# What users write for a parameter by another name (another API's name, a near synonym
# difflib cannot see); suggested only where the route takes the name on the right.
SYNONYMS: Final = {
    "radius": "max_distance_m",
    "distance": "max_distance_m",
    "max_distance": "max_distance_m",
    "limit": "k",
    "count": "k",
    "n": "k",
    "coordsys": "crs",
    "coord_type": "crs",
    "coordtype": "crs",
    "datum": "crs",
    "srs": "crs",
    "lng": "lon",
    "long": "lon",
    "longitude": "lon",
    "latitude": "lat",
    "time": "open_at",
    "at": "open_at",
    "open": "open_at",
    "page_size": "limit",
    "size": "limit",
    "page": "offset",
    "start": "offset",
    "keyword": "q",
    "keywords": "q",
    "search": "q",
    "query": "q",
    "city": "adcode",
    "district": "adcode",
    "area": "adcode",
    "width": "width_m",
    "buffer": "width_m",
}


def _norm(name: str) -> str:
    return name.strip().casefold().replace("-", "_")


def closest_name(name: str, known: Iterable[str]) -> str | None:
    """The known name a user most likely meant by `name`, or None.

    Case, dashes for underscores and surrounding spaces do not count (``Dry-Run`` ->
    ``dry_run``); then a synonym (``radius`` -> ``max_distance_m``), then the closest
    spelling (``amenitiez`` -> ``amenities``, difflib ratio >= 0.6)."""
    by_norm = {_norm(k): k for k in known}
    key = _norm(name)
    if key in by_norm:
        return by_norm[key]
    synonym = SYNONYMS.get(key)
    if synonym in by_norm:
        return by_norm[synonym]
    close = difflib.get_close_matches(key, list(by_norm), n=1, cutoff=0.6)
    return by_norm[close[0]] if close else None


def refuse_unknown(given: Iterable[str], known: Iterable[str], *, where: str = "query") -> None:
    """Raise UnknownParameter for the first of `given` not in `known`.

    ``where``: ``"query"`` (a query parameter) or ``"form"`` (a form field)."""
    known = sorted(set(known))
    unknown = [name for name in dict.fromkeys(given) if name not in known]
    if not unknown:
        return
    what, what_zh = ("form field", "表单字段") if where == "form" else ("parameter", "参数")
    parts, parts_zh, details = [], [], []
    for name in unknown:
        guess = closest_name(name, known)
        hint = f"; did you mean {guess!r}?" if guess else ""
        hint_zh = f"，是否想用 {guess!r}？" if guess else ""
        parts.append(f"unknown {what} {name!r}{hint}")
        parts_zh.append(f"未知的{what_zh} {name!r}{hint_zh}")
        details.append({"field": name, "reason": f"unknown_{where}", "did_you_mean": guess})
    takes = ", ".join(known) if known else "none"
    takes_zh = "、".join(known) if known else "无"
    stop, stop_zh = ("" if parts[-1].endswith("?") else "."), ("" if guess else "。")
    raise UnknownParameter(
        f"{'; '.join(parts)}{stop} This endpoint takes: {takes}",
        f"{'；'.join(parts_zh)}{stop_zh}此接口接受：{takes_zh}",
        details=details,
    )


def _repeatable(annotation: object) -> bool:
    """Whether a parameter of this type takes several values (``list[str] | None``)."""
    if typing.get_origin(annotation) is list:
        return True
    return any(_repeatable(a) for a in typing.get_args(annotation) if a is not type(None))


def _fields(dependant: Dependant) -> tuple[list[Any], list[Any]]:
    """The query parameters and body fields of a route and all its dependencies (what
    FastAPI's own private ``get_flat_dependant`` walked, before it was renamed)."""
    query, body = [], []
    todo = [dependant]
    while todo:
        d = todo.pop()
        query += d.query_params
        body += d.body_params
        todo += d.dependencies
    return query, body


class StrictRoute(APIRoute):
    """An ``APIRoute`` that refuses query parameters and form fields it does not take."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The handler, refusing unknown and repeated parameters before the route runs."""
        handler = super().get_route_handler()
        params, body = _fields(self.dependant)
        extra = (self.openapi_extra or {}).get(PASS_THROUGH, [])
        query = frozenset({p.alias for p in params} | set(extra))
        single = frozenset(p.alias for p in params if not _repeatable(_info(p).annotation))
        form = frozenset(p.alias for p in body if isinstance(_info(p), Form))

        anything = "*" in extra

        async def strict(request: Request) -> Response:
            if not anything:
                check_query(request, query, single)
            if form and request.headers.get("content-type", "").startswith(_FORMS):
                fields = await request.form()  # kept by the request: FastAPI reads it again
                try:
                    refuse_unknown(fields.keys(), form, where="form")
                except UnknownParameter:
                    await fields.close()  # the uploaded files' temporary copies
                    raise
            return await handler(request)

        return strict


def _info(field: Any) -> FieldInfo:
    info: FieldInfo = field.field_info
    return info


def check_query(request: Request, known: frozenset[str], single: frozenset[str]) -> None:
    """Refuse a query parameter not in `known`, or one of `single` given more than once."""
    params = request.query_params
    if not params:
        return
    refuse_unknown(params.keys(), known)
    for name in single:
        values = params.getlist(name)
        if len(values) > 1:
            listed, listed_zh = ", ".join(map(repr, values)), "、".join(map(repr, values))
            raise RepeatedParameter(
                f"parameter {name!r} is given {len(values)} times ({listed}); it takes one value",
                f"参数 {name!r} 出现了 {len(values)} 次（{listed_zh}），只能给一个值",
                details=[{"field": name, "values": values}],
            )
