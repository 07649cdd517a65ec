"""The station record and its validation.

``StationData`` is everything an administrator supplies; ``Station`` adds what the
registry assigns (``id``, timestamps). Locations are always WGS84 here: datum
conversion happens at the boundary, before a ``StationData`` is built. What makes a text
unfit to store (controls, bidirectional controls, nothing visible) is
:mod:`geo.station_text`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geo.amenities import BY_CODE, parse_codes
from geo.clock import get_clock
from geo.errors import InvalidCoordinate, InvalidStation, StationError, UnknownStatus
from geo.hours import normalize_opening_hours
from geo.station_text import LONE_SURROGATE, SURELY_VISIBLE, TextProblem, text_problem

MAX_TEXT = 500
MAX_COUNT = 100_000


class Status(StrEnum):
    """Whether a station receives workers."""

    OPEN = "open"
    TEMPORARILY_CLOSED = "temporarily_closed"
    PLANNED = "planned"


STATUS_ZH = {Status.OPEN: "开放", Status.TEMPORARILY_CLOSED: "暂停开放", Status.PLANNED: "筹建中"}

# Counts that imply an amenity: a station with 3 car spaces offers car parking.
COUNT_AMENITY = {
    "car_parking_spaces": "car_parking",
    "motorcycle_parking_spaces": "motorcycle_parking",
    "ev_charging_piles": "ev_charging",
}

_ADCODE = re.compile(r"^\d{6}$")


def parse_status(value: str | Status) -> Status:
    """Parse a status name, raising ``UnknownStatus`` naming the value."""
    try:
        return Status(str(value).strip().lower())
    except ValueError:
        raise UnknownStatus(
            f"unknown status {value!r}; expected one of: {', '.join(Status)}",
            f"未知的站点状态 {value!r}；可选：{', '.join(Status)}",
        ) from None


def parse_statuses(value: str | None) -> frozenset[Status]:
    """Parse a comma-separated status filter; ``None`` or empty means open only, ``any`` all."""
    if value is None or not value.strip():
        return frozenset({Status.OPEN})
    if value.strip().lower() == "any":
        return frozenset(Status)
    statuses = frozenset(parse_status(v) for v in value.split(",") if v.strip())
    if not statuses:
        raise UnknownStatus(
            f"empty status filter {value!r}; expected one of: {', '.join(Status)} or 'any'",
            f"站点状态筛选为空 {value!r}；可选：{', '.join(Status)} 或 'any'",
        )
    return statuses


TEXT_FIELDS: Final = (
    "name", "external_id", "address", "district", "city", "province", "host", "phone",
    "opening_hours",
)  # fmt: skip
# Where a station is: derived from its position (``geo.places``), never taken on trust. A
# client may send them as labels; one that disagrees with the position is refused (an
# import warns and keeps the position's).
PLACE_FIELDS: Final = ("adcode", "district", "city_adcode", "city", "province_adcode", "province")
_CODE_FIELDS: Final = ("adcode", "city_adcode", "province_adcode")


class StationData(BaseModel):
    """The fields of a station that an administrator supplies (location in WGS84)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=MAX_TEXT)
    lon: float
    lat: float
    external_id: str | None = Field(default=None, max_length=MAX_TEXT)
    address: str | None = Field(default=None, max_length=MAX_TEXT)
    district: str | None = Field(default=None, max_length=MAX_TEXT)
    adcode: str | None = None
    city: str | None = Field(default=None, max_length=MAX_TEXT)
    city_adcode: str | None = None
    province: str | None = Field(default=None, max_length=MAX_TEXT)
    province_adcode: str | None = None
    host: str | None = Field(default=None, max_length=MAX_TEXT)
    amenities: tuple[str, ...] = ()
    # strict: JSON true must not become 1 parking space
    car_parking_spaces: int | None = Field(default=None, ge=0, le=MAX_COUNT, strict=True)
    motorcycle_parking_spaces: int | None = Field(default=None, ge=0, le=MAX_COUNT, strict=True)
    ev_charging_piles: int | None = Field(default=None, ge=0, le=MAX_COUNT, strict=True)
    opening_hours: str | None = Field(default=None, max_length=MAX_TEXT)
    opening_hours_osm: str | None = None
    status: Status = Status.OPEN
    phone: str | None = Field(default=None, max_length=100)

    @field_validator(*TEXT_FIELDS, mode="before")
    @classmethod
    def _unicode_text(cls, value: Any) -> Any:
        # Before pydantic reads it as str, which refuses a surrogate in words of its own.
        if isinstance(value, str) and LONE_SURROGATE.search(value) is not None:
            problem = text_problem(value)
            assert problem is not None  # the surrogate, found first
            raise TextProblem(*problem)
        return value

    @field_validator(*TEXT_FIELDS)
    @classmethod
    def _clean_text(cls, value: str | None) -> str | None:
        if value and (problem := text_problem(value)) is not None:
            raise TextProblem(*problem)
        return value or None

    @field_validator(*_CODE_FIELDS)
    @classmethod
    def _adcode(cls, value: str | None) -> str | None:
        if value and not _ADCODE.match(value):
            raise ValueError("an adcode must be 6 digits")
        return value or None

    @field_validator("lon", "lat")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("coordinate must be a finite number")
        return value

    @model_validator(mode="after")
    def _derive(self) -> StationData:
        if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
            raise ValueError(f"lon/lat ({self.lon}, {self.lat}) outside the WGS84 range")
        codes = set(parse_codes(self.amenities))
        for field, code in COUNT_AMENITY.items():
            if getattr(self, field):
                codes.add(code)
        object.__setattr__(self, "amenities", parse_codes(codes))
        osm = normalize_opening_hours(self.opening_hours) if self.opening_hours else None
        object.__setattr__(self, "opening_hours_osm", osm)
        return self


class Station(StationData):
    """A station in the registry."""

    id: int
    created_at: datetime
    updated_at: datetime


# Fields a client may set; lon/lat come from the geometry.
EDITABLE_FIELDS = tuple(f for f in StationData.model_fields if f != "opening_hours_osm")
_EDITABLE: Final = frozenset(EDITABLE_FIELDS)
_FIELD_ORDER: Final = tuple(StationData.model_fields)


_TEXT_LIMITS: Final = tuple(
    (f, next(m.max_length for m in info.metadata if hasattr(m, "max_length")))
    for f, info in StationData.model_fields.items()
    if f in TEXT_FIELDS
)
# Every field with its default (required ones None), in declaration order.
_BLANK: Final[dict[str, Any]] = {
    f: None if info.is_required() else info.get_default(call_default_factory=True)
    for f, info in StationData.model_fields.items()
}
_STATUS_OF: Final[dict[str, Status]] = {s.value: s for s in Status}
_CODES: Final = frozenset(BY_CODE)


@lru_cache(maxsize=4096)
def _derived_codes(codes: tuple[str, ...], implied: tuple[str, ...]) -> tuple[str, ...]:
    return parse_codes(set(codes) | set(implied))


_M = TypeVar("_M", bound=StationData)

# Texts and codes that passed _trusted's checks, by length limit: an import repeats a few
# hundred districts, cities, provinces, hosts and hours down its rows, and checking them
# again was 2 us a row. Bounded; a set's add and lookup are atomic under the GIL.
_GOOD_TEXT: Final[dict[int, set[str]]] = {limit: set() for _, limit in _TEXT_LIMITS}
_GOOD_CODES: Final[set[str]] = set()
_REMEMBER_AT_MOST: Final = 4096


def _remember(good: set[str], value: str) -> None:
    if len(good) < _REMEMBER_AT_MOST:
        good.add(value)


def _trusted(fields: Mapping[str, Any]) -> StationData | None:
    """``fields`` as a StationData without running pydantic, if every value already has the
    exact form validation would give it; otherwise None (the caller validates).

    Pydantic validation costs ~14 us a station (Python validators and the derived fields),
    most of an import's time per row. Every check here is stricter than the model's, so
    this never accepts what the model would refuse or change (a property test compares the
    two); anything unusual (whitespace to strip, an int coordinate, a bool count, an
    unknown code) goes the slow way.
    """
    if not fields.keys() <= _EDITABLE:
        return None
    values = _BLANK.copy()  # every field, in declaration order (the order pydantic keeps)
    values.update(fields)
    if not (_texts_trusted(values) and _codes_trusted(values) and _place_trusted(values)):
        return None
    implied = _implied_by_counts(values)
    status = values["status"]
    codes = values["amenities"]
    if type(status) is not Status:
        status = _STATUS_OF.get(status) if type(status) is str else None
    if implied is None or status is None or not _known_codes(codes):
        return None
    values["status"] = status
    values["amenities"] = _derived_codes(tuple(codes), tuple(implied))
    hours = values["opening_hours"]
    try:
        values["opening_hours_osm"] = normalize_opening_hours(hours) if hours else None
    except StationError:
        return None
    return _construct(StationData, values, set(fields))


def _texts_trusted(values: dict[str, Any]) -> bool:
    """Every text already as validation leaves it (remembered once seen)."""
    for f, limit in _TEXT_LIMITS:
        v = values[f]
        if v is None or (type(v) is str and v in _GOOD_TEXT[limit]):
            continue
        if (
            type(v) is not str
            or not 0 < len(v) <= limit
            # Printable text has no control characters and no whitespace but " ", so
            # this refuses all that pydantic would strip (Rust's trim()) or refuse.
            or not v.isprintable()
            or v[0] == " "
            or v[-1] == " "
            # Printable yet possibly invisible (combining marks, Hangul fillers): the
            # model decides.
            or SURELY_VISIBLE.search(v) is None
        ):
            return False
        _remember(_GOOD_TEXT[limit], v)
    return True


def _codes_trusted(values: dict[str, Any]) -> bool:
    """Every adcode six digits (remembered once seen)."""
    for f in _CODE_FIELDS:
        code = values[f]
        if code is None or (type(code) is str and code in _GOOD_CODES):
            continue
        if type(code) is not str or not _ADCODE.match(code):
            return False
        _remember(_GOOD_CODES, code)
    return True


def _place_trusted(values: dict[str, Any]) -> bool:
    """A name, and a position of two floats in range (NaN is not)."""
    lon, lat = values["lon"], values["lat"]
    return (
        values["name"] is not None
        and type(lon) is float
        and type(lat) is float
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
    )


def _implied_by_counts(values: dict[str, Any]) -> list[str] | None:
    """The amenities the counts imply (3 car spaces: car parking); None if a count is not
    a plain int in range."""
    implied = []
    for f, code in COUNT_AMENITY.items():
        v = values[f]
        if v is not None:
            if type(v) is not int or not 0 <= v <= MAX_COUNT:
                return None
            if v:
                implied.append(code)
    return implied


def _known_codes(codes: Any) -> bool:
    """A list or tuple of known amenity codes."""
    if type(codes) not in (tuple, list):
        return False
    try:
        return _CODES.issuperset(codes)  # raises TypeError for unhashable items
    except TypeError:
        return False


def _construct(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """What ``BaseModel.model_construct`` does, without its per-call overhead (~6 us):
    ``values`` must hold every field, in declaration order, already valid."""
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


_STATION_FIELDS: Final = frozenset(Station.model_fields)
STATION_FIELD_ORDER: Final = tuple(Station.model_fields)


def stored_station(values: dict[str, Any], *, checked: bool = False) -> Station:
    """A Station from what the store holds (validated when it was written), unchecked.

    ``values`` maps every field of Station to its value, in declaration order;
    ``checked``: the caller built it from :data:`STATION_FIELD_ORDER` itself, so its
    keys are not compared again (every nearest answer builds k of these).
    """
    if not checked and values.keys() != _STATION_FIELDS:
        raise ValueError(f"a stored station needs exactly the fields {sorted(_STATION_FIELDS)}")
    return _construct(Station, values, set(_STATION_FIELDS))


def build_station_data(fields: Mapping[str, Any]) -> StationData:
    """Validate a mapping of station fields, raising one error that lists every problem.

    Raises
    ------
    InvalidStation, InvalidCoordinate, UnknownAmenity, InvalidOpeningHours, UnknownStatus
        The first is raised with one ``details`` entry per bad field.
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidStation(
            f"unknown station field(s): {', '.join(unknown)}",
            f"未知的站点字段：{'、'.join(unknown)}",
            details=[{"field": f, "message": "unknown field"} for f in unknown],
        )
    trusted = _trusted(fields)
    if trusted is not None:
        return trusted
    if "status" in fields and fields["status"] is not None:
        parse_status(fields["status"])
    try:
        return StationData.model_validate(dict(fields))
    except ValidationError as exc:
        raise _translate(exc) from None
    except StationError:
        raise


def _translate(exc: ValidationError) -> StationError:
    details = []
    said_zh = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "station"
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, StationError):
            return cause
        message = str(cause) if isinstance(cause, TextProblem) else err["msg"]
        details.append({"field": loc, "message": message, "value": _jsonable(err.get("input"))})
        said_zh.append(f"{loc}: {cause.message_zh if isinstance(cause, TextProblem) else message}")
    fields = {d["field"] for d in details}
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    summary_zh = "; ".join(said_zh)
    if fields & {"lon", "lat", "station"} and all(
        "coordinate" in d["message"] or "lon/lat" in d["message"] or d["field"] in ("lon", "lat")
        for d in details
    ):
        return InvalidCoordinate(
            f"invalid coordinate: {summary}", f"坐标无效：{summary_zh}", details=details
        )
    return InvalidStation(
        f"invalid station: {summary}", f"站点数据无效：{summary_zh}", details=details
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return repr(value)[:200]


def amenity_labels(codes: tuple[str, ...]) -> list[dict[str, str]]:
    """Codes with their zh/en labels, for display."""
    return [{"code": c, "zh": BY_CODE[c].zh, "en": BY_CODE[c].en} for c in codes]


def utc_now() -> datetime:
    """Current time (``geo.clock``), UTC, second precision (what the store keeps)."""
    return get_clock().now().astimezone(UTC).replace(microsecond=0)
