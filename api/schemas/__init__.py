"""Response models: what every JSON answer of the API looks like (issue 15).

They document the answers in ``/openapi.json`` and check real answers in tests
(``tests/api/test_answer_models.py``); the routes do not build, validate or serialise
their answers through them, so declaring a model changes neither an answer nor its
speed:

- a route that returns a ready ``Response`` (nearest's orjson fast path, OGC, imports,
  coverage figures) names its model in ``responses={200: {"model": ...}}``, which FastAPI
  only writes into the OpenAPI document;
- a route that returns a dict takes ``**documented(Model)``: FastAPI still validates and
  serialises the dict as ``dict[str, Any]`` (as the ``-> dict[str, Any]`` annotation
  did), while the document shows ``$ref: Model``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi.openapi.constants import REF_TEMPLATE
from pydantic import BaseModel, WithJsonSchema

from api.schemas.errors import ERROR_RESPONSES, ErrorDetail, ErrorResponse


def documented(model: type[BaseModel], status: int = 200, **response: Any) -> dict[str, Any]:
    """Decorator arguments documenting a dict-returning route's answer as ``model``.

    ``response_model`` stays ``dict[str, Any]`` for FastAPI's runtime (a shallow check
    and its fast JSON writer, as before) but its JSON Schema is a ``$ref`` to ``model``;
    ``responses`` puts ``model`` among the document's components. ``response`` adds
    to the status's OpenAPI entry (a description, examples).
    """
    ref = {"$ref": REF_TEMPLATE.format(model=model.__name__)}
    return {
        "response_model": Annotated[dict[str, Any], WithJsonSchema(ref)],
        "responses": {status: {"model": model, **response}},
    }


__all__ = ["ERROR_RESPONSES", "ErrorDetail", "ErrorResponse", "documented"]
