"""The words of station-list headers: the fields, their aliases, and datum words.

Tables only, read by :func:`geo.imports.columns.recognise_columns` (whose docstring
says how headers are normalised and matched against them): :data:`FIELDS`, the station
fields a column can hold; :data:`ALIASES`, the headers people write for each;
:data:`EXACT_ONLY`, aliases trusted only as a whole header; :data:`DATUM_WORDS`, the
words that make a coordinate header state its datum.
"""

from __future__ import annotations

from typing import Final

from geo.datums import Datum

FIELDS: Final = (
    "external_id",
    "name",
    "lon",
    "lat",
    "address",
    "district",
    "adcode",
    "city",
    "city_adcode",
    "province",
    "province_adcode",
    "host",
    "amenities",
    "opening_hours",
    "car_parking_spaces",
    "motorcycle_parking_spaces",
    "ev_charging_piles",
    "phone",
    "status",
    "lonlat",  # pseudo-field: one column holding "lon,lat" (e.g. 坐标 "116.4,39.9")
)

# Aliases as people write them; they are normalised like headers before comparison, so
# "station_name" also matches "Station Name", and "经度" also matches "经度（GCJ02）".
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "external_id": (
        "编号", "站点编号", "驿站编号", "站点编码", "驿站编码", "站点代码", "驿站代码",
        "站点id", "驿站id", "编码", "id", "station_id", "external_id",
    ),
    "name": (
        "驿站名称", "站点名称", "网点名称", "驿站名", "站点名", "站名", "名称", "驿站", "站点",
        "name", "station_name",
    ),
    "lon": ("经度", "东经", "坐标x", "x坐标", "lng", "lon", "long", "longitude", "x"),
    "lat": ("纬度", "北纬", "坐标y", "y坐标", "lat", "latitude", "y"),
    "lonlat": (
        "坐标", "经纬度", "经纬度坐标", "坐标位置", "位置坐标",
        "coordinates", "coordinate", "location", "lnglat", "lonlat",
    ),
    "address": (
        "详细地址", "站点地址", "驿站地址", "具体地址", "所在地址", "地址", "位置", "address",
    ),
    "district": (
        "所属区", "所在区", "区县", "所属区县", "所在区县", "行政区", "辖区", "区",
        "district", "county",
    ),
    "adcode": (
        "行政区划代码", "区划代码", "行政区划编码", "区划编码", "行政区代码", "区县代码", "adcode",
    ),
    "city": ("城市", "所属城市", "所在城市", "所属市", "所在市", "地市", "市", "city"),
    "city_adcode": ("城市行政区划代码", "市级行政区划代码", "城市代码", "city_adcode"),
    "province": ("省份", "所属省份", "所在省份", "所属省", "所在省", "省", "province"),
    "province_adcode": ("省级行政区划代码", "省份代码", "province_adcode"),
    "host": (
        "依托单位", "承建单位", "主办单位", "所属单位", "承办单位", "建设单位", "运营单位",
        "管理单位", "host",
    ),
    "amenities": (
        "服务内容", "服务项目", "服务设施", "配套设施", "设施", "服务功能", "功能",
        "amenities", "services", "facilities",
    ),
    "opening_hours": (
        "开放时间", "营业时间", "服务时间", "开放时段", "办公时间", "工作时间",
        "opening_hours", "hours",
    ),
    "car_parking_spaces": (
        "停车位", "机动车停车位", "汽车停车位", "停车位数", "停车位数量", "车位", "机动车车位",
        "car_parking_spaces", "parking",
    ),
    "motorcycle_parking_spaces": (
        "摩托车停车位", "电动车停车位", "电瓶车停车位", "电动自行车停车位", "非机动车停车位",
        "摩托车车位", "电动车车位", "非机动车车位", "motorcycle_parking_spaces",
    ),
    "ev_charging_piles": (
        "充电桩", "充电桩数量", "充电桩数", "汽车充电桩", "新能源充电桩", "电动汽车充电桩",
        "ev_charging_piles", "charging_piles", "ev_chargers",
    ),
    "phone": (
        "联系电话", "联系方式", "电话", "电话号码", "手机", "手机号", "联系手机",
        "phone", "tel", "telephone", "mobile",
    ),
    "status": ("状态", "运营状态", "开放状态", "站点状态", "驿站状态", "status"),
}  # fmt: skip

# Aliases that only match a whole header: inside a longer one they mean something else
# (邮政编码, 手机充电, 坐标系, 功能区, taxi).
EXACT_ONLY: Final = frozenset(
    {
        "编号",
        "编码",
        "id",
        "驿站",
        "站点",
        "x",
        "y",
        "long",
        "位置",
        "区",
        "功能",
        "手机",
        "市",
        "省",
    }
    | set(ALIASES["lonlat"])
)

# Datum words in a coordinate header, as regular expressions over the normalised text.
DATUM_WORDS: Final[dict[Datum, str]] = {
    Datum.BD09: r"百度|baidu|bd-?09(?:ll)?|(?<![a-z])bd(?![a-z])",
    Datum.GCJ02: r"高德|腾讯|火星|gcj-?02|gcj|amap|gaode|tencent|(?<![a-z])qq(?![a-z])",
    # CGCS2000 (the national datum) agrees with WGS84 to centimetres.
    Datum.WGS84: r"wgs-?84|wgs|gps|cgcs-?2000|国家2000|(?<![\d.])84(?!\d)",
}
