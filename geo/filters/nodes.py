"""A station filter as a typed tree: what ``cql2_read`` makes of CQL2 and of simple
property parameters, and what ``geo.storage.filter_sql`` turns into SQL.

Every leaf has been checked against the queryables (``geo.filters.queryables``): a
property exists, a literal has the property's kind, a status or amenity is one the
vocabulary knows. Comparisons follow SQL's three-valued logic: a comparison with a
property that is null (not known) is neither true nor false, and ``NOT`` of it is
not true either; ``IS NULL`` asks for the unknown ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from shapely.geometry.base import BaseGeometry

from geo.filters.queryables import Queryable

Scalar = str | int | float  # timestamps are ``YYYY-MM-DDTHH:MM:SSZ`` strings
CompareOp = Literal["=", "<>", "<", ">", "<=", ">="]
# Spatial relations of the station's point to a literal geometry, as the point sees it.
SpatialOp = Literal[
    "intersects", "disjoint", "within", "contains", "equals", "touches", "crosses", "overlaps"
]
ArrayOp = Literal["contains", "containedby", "equals", "overlaps"]
FLIPPED: Final[dict[str, str]] = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "<>": "<>"}


@dataclass(frozen=True, slots=True)
class Prop:
    """A queryable's value."""

    queryable: Queryable


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal value, already of the kind of the property it meets."""

    value: Scalar


Operand = Prop | Lit


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right``; at least one side is a property."""

    op: CompareOp
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Like:
    """A text property matched against a CQL2 pattern (``%`` any run, ``_`` one
    character, ``\\`` escaping either); case-sensitive."""

    prop: Prop
    pattern: str


@dataclass(frozen=True, slots=True)
class Between:
    """``low <= value <= high``."""

    value: Prop
    low: Lit
    high: Lit


@dataclass(frozen=True, slots=True)
class In:
    """The property equals one of ``items``."""

    value: Prop
    items: tuple[Lit, ...]


@dataclass(frozen=True, slots=True)
class IsNull:
    """The property is not known."""

    prop: Prop


@dataclass(frozen=True, slots=True)
class Spatial:
    """The station's point stands in relation ``op`` to ``geometry`` (CRS84, planar in
    lon/lat, as CQL2 and PostGIS geometry define the relations)."""

    op: SpatialOp
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class Within:
    """The station is at most ``distance_m`` metres (geodesic, WGS84) from a point."""

    lon: float
    lat: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class Amenities:
    """The station's amenity set stands in relation ``op`` to the set of bits ``mask``
    (``contains``: has all of them; ``containedby``: has none but them; ``equals``;
    ``overlaps``: has at least one)."""

    op: ArrayOp
    mask: int


@dataclass(frozen=True, slots=True)
class Const:
    """``TRUE`` or ``FALSE``."""

    value: bool


@dataclass(frozen=True, slots=True)
class And:
    """Every part holds."""

    parts: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one part holds."""

    parts: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not hold (and is known)."""

    part: Filter


Filter = (
    Compare | Like | Between | In | IsNull | Spatial | Within | Amenities | Const | And | Or | Not
)


def every(*filters: Filter | None) -> Filter | None:
    """The conjunction of the filters given (None when there are none)."""
    parts = tuple(f for f in filters if f is not None)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)
