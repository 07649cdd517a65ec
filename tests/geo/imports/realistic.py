"""Station lists as district union offices really send them, each with its truth table.

Every builder writes one file into a test's tmp dir and returns a :class:`Truth`: the
counts the import report must give, the issue codes expected on each row (errors and
warnings, by the row number the user sees), and for every station the import must
create its true WGS84 position and stored fields. Nothing here calls the importer: the
truth comes from how the file was written, never from the code under test.

Each builder takes a ``variant``:

- ``"original"``: the list as first sent;
- ``"modified"``: the same list corrected by its author: two stations get a new phone
  number, one is moved 100 m, one new station is appended (``Truth.changed`` and
  ``Truth.added`` name them); every other row is written exactly as before;
- ``"clean"``: the original without its rejected rows (duplicates and warnings stay), for
  ``atomic`` imports that must commit.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import LineString, MultiPoint, Point

from geo.datums import Datum, from_wgs84
from geo.places import locate
from tests.geo.imports.fixtures import csv_text, feature, write_geojson, write_xlsx

GEOD: Final = Geod(ellps="WGS84")
VARIANTS: Final = ("original", "modified", "clean")
TOKYO: Final = (139.6917, 35.6895)  # WGS84; GCJ-02 equals WGS84 outside China

_FROM_PLACE: Final = object()  # Item.geometry default: a Point at the true position
_FULL_WIDTH: Final = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Item:
    """One row of a list as written, and what the importer must make of it.

    Attributes
    ----------
    cells : mapping
        Station field name -> cell as written (no coordinates; ``None`` is a blank cell).
    place : tuple of float, optional
        True WGS84 lon/lat; written in the file's datum (see `style`).
    coords : tuple, optional
        Coordinate cells written as they are instead of `place` (bad coordinates).
    style : str
        How `place` is written: ``plain`` (a number), ``text`` (a string),
        ``fullwidth`` (full-width digits), ``degree`` (with a trailing °).
    digits : int
        Decimals written.
    swapped : bool
        Latitude written in the longitude column and the other way round.
    geometry : object
        Vector formats: a shapely geometry or None instead of a Point at `place`.
    outcome : str
        ``created``, ``duplicate``, ``rejected`` or ``blank`` (an empty row).
    issues : tuple of (code, value or None)
        Issues the report must give for this row; a value is checked when not None.
    expect : mapping
        Stored fields whose value is not simply the written text (amenity codes,
        parsed counts, hours left out...).
    """

    cells: Mapping[str, Any] = field(default_factory=dict)
    place: tuple[float, float] | None = None
    coords: tuple[Any, Any] | None = None
    style: str = "plain"
    digits: int = 6
    swapped: bool = False
    geometry: Any = _FROM_PLACE
    outcome: str = "created"
    issues: tuple[tuple[str, str | None], ...] = ()
    expect: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """How a test finds the station this row creates: its external id, else its name."""
        external_id = _text(self.cells.get("external_id"))
        return external_id or str(self.cells["name"])

    def stored(self) -> dict[str, Any]:
        """The fields the created station must have."""
        fields: dict[str, Any] = {
            f: _text(self.cells.get(f))
            for f in ("name", "external_id", "address", "district", "phone", "opening_hours")
            if f in self.cells
        }
        if "amenities" in self.cells:
            fields["amenities"] = frozenset()
        if "car_parking_spaces" in self.cells:  # a count written as text needs `expect`
            count = self.cells["car_parking_spaces"]
            fields["car_parking_spaces"] = count if isinstance(count, int) else None
        if "status" in self.cells:
            fields["status"] = "open"
        return fields | dict(self.expect)


BLANK: Final = Item(outcome="blank")


@dataclass
class Truth:
    """What importing a built file must report and store."""

    path: Path
    format: str
    crs: str | None  # the import option to pass
    datum: str
    datum_source: str
    mapping: dict[str, str]  # the whole mapping the report must give
    encoding: str | None
    rows: int
    created: int
    duplicates: int
    rejected: int
    issues: dict[int, list[str]]  # row number -> sorted issue codes
    values: dict[tuple[int, str], list[str]]  # (row, code) -> sorted values, where checked
    stations: dict[str, dict[str, Any]]  # key -> stored fields
    positions: dict[str, tuple[float, float]]  # key -> true WGS84 lon/lat
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    file_issues: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # headers the report leaves unused


@dataclass(frozen=True)
class _Edits:
    """The corrections of the ``modified`` variant."""

    phones: tuple[str, str]  # keys of stations getting a new phone
    move: str  # key of the station moved 100 m
    new: Item  # appended


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def offset(
    place: tuple[float, float], distance_m: float, bearing_deg: float
) -> tuple[float, float]:
    """The point `distance_m` metres from `place` (WGS84) towards `bearing_deg`."""
    lon, lat, _ = GEOD.fwd(place[0], place[1], bearing_deg, distance_m)
    return (lon, lat)


def spread(
    n: int, box: tuple[float, float, float, float], *, seed: int, adcode: str | None = None
) -> list[tuple[float, float]]:
    """`n` WGS84 points in `box` (min_lon, min_lat, max_lon, max_lat), at least 150 m apart;
    with `adcode`, only points at least ~30 m inside that district (so the list's
    所属区 column is true, and stays true through a datum's rounding)."""
    rng = random.Random(seed)
    points: list[tuple[float, float]] = []
    while len(points) < n:
        p = (rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]))
        if adcode is not None and not _deep_inside(p, adcode):
            continue
        if all(GEOD.inv(p[0], p[1], q[0], q[1])[2] > 150 for q in points):
            points.append(p)
    return points


def _deep_inside(p: tuple[float, float], adcode: str) -> bool:
    d = 0.0003
    around = [(p[0] + a, p[1] + b) for a, b in ((0, 0), (d, 0), (-d, 0), (0, d), (0, -d))]
    places = locate([q[0] for q in around], [q[1] for q in around])
    return all(place is not None and place.adcode == adcode for place in places)


def _variant(items: list[Item], variant: str, edits: _Edits) -> list[Item]:
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    if variant == "clean":
        return [i for i in items if i.outcome != "rejected"]
    if variant == "original":
        return items
    changed = []
    for number, item in enumerate(items):
        if item.outcome == "created" and item.key in edits.phones:
            phone = f"010-8765{number:04d}"
            item = replace(
                item, cells={**item.cells, "phone": phone}, expect={**item.expect, "phone": phone}
            )
        elif item.outcome == "created" and item.key == edits.move:
            assert item.place is not None
            item = replace(item, place=offset(item.place, 100.0, 60.0))
        changed.append(item)
    return [*changed, edits.new]


def _truth(
    items: Sequence[Item],
    numbers: Sequence[int],
    *,
    variant: str,
    edits: _Edits,
    **facts: Any,
) -> Truth:
    issues: dict[int, list[str]] = {}
    values: dict[tuple[int, str], list[str]] = {}
    stations: dict[str, dict[str, Any]] = {}
    positions: dict[str, tuple[float, float]] = {}
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    for item, number in zip(items, numbers, strict=True):
        if item.outcome == "blank":
            continue
        counts[item.outcome] += 1
        if item.issues:
            issues[number] = sorted(code for code, _ in item.issues)
        for code, value in item.issues:
            if value is not None:
                values.setdefault((number, code), []).append(value)
        if item.outcome == "created":
            assert item.place is not None, item
            assert item.key not in stations, item
            stations[item.key] = item.stored()
            positions[item.key] = item.place
    modified = variant == "modified"
    return Truth(
        rows=sum(counts.values()),
        created=counts["created"],
        duplicates=counts["duplicate"],
        rejected=counts["rejected"],
        issues=issues,
        values={k: sorted(v) for k, v in values.items()},
        stations=stations,
        positions=positions,
        changed=(*edits.phones, edits.move) if modified else (),
        added=(edits.new.key,) if modified else (),
        **facts,
    )


# --------------------------------------------------------------------------- writing


def _coordinate_cells(item: Item, datum: Datum) -> tuple[Any, Any]:
    """The two coordinate cells of a tabular row, in `datum`, as `item.style` says."""
    if item.coords is not None:
        return item.coords
    if item.place is None:
        return (None, None)
    x, y = (float(v) for v in from_wgs84(item.place[0], item.place[1], datum))
    if item.swapped:
        x, y = y, x
    if item.style == "plain":
        return (round(x, item.digits), round(y, item.digits))
    text = (f"{x:.{item.digits}f}", f"{y:.{item.digits}f}")
    if item.style == "text":
        return text
    if item.style == "fullwidth":
        return (text[0].translate(_FULL_WIDTH), text[1].translate(_FULL_WIDTH))
    if item.style == "degree":
        return (f"{text[0]}°", f"{text[1]}°")
    raise ValueError(item.style)


def _table(
    items: Sequence[Item], headers: Mapping[str, str], datum: Datum, *, seq: bool
) -> list[list[Any]]:
    """Rows of cells in `headers` order (field -> header); ``[]`` for a blank row."""
    rows: list[list[Any]] = []
    counter = 0
    for item in items:
        if item.outcome == "blank":
            rows.append([])
            continue
        counter += 1
        lon, lat = _coordinate_cells(item, datum)
        cells = dict(item.cells) | {"lon": lon, "lat": lat, "seq": counter if seq else None}
        rows.append([cells.get(f) for f in headers])
    return rows


def _geometry(item: Item) -> Any:
    if item.geometry is not _FROM_PLACE:
        return item.geometry
    assert item.place is not None
    return Point(*item.place)


def _frame(items: Sequence[Item], headers: Mapping[str, str], crs: str) -> gpd.GeoDataFrame:
    records = [{h: item.cells.get(f) for f, h in headers.items()} for item in items]
    frame = gpd.GeoDataFrame(
        records,
        geometry=[_geometry(i) for i in items],
        crs="EPSG:4326",
        columns=[*headers.values()],
    )
    return frame.to_crs(crs)


# --------------------------------------------------------------------------- the lists

_CHAOYANG: Final = (116.42, 39.87, 116.56, 40.01)
_DONGCHENG: Final = (116.38, 39.88, 116.44, 39.95)
_HAIDIAN: Final = (116.26, 39.95, 116.34, 40.02)
_FENGTAI: Final = (116.25, 39.83, 116.34, 39.87)
_YUZHONG: Final = (106.53, 29.54, 106.58, 29.56)


XLSX_HEADERS: Final = {
    "seq": "序号",
    "external_id": "驿站编号",
    "name": "驿站名称",
    "address": "详细地址",
    "district": "所属区",
    "lon": "经度",
    "lat": "纬度",
    "amenities": "服务内容",
    "opening_hours": "开放时间",
    "car_parking_spaces": "机动车停车位",
    "phone": "联系电话",
}
XLSX_TITLE: Final = "朝阳区工会驿站名录（2026年11月）"


def xlsx_gcj02(path: Path, *, variant: str = "original") -> Truth:
    """Chaoyang's Excel list: title row, Chinese headers, plain 经度/纬度 in GCJ-02.

    The datum is not in the headers: import it with ``crs="gcj02"``.
    """
    p = spread(30, _CHAOYANG, seed=105, adcode="110105")

    def good(
        n: int, external_id: Any, name: str, amenities: str | None = "饮水", **kw: Any
    ) -> Item:
        cells = {
            "external_id": external_id,
            "name": name,
            "address": f"北京市朝阳区{name[:3]}路{n}号",
            "district": "朝阳区",
            "amenities": amenities,
            "opening_hours": kw.pop("hours", "24小时"),
            "car_parking_spaces": kw.pop("parking", None),
            "phone": kw.pop("phone", f"010-6500{n:04d}"),
        }
        expect = {"amenities": frozenset(kw.pop("codes", {"drinking_water"}))}
        if external_id is not None and not isinstance(external_id, str):
            expect["external_id"] = str(external_id)
        expect |= kw.pop("expect", {})
        return Item(cells=cells, place=p[n], digits=6 + n % 2, expect=expect, **kw)

    first = good(1, "CY-001", "朝阳门工会驿站", "饮水、微波炉、充电桩", parking=5,
                 codes={"drinking_water", "microwave", "ev_charging", "car_parking"},
                 expect={"car_parking_spaces": 5})  # fmt: skip
    third = good(3, "CY-003", "望京暖心驿站", "饮水,卫生间", hours="周一至周五 9:00-17:00",
                 parking="3个", codes={"drinking_water", "toilet", "car_parking"},
                 expect={"car_parking_spaces": 3})  # fmt: skip
    sixth = good(6, "CY-006", "团结湖链家门店驿站", "饮水，休息，医药箱",
                 hours="9:00-12:00，14:00-18:00",
                 codes={"drinking_water", "rest_area", "first_aid"})  # fmt: skip
    jiangtai = good(
        20, None, "将台社区暖心驿站", "饮水、桌椅", codes={"drinking_water", "rest_area"}
    )
    items = [
        first,
        # "/" separators and an English label
        good(2, "CY-002", "建国路工商银行工会驿站", "饮水/热饭/WiFi", hours="08:00-20:00",
             phone="13912345678", codes={"drinking_water", "microwave", "wifi"}),
        third,
        # an unknown label among known ones: a warning naming it, the rest kept
        good(4, "CY-004", "国贸户外劳动者驿站", "饮水、按摩椅、手机充电", hours="早8点至晚8点",
             codes={"drinking_water", "phone_charging"},
             issues=(("unknown_amenity_label", "按摩椅"),)),
        good(5, "CY-005", "三里屯中石化加油站驿站", "免费雨伞/饮水/空调", hours="全天",
             codes={"drinking_water", "heating_cooling"},
             issues=(("unknown_amenity_label", "免费雨伞"),)),
        sixth,
        BLANK,  # blank rows in the middle: numbering still follows the sheet
        BLANK,
        # hours nobody can read: left empty with a warning
        good(7, "CY-007", "呼家楼社区驿站", hours="看情况", expect={"opening_hours": None},
             issues=(("invalid_opening_hours", "看情况"),)),
        # a count that is not a number: left empty with a warning
        good(8, "CY-008", "双井便利店驿站", parking="若干", expect={"car_parking_spaces": None},
             issues=(("invalid_count", "若干"),)),
        # latitude typed into the longitude column: fixed with a warning
        good(9, "CY-009", "劲松工会驿站", swapped=True, issues=(("swapped_coordinates", None),)),
        # Excel turned the id into a number
        good(10, 1010, "潘家园暖心驿站"),
        # coordinates pasted as text
        good(11, "CY-011", "十里堡驿站", style="text"),
        good(12, "CY-012", "八里庄驿站", "电动车充电、换电柜、卫生间",
             codes={"ebike_charging", "battery_swap", "toilet"}),
        good(13, "CY-013", "高碑店驿站", "饮水 休息 避雨",
             codes={"drinking_water", "rest_area", "shelter"}),
        good(14, "CY-014", "管庄驿站", "针线包、医药箱、法律咨询",
             codes={"sewing_kit", "first_aid", "legal_aid"}),
        # a mobile number Excel stored as a number
        good(15, "CY-015", "常营驿站", phone=13800138000, expect={"phone": "13800138000"}),
        good(16, "CY-016", "东坝驿站", None, codes=set()),
        good(17, "CY-017", "来广营驿站"),
        BLANK,
        good(18, "CY-018", "太阳宫驿站"),
        good(19, "CY-019", "酒仙桥驿站"),
        jiangtai,
        good(21, "CY-021", "麦子店驿站"),
        good(22, "CY-022", "亮马桥驿站"),
        # -- rows that must be rejected or reported as duplicates
        # no name
        Item(cells={"external_id": "CY-023", "name": None, "district": "朝阳区"}, place=p[23],
             outcome="rejected", issues=(("missing_name", None),)),
        # "abc" as longitude
        Item(cells={"external_id": "CY-024", "name": "左家庄驿站"}, coords=("abc", 39.95),
             outcome="rejected", issues=(("invalid_coordinate", "abc"),)),
        # both coordinates empty
        Item(cells={"external_id": "CY-025", "name": "和平街驿站"}, coords=(None, None),
             outcome="rejected", issues=(("missing_coordinate", None),) * 2),
        # Tokyo: outside China, where GCJ-02 is not defined
        Item(cells={"external_id": "CY-026", "name": "东京驿站"}, coords=TOKYO,
             outcome="rejected", issues=(("coordinate_out_of_range", None),)),
        # two bad numbers on one row: both reported
        Item(cells={"external_id": "CY-027", "name": "小关驿站"}, coords=("116.4.5", "北纬39.9"),
             outcome="rejected", issues=(("invalid_coordinate", "116.4.5"),
                                         ("invalid_coordinate", "北纬39.9"))),
        # the same row again (only 序号 differs)
        replace(third, outcome="duplicate", issues=(("duplicate_row", None),)),
        # an id already used above, with other data
        replace(sixth, cells={**sixth.cells, "phone": "010-99999999"}, outcome="rejected",
                issues=(("duplicate_external_id", "CY-006"),)),
        # no id, same name (spaced differently) 10 m from an earlier row
        replace(jiangtai, cells={**jiangtai.cells, "name": "将台社区 暖心驿站"},
                place=offset(p[20], 10.0, 90.0), outcome="duplicate",
                issues=(("duplicate_station", None),)),
    ]  # fmt: skip
    edits = _Edits(
        phones=("CY-002", "CY-012"),
        move="CY-017",
        new=good(
            28, "CY-028", "亚运村新建驿站", "饮水、热饭", codes={"drinking_water", "microwave"}
        ),
    )
    items = _variant(items, variant, edits)
    rows = [[XLSX_TITLE], list(XLSX_HEADERS.values())]
    rows += _table(items, XLSX_HEADERS, Datum.GCJ02, seq=True)
    write_xlsx(path, {"驿站名录": rows})
    numbers = list(range(3, 3 + len(items)))
    mapping = {f: h for f, h in XLSX_HEADERS.items() if f != "seq"}
    return _truth(
        items, numbers, variant=variant, edits=edits, path=path, format="xlsx", crs="gcj02",
        datum="gcj02", datum_source="option", mapping=mapping, encoding=None, unmapped=["序号"],
    )  # fmt: skip


CSV_HEADERS: Final = {
    "external_id": "编号",
    "name": "站点名称",
    "address": "地址",
    "district": "区县",
    "lon": "经度(百度)",
    "lat": "纬度(百度)",
    "amenities": "服务项目",
    "opening_hours": "营业时间",
    "car_parking_spaces": "停车位",
    "phone": "联系方式",
}


def csv_gbk_bd09(path: Path, *, variant: str = "original") -> Truth:
    """Dongcheng's CSV as WPS saves it: GBK, BD-09 stated by the 经度(百度) header.

    One address is quoted and holds a comma and a line break, so from that record on
    the CSV line numbers the report must give run ahead of the record numbers.
    """
    p = spread(24, _DONGCHENG, seed=101, adcode="110101")

    def good(
        n: int, external_id: str | None, name: str, amenities: str = "饮水、热饭", **kw: Any
    ) -> Item:
        cells = {
            "external_id": external_id,
            "name": name,
            "address": kw.pop("address", f"北京市东城区{name[:2]}大街{n}号"),
            "district": "东城区",
            "amenities": amenities,
            "opening_hours": kw.pop("hours", "08:00-20:00"),
            "car_parking_spaces": kw.pop("parking", ""),
            "phone": kw.pop("phone", f"010-6400{n:04d}"),
        }
        expect = {"amenities": frozenset(kw.pop("codes", {"drinking_water", "microwave"}))}
        expect |= kw.pop("expect", {})
        return Item(cells=cells, place=p[n], digits=6, expect=expect, **kw)

    second = good(
        2,
        "DC-002",
        "王府井工会驿站",
        "饮水、卫生间、充电桩",
        codes={"drinking_water", "toilet", "ev_charging"},
    )
    dongsi = good(9, None, "东四工会驿站")
    fifth = good(5, "DC-005", "东直门暖心驿站")
    items = [
        good(1, "DC-001", "天安门东工会驿站", parking="10", hours="24小时",
             codes={"drinking_water", "microwave", "car_parking"},
             expect={"car_parking_spaces": 10}),
        second,
        # a quoted address with a comma and a line break: the next records start a line later
        good(3, "DC-003", "东单银行网点驿站",
             address="北京市东城区东单北大街1号,\n中国银行一层", expect={
                 "address": "北京市东城区东单北大街1号,\n中国银行一层"}),
        good(4, "DC-004", "建国门中石化驿站", "饮水/WiFi/换电", codes={
            "drinking_water", "wifi", "battery_swap"}),
        fifth,
        BLANK,  # an empty line
        good(6, "DC-006", "北新桥驿站", "饮水、免费雨伞、按摩椅", codes={"drinking_water"},
             issues=(("unknown_amenity_label", "免费雨伞"), ("unknown_amenity_label", "按摩椅"))),
        # full-width digits, as typed with a Chinese input method
        good(7, "DC-007", "雍和宫驿站", style="fullwidth"),
        # a degree sign after the numbers
        good(8, "DC-008", "安定门驿站", style="degree"),
        dongsi,
        good(10, None, "朝阳门南小街驿站", "饮水,休息,避雨", codes={
            "drinking_water", "rest_area", "shelter"}),
        # lat, lon instead of lon, lat
        good(11, "DC-011", "交道口驿站", swapped=True, issues=(("swapped_coordinates", None),)),
        good(12, "DC-012", "和平里驿站", hours="周一至周五9:00-17:00，周末休息", parking="5个",
             codes={"drinking_water", "microwave", "car_parking"},
             expect={"car_parking_spaces": 5}),
        good(13, "DC-013", "崇文门驿站", hours="每天7:00-21:00"),
        good(14, "DC-014", "天坛东门驿站", "卫生间、饮水机、医药箱", codes={
            "toilet", "drinking_water", "first_aid"}),
        # -- rows that must be rejected or reported as duplicates
        Item(cells={"external_id": "DC-015", "name": "", "district": "东城区"}, place=p[15],
             outcome="rejected", issues=(("missing_name", None),)),
        # a letter O in the latitude
        Item(cells={"external_id": "DC-016", "name": "景山驿站"}, coords=("116.403512", "39.92O1"),
             outcome="rejected", issues=(("invalid_coordinate", "39.92O1"),)),
        # 0, 0: a placeholder, not in China
        Item(cells={"external_id": "DC-017", "name": "前门驿站"}, coords=("0", "0"),
             outcome="rejected", issues=(("coordinate_out_of_range", None),)),
        # a longitude no datum has
        Item(cells={"external_id": "DC-018", "name": "永定门驿站"}, coords=("216.41", "39.87"),
             outcome="rejected", issues=(("coordinate_out_of_range", None),)),
        Item(outcome="blank", cells={}),  # a line of empty cells (only commas)
        replace(second, outcome="duplicate", issues=(("duplicate_row", None),)),
        replace(fifth, cells={**fifth.cells, "name": "东直门暖心驿站（新）"}, outcome="rejected",
                issues=(("duplicate_external_id", "DC-005"),)),
        replace(dongsi, cells={**dongsi.cells, "name": "东四 工会驿站"}, outcome="duplicate",
                place=offset(p[9], 10.0, 0.0),
                issues=(("duplicate_station", None),)),
    ]  # fmt: skip
    edits = _Edits(
        phones=("DC-001", "DC-013"),
        move="DC-014",
        new=good(19, "DC-019", "东花市新建驿站"),
    )
    items = _variant(items, variant, edits)
    table = _table(items, CSV_HEADERS, Datum.BD09, seq=False)
    # The second blank is a line of commas, not an empty line.
    blanks = [i for i, item in enumerate(items) if item.outcome == "blank"]
    for i in blanks[1:]:
        table[i] = [""] * len(CSV_HEADERS)
    lines = [csv_text([list(CSV_HEADERS.values())])]
    numbers = []
    line = 2
    for row in table:
        text = csv_text([row])
        numbers.append(line)
        line += text.count("\n")
        lines.append(text)
    path.write_bytes("".join(lines).encode("gbk"))
    return _truth(
        items, numbers, variant=variant, edits=edits, path=path, format="csv", crs=None,
        datum="bd09", datum_source="header", mapping=dict(CSV_HEADERS), encoding="gb18030",
    )  # fmt: skip


GEOJSON_PROPERTIES: Final = {
    "external_id": "id",
    "name": "name",
    "address": "address",
    "district": "district",
    "amenities": "amenities",
    "opening_hours": "opening_hours",
    "phone": "phone",
}


def geojson_wgs84(path: Path, *, variant: str = "original") -> Truth:
    """Haidian's GeoJSON from a GIS: WGS84 points, English property names, Chinese text.

    One feature is a LineString and one has a null geometry: both are rejected.
    """
    p = spread(16, _HAIDIAN, seed=108, adcode="110108")

    def good(
        n: int,
        external_id: str | None,
        name: str,
        amenities: str = "饮水、热饭、无线网络",
        **kw: Any,
    ) -> Item:
        cells = {
            "external_id": external_id,
            "name": name,
            "address": f"北京市海淀区{name[:2]}路{n}号",
            "district": "海淀区",
            "amenities": amenities,
            "opening_hours": kw.pop("hours", "周一至周日 8:30-18:30"),
            "phone": kw.pop("phone", f"010-6200{n:04d}"),
        }
        expect = {"amenities": frozenset(kw.pop("codes", {"drinking_water", "microwave", "wifi"}))}
        return Item(cells=cells, place=p[n], expect=expect | kw.pop("expect", {}), **kw)

    third = good(3, "HD-003", "五道口工会驿站")
    items = [
        good(1, "HD-001", "中关村工会驿站"),
        good(2, "HD-002", "海淀黄庄暖心驿站", "饮水、充电宝、按摩椅", codes={
            "drinking_water", "phone_charging"}, issues=(("unknown_amenity_label", "按摩椅"),)),
        third,
        good(4, "HD-004", "学院路驿站", hours="看情况", expect={"opening_hours": None},
             issues=(("invalid_opening_hours", "看情况"),)),
        # a single point wrapped in a MultiPoint, as some tools write every layer
        replace(good(5, "HD-005", "西二旗驿站"), geometry=MultiPoint([p[5]])),
        good(6, "HD-006", "上地驿站", "厕所/热水/空调", codes={
            "toilet", "drinking_water", "heating_cooling"}),
        good(7, None, "清河驿站"),
        good(8, "HD-008", "苏州街驿站"),
        good(9, "HD-009", "万柳驿站"),
        good(10, "HD-010", "紫竹院驿站"),
        # a WGS84 point outside mainland China is valid: imported with a warning
        Item(cells={"external_id": "HD-011", "name": "东京联络处驿站", "amenities": "饮水"},
             place=TOKYO, expect={"amenities": frozenset({"drinking_water"})},
             issues=(("outside_mainland_china", None),)),
        # -- rows that must be rejected or reported as duplicates
        Item(cells={"external_id": "HD-012", "name": "海淀公园驿站"}, outcome="rejected",
             geometry=LineString([p[12], p[13]]), issues=(("not_a_point", "LineString"),)),
        Item(cells={"external_id": "HD-013", "name": "香山驿站"}, outcome="rejected",
             geometry=None, issues=(("not_a_point", "missing"),)),
        Item(cells={"external_id": "HD-014", "name": None}, place=p[14], outcome="rejected",
             issues=(("missing_name", None),)),
        replace(third, outcome="duplicate", issues=(("duplicate_row", None),)),
    ]  # fmt: skip
    edits = _Edits(phones=("HD-001", "HD-008"), move="HD-009", new=good(15, "HD-015", "西北旺驿站"))
    items = _variant(items, variant, edits)
    features = [
        feature(
            None if (g := _geometry(item)) is None else g.__geo_interface__,
            {h: item.cells.get(f) for f, h in GEOJSON_PROPERTIES.items()},
        )
        for item in items
    ]
    write_geojson(path, features)
    return _truth(
        items, [i + 2 for i in range(len(items))], variant=variant, edits=edits, path=path,
        format="geojson", crs=None, datum="wgs84", datum_source="file",
        mapping=dict(GEOJSON_PROPERTIES), encoding=None,
    )  # fmt: skip


SHAPEFILE_FIELDS: Final = {
    "external_id": "编号",
    "name": "名称",
    "address": "地址",
    "amenities": "服务内容",
    "opening_hours": "开放时间",
    "car_parking_spaces": "停车位",
    "phone": "联系电话",
}


def shapefile_zip(path: Path, *, variant: str = "original") -> Truth:
    """Fengtai's zipped Shapefile: WGS84, GBK attributes with Chinese names, no .cpg.

    The files sit in a folder inside the zip, as zipping a folder does.
    """
    p = spread(12, _FENGTAI, seed=106, adcode="110106")

    def good(
        n: int, external_id: str, name: str, amenities: str = "饮水、卫生间", **kw: Any
    ) -> Item:
        cells = {
            "external_id": external_id,
            "name": name,
            "address": f"北京市丰台区{name[:2]}路{n}号",
            "amenities": amenities,
            "opening_hours": kw.pop("hours", "9:00-18:00"),
            "car_parking_spaces": kw.pop("parking", None),
            "phone": kw.pop("phone", f"010-6300{n:04d}"),
        }
        expect = {"amenities": frozenset(kw.pop("codes", {"drinking_water", "toilet"}))}
        return Item(cells=cells, place=p[n], expect=expect | kw.pop("expect", {}), **kw)

    second = good(
        2, "FT-002", "丰台科技园驿站", parking=8, codes={"drinking_water", "toilet", "car_parking"}
    )
    items = [
        good(1, "FT-001", "丰台体育中心工会驿站"),
        second,
        good(3, "FT-003", "卢沟桥暖心驿站", "饮水、热饭、按摩椅", codes={
            "drinking_water", "microwave"}, issues=(("unknown_amenity_label", "按摩椅"),)),
        good(4, "FT-004", "六里桥驿站", hours="看情况", expect={"opening_hours": None},
             issues=(("invalid_opening_hours", "看情况"),)),
        good(5, "FT-005", "草桥驿站", "电瓶车充电/换电柜",
             codes={"ebike_charging", "battery_swap"}),
        good(6, "FT-006", "马家堡驿站"),
        good(7, "FT-007", "方庄驿站", parking=0, codes={"drinking_water", "toilet"}),
        good(8, "FT-008", "大红门驿站"),
        # -- rows that must be rejected or reported as duplicates
        Item(cells={"external_id": "FT-009", "name": "西局驿站"}, geometry=None,
             outcome="rejected", issues=(("not_a_point", "missing"),)),
        Item(cells={"external_id": "FT-010", "name": None}, place=p[10], outcome="rejected",
             issues=(("missing_name", None),)),
        replace(second, outcome="duplicate", issues=(("duplicate_row", None),)),
    ]  # fmt: skip
    edits = _Edits(phones=("FT-001", "FT-006"), move="FT-008", new=good(11, "FT-011", "花乡驿站"))
    items = _variant(items, variant, edits)
    folder = path.parent / f".{path.stem}.shp.d" / "fengtai"
    folder.mkdir(parents=True)
    shp = folder / "stations.shp"
    frame = _frame(items, SHAPEFILE_FIELDS, "EPSG:4326")
    frame["停车位"] = frame["停车位"].astype("Int64")
    frame.to_file(shp, engine="pyogrio", encoding="gbk")
    (folder / "stations.cpg").unlink(missing_ok=True)  # what most Chinese tools leave out
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, f"fengtai/{part.name}")
    shutil.rmtree(folder.parent)
    return _truth(
        items, [i + 2 for i in range(len(items))], variant=variant, edits=edits, path=path,
        format="shp", crs=None, datum="wgs84", datum_source="file",
        mapping=dict(SHAPEFILE_FIELDS), encoding="gb18030",
    )  # fmt: skip


GPKG_FIELDS: Final = {
    "external_id": "station_id",
    "name": "name",
    "address": "address",
    "district": "district",
    "amenities": "amenities",
    "opening_hours": "opening_hours",
    "car_parking_spaces": "parking",
    "phone": "phone",
    "status": "status",
}


def gpkg_3857(path: Path, *, variant: str = "original") -> Truth:
    """Yuzhong's (Chongqing) GeoPackage in Web Mercator (EPSG:3857), English attributes."""
    p = spread(12, _YUZHONG, seed=103, adcode="500103")

    def good(
        n: int, external_id: str, name: str, amenities: str = "drinking_water,toilet", **kw: Any
    ) -> Item:
        cells = {
            "external_id": external_id,
            "name": name,
            "address": f"重庆市渝中区{name[:3]}{n}号",
            "district": "渝中区",
            "amenities": amenities,
            "opening_hours": kw.pop("hours", "24小时"),
            "car_parking_spaces": kw.pop("parking", None),
            "phone": kw.pop("phone", f"023-6300{n:04d}"),
            "status": kw.pop("status", "open"),
        }
        expect = {"amenities": frozenset(kw.pop("codes", {"drinking_water", "toilet"}))}
        expect |= {"status": cells["status"]}
        return Item(cells=cells, place=p[n], expect=expect | kw.pop("expect", {}), **kw)

    first = good(
        1,
        "YZ-001",
        "解放碑工会驿站",
        parking="12",
        codes={"drinking_water", "toilet", "car_parking"},
        expect={"car_parking_spaces": 12},
    )
    fourth = good(4, "YZ-004", "朝天门驿站")
    items = [
        first,
        good(2, "YZ-002", "较场口暖心驿站", "drinking_water,microwave,ev_charging", codes={
            "drinking_water", "microwave", "ev_charging"}),
        good(3, "YZ-003", "七星岗驿站", status="temporarily_closed"),
        fourth,
        good(5, "YZ-005", "两路口驿站", status="planned"),
        # a status nobody defined: open assumed, with a warning
        good(6, "YZ-006", "大坪驿站", status="maybe", expect={"status": "open"},
             issues=(("unknown_status", "maybe"),)),
        good(7, "YZ-007", "化龙桥驿站", parking="lots", issues=(("invalid_count", "lots"),)),
        good(8, "YZ-008", "菜园坝驿站", "drinking_water,massage_chair", codes={"drinking_water"},
             issues=(("unknown_amenity_label", "massage_chair"),)),
        # -- rows that must be rejected or reported as duplicates
        Item(cells={"external_id": "YZ-009", "name": "上清寺驿站"}, geometry=None,
             outcome="rejected", issues=(("not_a_point", "missing"),)),
        Item(cells={"external_id": "YZ-010", "name": None}, place=p[10], outcome="rejected",
             issues=(("missing_name", None),)),
        replace(fourth, outcome="duplicate", issues=(("duplicate_row", None),)),
        replace(first, cells={**first.cells, "phone": "023-11111111"}, outcome="rejected",
                issues=(("duplicate_external_id", "YZ-001"),)),
    ]  # fmt: skip
    edits = _Edits(phones=("YZ-002", "YZ-003"), move="YZ-005", new=good(11, "YZ-011", "李子坝驿站"))
    items = _variant(items, variant, edits)
    _frame(items, GPKG_FIELDS, "EPSG:3857").to_file(path, layer="stations", engine="pyogrio")
    return _truth(
        items, [i + 2 for i in range(len(items))], variant=variant, edits=edits, path=path,
        format="gpkg", crs=None, datum="wgs84", datum_source="file",
        mapping=dict(GPKG_FIELDS), encoding=None,
    )  # fmt: skip


BUILDERS: Final[dict[str, Callable[..., Truth]]] = {
    "xlsx": xlsx_gcj02,
    "csv": csv_gbk_bd09,
    "geojson": geojson_wgs84,
    "zip": shapefile_zip,
    "gpkg": gpkg_3857,
}


def build(kind: str, directory: Path, *, variant: str = "original", name: str = "list") -> Truth:
    """Build the `kind` list (a key of :data:`BUILDERS`, also its file extension)."""
    return BUILDERS[kind](directory / f"{name}.{kind}", variant=variant)


__all__ = [
    "BUILDERS",
    "GEOD",
    "TOKYO",
    "Item",
    "Truth",
    "build",
    "csv_gbk_bd09",
    "geojson_wgs84",
    "gpkg_3857",
    "offset",
    "shapefile_zip",
    "spread",
    "xlsx_gcj02",
]
