"""The station record and its validation.

``StationData`` is everything an administrator supplies; ``Station`` adds what the
registry assigns (``id``, timestamps). Locations are always WGS84 here: datum
conversion happens at the boundary, before a ``StationData`` is built.
"""

from __future__ import annotations

import math
import re
import unicodedata
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
# NUL and other C0/C1 controls break exports, terminals and some databases.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair on its own (JSON "\ud800"): not a character, not writable as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates (UAX #9): each reorders how the text
# after it is displayed, so "驿站\u202egnp.exe" shows as "驿站exe.png". Text is stored
# and shown as written, so they are refused rather than removed.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing although they are not format characters or spaces: Hangul
# fillers, the blank Braille pattern, the combining grapheme joiner.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# Characters that certainly show something (ASCII letters, digits and punctuation, CJK
# ideographs and punctuation, kana, full-width forms): text with one of them needs no
# closer look (the fast path of _trusted; tests/geo/test_model.py checks the class).
SURELY_VISIBLE = re.compile(
    "[!-~\u3001-\u3029\u3030-\u303f\u3041-\u3096\u309b-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e]"
)


def invisible(char: str) -> bool:
    """Whether a character shows nothing on its own: spaces, zero-width and other format
    characters (U+200B-U+200D, U+2060, U+FEFF, U+00AD...), controls, combining marks
    without a base, and blank letters such as the Hangul filler U+3164."""
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _BLANK_LOOKALIKES


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def text_problem(text: str) -> tuple[str, str] | None:
    """What makes ``text`` unfit to store as a station's text, in English and Chinese, or
    None: a lone surrogate, a control character, a bidirectional control, or nothing
    visible at all (zero-width characters only). Invisible characters *between* visible
    ones (a zero-width joiner in an emoji) are kept: they change nothing a reader sees.
    """
    for pattern, what, what_zh in (
        (_SURROGATE, "is a lone surrogate, not a character", "是孤立的代理项，不是字符"),
        (_CONTROL, "is a control character", "是控制字符"),
        (
            _BIDI,
            "is a bidirectional control, which makes text display in another order than "
            "it is stored",
            "是双向文本控制符，会使文字的显示顺序与实际内容不同",
        ),
    ):
        found = pattern.search(text)
        if found is not None:
            at, char = found.start() + 1, _named(found.group())
            return (
                f"text must not contain {char} (character {at}): it {what}",
                f"文本不得含有 {char}（第 {at} 个字符）：它{what_zh}",
            )
    if text and SURELY_VISIBLE.search(text) is None and all(invisible(c) for c in text):
        shown = ", ".join(dict.fromkeys(_named(c) for c in text[:10]))
        return (
            f"text must have at least one visible character; this has only invisible ones "
            f"({shown})",
            f"文本须至少含有一个可见字符；此处只有不可见字符（{shown}）",
        )
    return None


class TextProblem(ValueError):
    """A station text refused by :func:`text_problem`, with both messages."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message_zh = message_zh


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
        if isinstance(value, str) and _SURROGATE.search(value) is not None:
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
            return None
        _remember(_GOOD_TEXT[limit], v)
    for f in _CODE_FIELDS:
        code = values[f]
        if code is None or (type(code) is str and code in _GOOD_CODES):
            continue
        if type(code) is not str or not _ADCODE.match(code):
            return None
        _remember(_GOOD_CODES, code)
    lon, lat = values["lon"], values["lat"]
    if (
        values["name"] is None
        or type(lon) is not float
        or type(lat) is not float
        or not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0)  # also False for NaN
    ):
        return None
    implied = []
    for f, code in COUNT_AMENITY.items():
        v = values[f]
        if v is not None:
            if type(v) is not int or not 0 <= v <= MAX_COUNT:
                return None
            if v:
                implied.append(code)
    status = values["status"]
    codes = values["amenities"]
    if type(status) is not Status:
        status = _STATUS_OF.get(status) if type(status) is str else None
    if status is None or type(codes) not in (tuple, list):
        return None
    try:
        if not _CODES.issuperset(codes):  # raises TypeError for unhashable items
            return None
    except TypeError:
        return None
    values["status"] = status
    values["amenities"] = _derived_codes(tuple(codes), tuple(implied))
    hours = values["opening_hours"]
    try:
        values["opening_hours_osm"] = normalize_opening_hours(hours) if hours else None
    except StationError:
        return None
    return _construct(StationData, values, set(fields))


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
