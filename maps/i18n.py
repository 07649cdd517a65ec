"""The words on a coverage map, Chinese first, English available."""

from __future__ import annotations

from typing import Final

from geo.errors import InvalidParameter

__all__ = ["LANGS", "TEXT", "parse_lang"]

LANGS: Final = ("zh", "en")

TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "title": "{area} 驿站服务覆盖",
        "subtitle": "开放驿站 {stations} 个；直线距离半径 {radii}；面积按等积投影计算",
        "outlines": "区县界线",
        "stations": "驿站 · {filter}",
        "covered": "已覆盖 {radius} · {filter}",
        "uncovered": "未覆盖 {radius} · {filter}",
        "choropleth": "各区覆盖率 {radius} · {filter}",
        "heat": "需求热力",
        "no_basemap": "无底图（以区县界线为参照）",
        "osm": "OpenStreetMap 底图（WGS84）",
        "amap": "高德地图底图（GCJ-02）",
        "datum_wgs84": "坐标：WGS84",
        "datum_gcj02": "坐标：已转换为 GCJ-02 以匹配高德底图",
        "summary": "统计摘要",
        "filter": "筛选：{filter}（符合条件的驿站 {matching} 个）",
        "district": "区县",
        "area_km2": "面积 km²",
        "n_stations": "驿站",
        "matching": "符合",
        "share_at": "{radius} 覆盖率",
        "demand_at": "{radius} 需求覆盖",
        "total": "合计",
        "legend": "覆盖率（面积占比）",
        "address": "地址",
        "amenities": "服务设施",
        "hours": "开放时间",
        "car": "机动车停车位",
        "moto": "摩托车/电动车停车位",
        "ev": "充电桩",
        "all": "全部驿站",
        "layers": "图层",
        "basemap": "底图",
        "radius": "服务半径",
        "filter_pick": "筛选",
        "view": "显示",
        "view_area": "覆盖范围（已覆盖 / 未覆盖）",
        "view_districts": "各区覆盖率",
        "show": "叠加显示",
        "stations_toggle": "驿站",
        "labels": "区县名称",
        "offline": "未能加载街道底图（离线？）：仅显示区县界线",
        "key_covered": "已覆盖",
        "key_uncovered": "未覆盖",
    },
    "en": {
        "title": "Rest-station coverage: {area}",
        "subtitle": "{stations} open stations; straight-line radius {radii}; areas in an "
        "equal-area projection",
        "outlines": "District outlines",
        "stations": "Stations · {filter}",
        "covered": "Covered within {radius} · {filter}",
        "uncovered": "Not covered within {radius} · {filter}",
        "choropleth": "Covered share by district, {radius} · {filter}",
        "heat": "Demand heat",
        "no_basemap": "No basemap (district outlines)",
        "osm": "OpenStreetMap basemap (WGS84)",
        "amap": "Amap basemap (GCJ-02)",
        "datum_wgs84": "Coordinates: WGS84",
        "datum_gcj02": "Coordinates: shifted to GCJ-02 to match the Amap basemap",
        "summary": "Summary",
        "filter": "Filter: {filter} ({matching} matching stations)",
        "district": "District",
        "area_km2": "Area km²",
        "n_stations": "Stations",
        "matching": "Matching",
        "share_at": "Covered {radius}",
        "demand_at": "Demand {radius}",
        "total": "Total",
        "legend": "Covered share of area",
        "address": "Address",
        "amenities": "Amenities",
        "hours": "Opening hours",
        "car": "Car spaces",
        "moto": "Motorcycle/e-bike spaces",
        "ev": "EV charging piles",
        "all": "All stations",
        "layers": "Layers",
        "basemap": "Basemap",
        "radius": "Service radius",
        "filter_pick": "Filter",
        "view": "Show",
        "view_area": "Covered and uncovered areas",
        "view_districts": "Covered share by district",
        "show": "Also show",
        "stations_toggle": "Stations",
        "labels": "District names",
        "offline": "No street basemap (offline?): district outlines only",
        "key_covered": "Covered",
        "key_uncovered": "Not covered",
    },
}


def parse_lang(value: str | None) -> str:
    """``zh`` (default) or ``en``; raises ``InvalidParameter`` for anything else."""
    lang = (value or "zh").strip().lower()
    if lang not in LANGS:
        raise InvalidParameter(
            f"lang={value!r} is invalid: expected zh or en",
            f"参数 lang={value!r} 无效：应为 zh 或 en",
            details=[{"parameter": "lang", "value": str(value), "accepted": list(LANGS)}],
        )
    return lang
