"""Recognise which column of a station list holds which station field.

Station lists arrive with the headers their authors typed: ``驿站名称``, ``经度(百度)``,
``Longitude``, ``*站点地址：``. A header is first normalised (NFKC, so full-width
``（）：`` become ``():``; case folded; spaces, bracketed notes such as ``(百度)`` or
``(个)``, datum words such as ``高德`` and punctuation removed), then compared with the
alias tables of :mod:`geo.imports.header_words`:

- an alias equal to the whole normalised header is an exact match;
- otherwise an alias contained in it (Chinese aliases) or equal to one of its words
  (English aliases of three letters or more) is a partial match, unless the alias is
  listed in ``EXACT_ONLY`` because it is too short or too generic to be trusted
  inside a longer header (``x``, ``id``, ``编号`` would match ``邮政编号``);
- exact beats partial, then the longer alias wins (``非机动车停车位`` over ``停车位``).

Each header maps to at most one field and each field to at most one header; a header
that loses a field to a better one is left unmapped and the mapping's ``notes`` say so.

``序号`` is never mapped to ``external_id``: it is a row counter that changes whenever
rows are inserted or sorted, so using it as a stable id would update the wrong stations
on the next import. Headers ending in ``序号`` are always left unmapped.

A coordinate header may also say the datum: ``经度(百度)`` means BD-09, ``高德经度`` or
``lng_gcj02`` GCJ-02, ``GPS经度`` or ``longitude_wgs84`` WGS84 (``DATUM_WORDS``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from geo.datums import Datum
from geo.errors import InvalidParameter
from geo.imports.header_words import ALIASES, DATUM_WORDS, EXACT_ONLY, FIELDS

# When a file has the same coordinates in several datums, use the one needing the fewest
# conversions to WGS84; a header that states no datum comes last.
_DATUM_PREFERENCE: Final = (Datum.WGS84, Datum.GCJ02, Datum.BD09, None)
_COORDINATE_FIELDS: Final = ("lon", "lat", "lonlat")

_DATUM_RE: Final = {datum: re.compile(pattern) for datum, pattern in DATUM_WORDS.items()}
_ANY_DATUM_RE: Final = re.compile("|".join(f"(?:{p})" for p in DATUM_WORDS.values()))
_BRACKETED: Final = re.compile(r"[(\[【{<《〔][^)\]】}>》〕]*(?:[)\]】}>》〕]|$)")
_NON_WORD: Final = re.compile(r"[\W_]+")
_IGNORED_SUFFIX: Final = "序号"


@dataclass(frozen=True)
class ColumnMapping:
    """Which header of a file holds which station field.

    Attributes
    ----------
    columns : dict of str to str
        Field (one of :data:`FIELDS`) -> header in the file, in :data:`FIELDS` order.
    datum : Datum or None
        Datum implied by the coordinate headers (``经度(百度)`` -> BD-09); None when
        they do not say, or contradict each other (see ``notes``).
    datum_header : str or None
        The header that implied `datum`.
    unmapped : list of str
        Headers not used, in file order (kept for the report).
    guessed : bool
        True when at least one field was recognised from the headers, False when every
        mapped field was given explicitly.
    notes : list of str
        Human-readable facts (English) about choices made: a header passed over for a
        better one, coordinates taken from the geometry, conflicting datums.
    """

    columns: dict[str, str]
    datum: Datum | None
    datum_header: str | None
    unmapped: list[str]
    guessed: bool
    notes: list[str] = field(default_factory=list)


def parse_mapping_option(text: str) -> dict[str, str]:
    """Parse an explicit column mapping as given on the command line or in a form.

    Parameters
    ----------
    text : str
        Either ``field=header`` pairs separated by commas (``,`` or ``，``), e.g.
        ``"name=站点名称,lon=经度(高德)"``, or a JSON object ``{"name": "站点名称"}``
        (use JSON when a header contains a comma). An empty header (``external_id=``
        or JSON ``null``) means "do not map this field", overriding the guess.

    Returns
    -------
    dict of str to str
        Field -> header; field names lower-cased, both sides stripped.

    Raises
    ------
    InvalidParameter
        On unknown field names (all listed), a field given twice, a pair without
        ``=``, or JSON that is not an object of strings.
    """
    text = text.strip()
    if not text:
        return {}
    pairs = _json_pairs(text) if text.startswith(("{", "[")) else _text_pairs(text)
    mapping: dict[str, str] = {}
    repeated: list[str] = []
    for raw_field, header in pairs:
        name = raw_field.strip().lower()
        if name in mapping:
            repeated.append(name)
        mapping[name] = header.strip()
    unknown = [f for f in mapping if f not in FIELDS]
    if unknown:
        raise InvalidParameter(
            f"unknown field(s) in the column mapping: {', '.join(unknown)}; "
            f"known fields: {', '.join(FIELDS)}",
            f"列映射中有未知字段：{'、'.join(unknown)}；可用字段：{'、'.join(FIELDS)}",
        )
    if repeated:
        raise InvalidParameter(
            f"field(s) given twice in the column mapping: {', '.join(repeated)}",
            f"列映射中字段重复：{'、'.join(repeated)}",
        )
    return mapping


def _json_pairs(text: str) -> list[tuple[str, str]]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(
            f"column mapping is not valid JSON: the text breaks off or has a syntax error "
            f"at character {exc.pos + 1}",
            f"列映射不是有效的 JSON：第 {exc.pos + 1} 个字符处文本中断或有语法错误",
        ) from None
    if not isinstance(obj, dict) or not all(isinstance(v, str) or v is None for v in obj.values()):
        raise InvalidParameter(
            "column mapping JSON must be an object of field: header strings, "
            'e.g. {"name": "站点名称"}',
            '列映射 JSON 必须是“字段: 表头”的对象，例如 {"name": "站点名称"}',
        )
    return [(k, v or "") for k, v in obj.items()]


def _text_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in re.split(r"[,，]", text):
        if not part.strip():
            continue
        name, sep, header = part.partition("=")
        if not sep:
            raise InvalidParameter(
                f"column mapping entry {part.strip()!r} is not field=header",
                f"列映射项 {part.strip()!r} 不是“字段=表头”的形式",
            )
        pairs.append((name, header))
    return pairs


@dataclass(frozen=True, slots=True)
class _Match:
    header: str
    index: int  # position in the file
    exact: bool
    length: int  # length of the matched alias: longer is more specific
    datum: Datum | None

    def rank(self) -> tuple[int, int, int, int]:
        """Sort key, best first."""
        return (-self.exact, -self.length, _DATUM_PREFERENCE.index(self.datum), self.index)


def recognise_columns(
    headers: Sequence[str],
    *,
    explicit: Mapping[str, str] | None = None,
    has_point: bool = False,
) -> ColumnMapping:
    """Decide which header holds which station field.

    Parameters
    ----------
    headers : sequence of str
        The file's headers, in file order (as :class:`geo.imports.readers.Source` gives
        them: stripped, duplicates disambiguated).
    explicit : mapping of str to str, optional
        Field -> header chosen by the user (see :func:`parse_mapping_option`); it
        overrides the guess field by field, and an empty header unmaps the field. A
        header is found by its exact text, else by its normalised form if that is
        unique (``"经度（高德）"`` finds ``"经度(高德)"``).
    has_point : bool, default False
        The file has a point geometry (GeoJSON, GeoPackage, Shapefile): coordinates come
        from it, so lon/lat columns are only used when given in `explicit`.

    Returns
    -------
    ColumnMapping

    Raises
    ------
    InvalidParameter
        If `explicit` names an unknown field, a header not in `headers` (the message
        lists the headers), one header for two fields, or both ``lonlat`` and
        ``lon``/``lat``.
    """
    explicit = _resolve_explicit(headers, explicit or {})
    notes: list[str] = []
    taken = {h for h in explicit.values() if h}
    candidates: dict[str, list[_Match]] = {f: [] for f in FIELDS}
    for index, header in enumerate(headers):
        if header in taken:
            continue
        best = _best_field(header, index)
        if best is not None:
            candidates[best[0]].append(best[1])

    skip = set(explicit)  # given (or unmapped with "") by the user: not guessed
    if explicit.get("lon") or explicit.get("lat"):
        skip.add("lonlat")
    if explicit.get("lonlat"):
        skip |= {"lon", "lat"}
    if has_point and not any(explicit.get(f) for f in _COORDINATE_FIELDS):
        skip |= set(_COORDINATE_FIELDS)
        ignored = [m.header for f in _COORDINATE_FIELDS for m in candidates[f]]
        if ignored:
            notes.append(
                "coordinates come from the geometry; column(s) not used: " + ", ".join(ignored)
            )

    chosen: dict[str, _Match] = {}
    for name in FIELDS:
        if name not in skip and candidates[name]:
            chosen[name] = min(candidates[name], key=_Match.rank)
    _pair_lon_lat(candidates, chosen)
    _one_coordinate_source(chosen, notes)
    for name, found in candidates.items():
        for match in found:
            if name in chosen and match is not chosen[name]:
                notes.append(
                    f"{match.header!r} also looks like {name}; used {chosen[name].header!r}"
                )

    columns = {
        name: explicit[name] if name in explicit else chosen[name].header
        for name in FIELDS
        if explicit.get(name) or (name not in explicit and name in chosen)
    }
    datum, datum_header = _datum_of(columns, notes)
    used = set(columns.values())
    return ColumnMapping(
        columns=columns,
        datum=datum,
        datum_header=datum_header,
        unmapped=[h for h in headers if h not in used],
        guessed=any(name not in explicit for name in columns),
        notes=notes,
    )


def _resolve_explicit(headers: Sequence[str], explicit: Mapping[str, str]) -> dict[str, str]:
    """Validate `explicit` and replace each header by the file's own spelling of it."""
    unknown = [f for f in explicit if f not in FIELDS]
    if unknown:
        raise InvalidParameter(
            f"unknown field(s) in the column mapping: {', '.join(unknown)}; "
            f"known fields: {', '.join(FIELDS)}",
            f"列映射中有未知字段：{'、'.join(unknown)}；可用字段：{'、'.join(FIELDS)}",
        )
    by_norm: dict[str, list[str]] = {}
    for header in headers:
        by_norm.setdefault(_normalise(header), []).append(header)
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for name, wanted in explicit.items():
        wanted = wanted.strip()
        if not wanted or wanted in headers:
            resolved[name] = wanted
        elif len(by_norm.get(_normalise(wanted), [])) == 1:
            resolved[name] = by_norm[_normalise(wanted)][0]
        else:
            missing.append(wanted)
    if missing:
        listed = ", ".join(repr(h) for h in headers)
        raise InvalidParameter(
            f"column(s) not in the file: {', '.join(map(repr, missing))}; "
            f"the file's columns are: {listed}",
            f"文件中没有列：{'、'.join(map(repr, missing))}；文件的列为：{listed}",
        )
    owners: dict[str, list[str]] = {}
    for name, header in resolved.items():
        if header:
            owners.setdefault(header, []).append(name)
    shared = {h: names for h, names in owners.items() if len(names) > 1}
    if shared:
        text = "; ".join(f"{h!r}: {', '.join(names)}" for h, names in shared.items())
        raise InvalidParameter(
            f"one column mapped to several fields: {text}",
            f"同一列被映射到多个字段：{text}",
        )
    if "lonlat" in resolved and resolved["lonlat"] and {"lon", "lat"} & resolved.keys():
        raise InvalidParameter(
            "give either lonlat or lon and lat in the column mapping, not both",
            "列映射中 lonlat 与 lon/lat 只能二选一",
        )
    return resolved


def _pair_lon_lat(candidates: dict[str, list[_Match]], chosen: dict[str, _Match]) -> None:
    """Take lon and lat in the same datum when the file has coordinates in several."""
    if "lon" not in chosen or "lat" not in chosen:
        return
    for datum in _DATUM_PREFERENCE:
        lons = [m for m in candidates["lon"] if m.datum == datum]
        lats = [m for m in candidates["lat"] if m.datum == datum]
        if lons and lats:
            chosen["lon"] = min(lons, key=_Match.rank)
            chosen["lat"] = min(lats, key=_Match.rank)
            return


def _one_coordinate_source(chosen: dict[str, _Match], notes: list[str]) -> None:
    """Keep either separate lon and lat columns or the combined one, not a mix."""
    if "lonlat" not in chosen:
        return
    if "lon" in chosen and "lat" in chosen:
        notes.append(
            f"separate lon/lat columns used; combined column {chosen['lonlat'].header!r} not used"
        )
        del chosen["lonlat"]
        return
    for name in ("lon", "lat"):
        if name in chosen:
            other = "lat" if name == "lon" else "lon"
            notes.append(
                f"combined column {chosen['lonlat'].header!r} used; "
                f"{chosen[name].header!r} not used (no {other} column to pair it with)"
            )
            del chosen[name]


def _datum_of(columns: Mapping[str, str], notes: list[str]) -> tuple[Datum | None, str | None]:
    """The datum the coordinate headers state, and the header stating it."""
    stated: list[tuple[Datum, str]] = []
    for name in _COORDINATE_FIELDS:
        if name in columns:
            datums = _datums_in(_fold(columns[name]))
            if len(datums) > 1:
                notes.append(
                    f"header {columns[name]!r} names several datums "
                    f"({', '.join(d.label for d in datums)}); ignored"
                )
                return None, None
            stated.extend((d, columns[name]) for d in datums)
    kinds = {d for d, _ in stated}
    if len(kinds) > 1:
        text = ", ".join(f"{h!r} says {d.label}" for d, h in stated)
        notes.append(f"coordinate headers disagree on the datum ({text}); none assumed")
        return None, None
    return stated[0] if stated else (None, None)


def _best_field(header: str, index: int) -> tuple[str, _Match] | None:
    """The field `header` matches best, with the match; None if it matches none."""
    folded = _fold(header)
    datums = _datums_in(folded)
    base = _NON_WORD.sub(" ", _ANY_DATUM_RE.sub(" ", _BRACKETED.sub(" ", folded))).split()
    compact = "".join(base) or _NON_WORD.sub("", folded)
    if not compact or compact.endswith(_IGNORED_SUFFIX):
        return None
    words = set(base)
    best: tuple[str, _Match] | None = None
    for name, aliases in ALIASES.items():
        for alias in aliases:
            key = _ALIAS_KEYS[alias]
            exact = key == compact
            if not exact and (alias in EXACT_ONLY or not _partial(alias, key, compact, words)):
                continue
            match = _Match(header, index, exact, len(key), _one(datums))
            if best is None or match.rank() < best[1].rank():
                best = (name, match)
    return best


def _partial(alias: str, key: str, compact: str, words: set[str]) -> bool:
    """Whether `alias` (normalised: `key`) occurs inside a header (`compact`, `words`)."""
    if not key.isascii():
        return key in compact
    if "_" in alias:  # several English words: "car_parking_spaces" in "carparkingspaces2"
        return key in compact
    return len(key) >= 3 and key in words


def _one(datums: list[Datum]) -> Datum | None:
    return datums[0] if len(datums) == 1 else None


def _datums_in(folded: str) -> list[Datum]:
    return [d for d, pattern in _DATUM_RE.items() if pattern.search(folded)]


def _fold(text: str) -> str:
    """NFKC (full-width to half-width), case folded, without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def _normalise(text: str) -> str:
    """The comparison form of a header: folded, punctuation and separators removed."""
    return _NON_WORD.sub("", _fold(text))


_ALIAS_KEYS: Final = {alias: _normalise(alias) for aliases in ALIASES.values() for alias in aliases}
