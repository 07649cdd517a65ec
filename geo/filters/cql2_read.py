"""CQL2 (OGC 21-065, cql2-text or cql2-json) read into a checked filter tree.

The ``cql2`` package (cql2-rs, the parser tipg uses) reads the text into cql2-json, the
standard's own syntax tree; this module walks that tree against the queryables and
builds :mod:`geo.filters.nodes`. What it reads: the Basic CQL2 class (comparisons,
``AND``/``OR``/``NOT``, ``IS NULL``), the advanced comparisons (``LIKE``, ``BETWEEN``,
``IN``), property-to-property comparisons, the spatial functions (``S_INTERSECTS``,
``S_WITHIN``, ``S_CONTAINS``, ``S_DISJOINT``, ``S_EQUALS``, ``S_TOUCHES``,
``S_CROSSES``, ``S_OVERLAPS``) with any geometry literal, ``S_DWITHIN`` of a point (a
geodesic distance), and the array functions on ``amenities``. What it refuses, naming
it: other functions, arithmetic, ``CASEI``/``ACCENTI``, temporal functions, and a
literal of the wrong kind (``adcode = 110105``: adcodes are text, ``'110105'``).
Every problem in a filter is reported at once.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any, Final, cast

import cql2

from geo.amenities import mask_of, parse_codes
from geo.errors import InvalidFilter, StationError
from geo.filters import cql2_values as values
from geo.filters.cql2_guard import check_json, check_text
from geo.filters.nodes import (
    FLIPPED,
    Amenities,
    And,
    ArrayOp,
    Between,
    Compare,
    CompareOp,
    Const,
    Filter,
    In,
    IsNull,
    Like,
    Lit,
    Not,
    Or,
    Prop,
    Scalar,
    Spatial,
    SpatialOp,
    Within,
)  # fmt: skip
from geo.filters.queryables import QUERYABLES, Kind, Queryable
from geo.model import parse_status

FILTER_LANGS: Final = ("cql2-text", "cql2-json")
_COMPARE: Final = frozenset({"=", "<>", "<", ">", "<=", ">="})
_SPATIAL: Final = frozenset(
    {"intersects", "disjoint", "within", "contains", "equals", "touches", "crosses", "overlaps"}
)
_ARRAY: Final = frozenset({"contains", "containedby", "equals", "overlaps"})
_BY_TITLE: Final = {q.title.split(" / ")[-1]: q.name for q in QUERYABLES.values()}
_ORDERED: Final = frozenset({Kind.STRING, Kind.INTEGER, Kind.TIMESTAMP})
_POSITION: Final = re.compile(r"-->\s*(\d+):(\d+)")
_TEMPORAL: Final = (
    "temporal functions are not supported: compare created_at or updated_at with "
    "TIMESTAMP('2026-01-01T00:00:00Z') using <, >, BETWEEN",
    "不支持时间函数：请用 <、>、BETWEEN 将 created_at 或 updated_at 与 "
    "TIMESTAMP('2026-01-01T00:00:00Z') 比较",
)
_CASE: Final = (
    "CASEI and ACCENTI are not supported: comparisons are exact",
    "不支持 CASEI 与 ACCENTI：比较区分大小写",
)
_ARITHMETIC: Final = ("arithmetic is not supported", "不支持算术运算")
_HINTS: Final = {"t_": _TEMPORAL, "casei": _CASE, "accenti": _CASE} | dict.fromkeys(
    ("+", "-", "*", "/", "%", "^", "div"), _ARITHMETIC
)

_WANTED: Final = {
    Kind.STRING: ("quoted text such as '110105'", "加引号的文本，如 '110105'"),
    Kind.STATUS: ("a quoted status such as 'open'", "加引号的状态，如 'open'"),
    Kind.INTEGER: ("a number", "数值"),
    Kind.TIMESTAMP: ("TIMESTAMP('2026-03-01T00:00:00Z')", " TIMESTAMP('2026-03-01T00:00:00Z')"),
    Kind.AMENITIES: ("A_CONTAINS(amenities, ('toilet'))", " A_CONTAINS(amenities, ('toilet'))"),
    Kind.GEOMETRY: ("S_INTERSECTS(geometry, ...)", " S_INTERSECTS(geometry, ...)"),
}


class _Reader:
    def __init__(self, *, lat_first: bool) -> None:
        self.lat_first = lat_first
        self.problems: list[tuple[str, str]] = []

    def bad(self, en: str, zh: str) -> Filter:
        self.problems.append((en, zh))
        return Const(True)  # a stand-in: the filter is refused as a whole

    def misapplied(self, function: str, applies_to: str, prop: Prop) -> Filter:
        name = prop.queryable.name
        return self.bad(
            f"{function} applies to {applies_to}, not {name}",
            f"{function} 只用于 {applies_to}，不能用于 {name}",
        )

    # -- conditions ----------------------------------------------------------------

    def condition(self, j: Any) -> Filter:
        if isinstance(j, bool):
            return Const(j)
        if not (isinstance(j, dict) and isinstance(j.get("op"), str)):
            return self.bad(
                f"{_show(j)} is not a condition (such as district = '朝阳区')",
                f"{_show(j)} 不是条件（应如 district = '朝阳区'）",
            )
        op, args = j["op"].lower(), j.get("args")
        if not isinstance(args, list):
            return self.bad(f"{op} has no arguments", f"{op} 缺少参数")
        if op in ("and", "or") and args:
            parts = tuple(self.condition(a) for a in args)
            return And(parts) if op == "and" else Or(parts)
        arity = {"not": 1, "isnull": 1, "like": 2, "in": 2, "between": 3} | dict.fromkeys(
            _COMPARE, 2
        )
        if op in arity and len(args) != arity[op]:
            return self.bad(f"{op} takes {arity[op]} arguments", f"{op} 应有 {arity[op]} 个参数")
        if op == "not":
            return Not(self.condition(args[0]))
        if op in _COMPARE:
            return self.compare(cast(CompareOp, op), args[0], args[1])
        if op == "isnull":
            prop = self.prop(args[0], "IS NULL")
            return IsNull(prop) if prop is not None else Const(True)
        if op == "like":
            return self.like(args[0], args[1])
        if op == "between":
            return self.between(*args)
        if op == "in":
            return self.within_list(args[0], args[1])
        if op.startswith("s_") and op[2:] in _SPATIAL:
            return self.spatial(cast(SpatialOp, op[2:]), args)
        if op in ("s_dwithin", "dwithin"):
            return self.dwithin(args)
        if op.startswith("a_") and op[2:] in _ARRAY:
            return self.amenities(cast(ArrayOp, op[2:]), args)
        return self.unsupported(op)

    def unsupported(self, op: str) -> Filter:
        hint = _HINTS.get("t_" if op.startswith("t_") else op)
        if hint is not None:
            return self.bad(*hint)
        return self.bad(f"unknown function or operator {op!r}", f"未知的函数或运算符 {op!r}")

    def compare(self, op: CompareOp, a: Any, b: Any) -> Filter:
        left, right = self.operand(a), self.operand(b)
        if left is None or right is None:
            return Const(True)
        if isinstance(left, Lit) and isinstance(right, Prop):
            op, left, right = cast(CompareOp, FLIPPED[op]), right, left
        if not isinstance(left, Prop):
            return self.bad(
                f"{_show(a)} {op} {_show(b)} compares two values: name a property on one side",
                f"{_show(a)} {op} {_show(b)} 比较的是两个值：一侧须为属性",
            )
        q = left.queryable
        if isinstance(right, Prop):
            r = right.queryable
            if {q.kind, r.kind} <= {Kind.STRING, Kind.STATUS} or (
                q.kind == r.kind and q.kind in _ORDERED
            ):
                return Compare(op, left, right)
            return self.bad(
                f"{q.name} and {r.name} hold different kinds of values and cannot be compared",
                f"{q.name} 与 {r.name} 的取值类型不同，无法比较",
            )
        if q.kind == Kind.STATUS and op not in ("=", "<>"):
            return self.bad(
                "status has no order: use = , <> or IN", "状态没有大小之分：请用 =、<> 或 IN"
            )
        value = self.literal(q, right.value)
        if value is None:
            return Const(True)
        if q.kind == Kind.TIMESTAMP:
            return _moment(op, left, value)
        return Compare(op, left, Lit(value[0]))

    def like(self, a: Any, pattern: Any) -> Filter:
        prop = self.prop(a, "LIKE")
        if prop is None:
            return Const(True)
        if prop.queryable.kind not in (Kind.STRING, Kind.STATUS):
            return self.bad(f"LIKE needs a text property; {prop.queryable.name} is not one",
                            f"LIKE 只用于文本属性，{prop.queryable.name} 不是")  # fmt: skip
        if not isinstance(pattern, str):
            return self.bad("LIKE takes a quoted pattern such as '%驿站'",
                            "LIKE 需要加引号的模式，如 '%驿站'")  # fmt: skip
        return Like(prop, pattern)

    def between(self, a: Any, low: Any, high: Any) -> Filter:
        prop = self.prop(a, "BETWEEN")
        if prop is None:
            return Const(True)
        q = prop.queryable
        if q.kind not in _ORDERED:
            return self.bad(
                f"{q.name} has no order for BETWEEN", f"{q.name} 无大小之分，不能用 BETWEEN"
            )
        lo, hi = self.literal(q, low), self.literal(q, high)
        if lo is None or hi is None:
            return Const(True)
        if q.kind == Kind.TIMESTAMP:
            return And((_moment(">=", prop, lo), _moment("<=", prop, hi)))
        return Between(prop, Lit(lo[0]), Lit(hi[0]))

    def within_list(self, a: Any, items: Any) -> Filter:
        prop = self.prop(a, "IN")
        if prop is None:
            return Const(True)
        q = prop.queryable
        if q.kind not in (*_ORDERED, Kind.STATUS) or not isinstance(items, list):
            return self.bad(f"IN needs a property such as district and a list such as "
                            f"('朝阳区','海淀区'); got {q.name}", f"IN 需要属性与列表，"
                            f"如 district IN ('朝阳区','海淀区')；实为 {q.name}")  # fmt: skip
        read = [self.literal(q, item) for item in items]
        kept = tuple(Lit(v[0]) for v in read if v is not None and not v[1])  # a fraction: never
        return In(prop, kept) if kept else Const(False)

    def spatial(self, op: SpatialOp, args: list[Any]) -> Filter:
        if len(args) != 2:
            return self.bad(f"S_{op.upper()} takes 2 arguments", f"S_{op.upper()} 应有 2 个参数")
        a, b = args
        if _is_prop(b) and not _is_prop(a):  # literal first: the relation seen from the point
            a, b = b, a
            op = {"within": "contains", "contains": "within"}.get(op, op)  # type: ignore[assignment]
        prop = self.prop(a, f"S_{op.upper()}")
        geom = self.geometry(b)
        if prop is None or geom is None:
            return Const(True)
        if prop.queryable.kind != Kind.GEOMETRY:
            return self.misapplied(f"S_{op.upper()}", "geometry", prop)
        return Spatial(op, geom)

    def dwithin(self, args: list[Any]) -> Filter:
        if len(args) not in (3, 4) or not _is_prop(args[0]):
            return self.bad("S_DWITHIN takes geometry, a point, a distance and a unit: "
                            "S_DWITHIN(geometry, POINT(116.40 39.91), 500, meters)",
                            "S_DWITHIN 的参数为 geometry、点、距离与单位，如 "
                            "S_DWITHIN(geometry, POINT(116.40 39.91), 500, meters)")  # fmt: skip
        prop, geom = self.prop(args[0], "S_DWITHIN"), self.geometry(args[1])
        metres = values.distance_m(args[2], args[3] if len(args) == 4 else None)
        if isinstance(metres, tuple):
            return self.bad(*metres)
        if prop is None or geom is None:
            return Const(True)
        if prop.queryable.kind != Kind.GEOMETRY or geom.geom_type != "Point":
            return self.bad(
                "S_DWITHIN measures from geometry to a POINT(lon lat)",
                "S_DWITHIN 只计算 geometry 到一个点 POINT(经度 纬度) 的距离",
            )
        return Within(geom.x, geom.y, metres)

    def amenities(self, op: ArrayOp, args: list[Any]) -> Filter:
        if len(args) != 2:
            return self.bad(f"A_{op.upper()} takes 2 arguments", f"A_{op.upper()} 应有 2 个参数")
        a, b = args
        if _is_prop(b) and not _is_prop(a):
            a, b = b, a
            op = {"contains": "containedby", "containedby": "contains"}.get(op, op)  # type: ignore[assignment]
        prop = self.prop(a, f"A_{op.upper()}")
        if prop is None:
            return Const(True)
        if prop.queryable.kind != Kind.AMENITIES:
            return self.misapplied(f"A_{op.upper()}", "amenities", prop)
        if not (isinstance(b, list) and all(isinstance(c, str) for c in b)):
            return self.bad("the amenities must be a list of quoted codes: ('toilet','microwave')",
                            "服务设施须为加引号的代码列表，如 ('toilet','microwave')")  # fmt: skip
        try:
            codes = parse_codes(b)
        except StationError as exc:
            return self.bad(exc.message, exc.message_zh)
        return Amenities(op, mask_of(codes))

    # -- operands ------------------------------------------------------------------

    def operand(self, j: Any) -> Prop | Lit | None:
        if _is_prop(j):
            return self.prop(j, "")
        if isinstance(j, dict) and "timestamp" in j:
            return Lit(cast(Any, j))  # read by ``literal`` against the property it meets
        if isinstance(j, dict) and "date" in j:
            self.bad("compare created_at or updated_at with a TIMESTAMP, not a DATE: "
                     "updated_at >= TIMESTAMP('2026-03-01T00:00:00+08:00')",
                     "请用 TIMESTAMP 而非 DATE 与 created_at 或 updated_at 比较，如 "
                     "updated_at >= TIMESTAMP('2026-03-01T00:00:00+08:00')")  # fmt: skip
            return None
        if isinstance(j, str | int | float) and not isinstance(j, bool):
            return Lit(j)
        if isinstance(j, dict) and isinstance(j.get("op"), str):
            self.unsupported(j["op"].lower())
            return None
        self.bad(f"{_show(j)} cannot be compared", f"{_show(j)} 无法比较")
        return None

    def prop(self, j: Any, where: str) -> Prop | None:
        name = j.get("property") if isinstance(j, dict) else None
        if not isinstance(name, str):
            self.bad(f"{where or 'a comparison'} needs a property, got {_show(j)}",
                     f"{where or '比较'} 需要属性，实为 {_show(j)}")  # fmt: skip
            return None
        q = QUERYABLES.get(name)
        if q is None:
            guess = _BY_TITLE.get(name) or next(
                iter(difflib.get_close_matches(name.lower(), list(QUERYABLES), n=1, cutoff=0.6)),
                None,
            )
            hint, hint_zh = (
                (f"; did you mean {guess}?", f"；是否想用 {guess}？") if guess else ("", "")
            )
            self.bad(f"unknown property {name!r}{hint} (the queryables list them)",
                     f"未知属性 {name!r}{hint_zh}（见 queryables）")  # fmt: skip
            return None
        return Prop(q)

    def literal(self, q: Queryable, value: Any) -> tuple[Scalar, bool] | None:
        """``value`` as ``q`` holds it, and whether it has a fraction of a second no
        stored moment has (timestamps only)."""
        stamped = isinstance(value, dict) and "timestamp" in value
        if stamped or (q.kind == Kind.TIMESTAMP and isinstance(value, str)):
            text = value["timestamp"] if stamped else value  # GDAL may send a plain string
            if q.kind == Kind.TIMESTAMP:
                read = values.timestamp(text)
                if read is not None:
                    return read
                self.bad(*values.not_a_moment(text))
                return None
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if q.kind == Kind.INTEGER and number:
            as_int = int(value) if float(value).is_integer() and abs(value) < 2**53 else value
            return as_int, False
        if q.kind == Kind.STRING and isinstance(value, str):
            return value, False
        if q.kind == Kind.STATUS and isinstance(value, str):
            try:
                return parse_status(value).value, False
            except StationError as exc:
                self.bad(exc.message, exc.message_zh)
                return None
        want, want_zh = _WANTED[q.kind]
        self.bad(f"{q.name} cannot be compared with {_show(value)}: use {want}",
                 f"{q.name} 不能与 {_show(value)} 比较：请用{want_zh}")  # fmt: skip
        return None

    def geometry(self, j: Any) -> Any:
        if not (isinstance(j, dict) and ("type" in j or "bbox" in j)):
            self.bad(f"{_show(j)} is not a geometry", f"{_show(j)} 不是几何对象")
            return None
        geom = values.geometry(j, lat_first=self.lat_first)
        if isinstance(geom, tuple):
            self.bad(*geom)
            return None
        return geom


def _is_prop(j: Any) -> bool:
    return isinstance(j, dict) and "property" in j


def _show(j: Any) -> str:
    if isinstance(j, float) and j.is_integer() and abs(j) < 2**53:
        j = int(j)  # cql2 reads every number as a float: 110105, not 110105.0
    text = json.dumps(j, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _moment(op: CompareOp, prop: Prop, value: tuple[Scalar, bool]) -> Filter:
    """A timestamp comparison against whole-second stored moments: a literal with a
    fraction lies strictly between two of them."""
    stamp, fraction = str(value[0]), value[1]
    if not fraction:
        return Compare(op, prop, Lit(stamp))
    if op in ("=", "<>"):  # no stored moment equals it
        return Not(IsNull(prop)) if op == "<>" else Const(False)
    if op in (">", ">="):
        return Compare(">", prop, Lit(stamp))
    return Compare("<=", prop, Lit(stamp))


def _parse_error(text: str, exc: Exception) -> InvalidFilter:
    where = _POSITION.search(str(exc))
    if where is None:
        return InvalidFilter("the filter is not CQL2 the server can read",
                             "过滤条件不是可读的 CQL2")  # fmt: skip
    col = int(where.group(2))
    line = text.splitlines()[int(where.group(1)) - 1] if text.strip() else ""
    shown = line[max(0, col - 31) : col - 1] + " ⟨here⟩ " + line[col - 1 : col + 9]
    return InvalidFilter(
        f"the filter cannot be read at character {col}: {shown!r}",
        f"过滤条件在第 {col} 个字符处无法读取：{shown.replace('here', '此处')!r}",
        details=[{"parameter": "filter", "reason": "syntax", "position": col}],
    )


def read_filter(text: str, lang: str = "cql2-text", *, lat_first: bool = False) -> Filter:
    """Read a CQL2 filter into a checked tree.

    Parameters
    ----------
    text : str
        The filter, in ``lang``.
    lang : {"cql2-text", "cql2-json"}
    lat_first : bool
        Geometry literals are latitude first (``filter-crs`` EPSG:4326 or EPSG:4490).

    Raises
    ------
    InvalidFilter
        Naming every problem: syntax (with the character where reading stopped), an
        unknown property, a literal of the wrong kind, an unsupported function.
    """
    try:
        if lang == "cql2-json":
            check_json(raw := json.loads(text))
            tree = cql2.Expr(raw).to_json()
        else:
            check_text(text)
            tree = cql2.Expr(text).to_json()
    except InvalidFilter:
        raise
    except (ValueError, RecursionError) as exc:  # json's own errors
        raise InvalidFilter("the filter is not valid JSON", "过滤条件不是有效的 JSON") from exc
    except Exception as exc:
        if lang == "cql2-json":
            raise InvalidFilter(
                "the filter is not cql2-json", "过滤条件不是有效的 cql2-json"
            ) from exc
        raise _parse_error(text, exc) from exc
    reader = _Reader(lat_first=lat_first)
    result = reader.condition(tree)
    if reader.problems:
        raise InvalidFilter(
            "invalid filter: " + "; ".join(p[0] for p in reader.problems),
            "过滤条件无效：" + "；".join(p[1] for p in reader.problems),
            details=[{"parameter": "filter", "reason": p[0]} for p in reader.problems],
        )
    return result
