"""``stationfinder stations``: add, show and remove one station.

A position typed here is stored for every rider to be sent to, and one copied from a
map app is GCJ-02 (Amap, Tencent) or BD-09 (Baidu), hundreds of metres from WGS84: so
``stations add`` assumes no datum and requires ``--crs`` (the rule:
``geo.datum_names``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.common import DbOpt, JsonOpt, checked, fail, out, registry_at
from cli.safe import line, print_json, row
from geo.access import cli_actor
from geo.amenities import split_codes
from geo.datums import Datum, parse_datum
from geo.errors import CrsRequired
from geo.geojson import feature_to_fields, station_feature
from geo.model import build_station_data

stations_app = typer.Typer(
    help="新增、查看、删除驿站 / add, show and remove stations.", no_args_is_help=True
)


@stations_app.command("add")
def stations_add(
    name: Annotated[str, typer.Option(help="Station name.")],
    lon: Annotated[float, typer.Option(help="Longitude in datum --crs.")],
    lat: Annotated[float, typer.Option(help="Latitude in datum --crs.")],
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs",
            help="Required: the datum of --lon/--lat, i.e. the map they were read from: "
            "gcj02 (高德, 腾讯), bd09 (百度), wgs84 (GPS).",
        ),
    ] = None,
    amenities: Annotated[
        str | None,
        typer.Option(help="Amenities by code or name: microwave,toilet or 微波炉、卫生间."),
    ] = None,
    address: Annotated[str | None, typer.Option()] = None,
    district: Annotated[str | None, typer.Option()] = None,
    adcode: Annotated[str | None, typer.Option()] = None,
    host: Annotated[str | None, typer.Option(help="Host organisation (bank, shop...).")] = None,
    hours: Annotated[
        str | None, typer.Option(help="Opening hours, e.g. 24小时, 08:00-20:00.")
    ] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str, typer.Option(help="open, temporarily_closed or planned.")] = "open",
    external_id: Annotated[str | None, typer.Option(help="The source list's own id.")] = None,
    car_parking_spaces: Annotated[int | None, typer.Option()] = None,
    motorcycle_parking_spaces: Annotated[int | None, typer.Option()] = None,
    ev_charging_piles: Annotated[int | None, typer.Option()] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """新增驿站 / Add a station (--crs required: the map the position was read from)."""
    if crs is None:
        fail(crs_required())
    datum = checked(lambda: parse_datum(crs))
    feature = {
        "type": "Feature",
        "crs": datum.value,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "name": name,
            "amenities": list(checked(lambda: split_codes(amenities))),
            "address": address,
            "district": district,
            "adcode": adcode,
            "host": host,
            "opening_hours": hours,
            "phone": phone,
            "status": status,
            "external_id": external_id,
            "car_parking_spaces": car_parking_spaces,
            "motorcycle_parking_spaces": motorcycle_parking_spaces,
            "ev_charging_piles": ev_charging_piles,
        },
    }
    data = checked(lambda: build_station_data(feature_to_fields(feature)))
    with registry_at(database_url) as registry:
        station = registry.create(data=data, actor=cli_actor())
    if as_json:
        live = registry.live.properties(station.id)
        feature = station_feature(station, standalone=True, extra=live)
        print_json(feature | {"input_crs": datum.value})
    else:
        out.print(
            line(
                f"已新增驿站 / added station {station.id}: {station.name}"
                f"（位置按 {datum.label} 读取 / position read as {datum.label}）"
            )
        )


def crs_required() -> CrsRequired:
    """The refusal of ``stations add`` without ``--crs``."""
    return CrsRequired(
        "--crs is required: say which map --lon/--lat were read from: --crs gcj02 for Amap "
        "or Tencent (also --crs 高德), --crs bd09 for Baidu (--crs 百度), --crs wgs84 for a "
        "GPS device (--crs gps). They differ by hundreds of metres, so none is assumed",
        "必须用 --crs 说明 --lon/--lat 取自哪种地图：高德或腾讯地图用 --crs gcj02（也可写 "
        "--crs 高德），百度地图用 --crs bd09（--crs 百度），GPS 设备用 --crs wgs84（--crs gps）。"
        "各坐标系相差可达数百米，因此不作默认",
        details=[{"option": "--crs", "accepted": [d.value for d in Datum]}],
    )


@stations_app.command("show")
def stations_show(
    station_id: Annotated[int, typer.Argument(help="Station id.")],
    out_crs: Annotated[str, typer.Option(help="Datum of printed coordinates.")] = "wgs84",
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """查看驿站 / Show one station."""
    datum = checked(lambda: parse_datum(out_crs))
    with registry_at(database_url) as registry:
        station = registry.get(station_id=station_id)
        live = registry.live.properties(station_id)
        feature = station_feature(station, datum=datum, standalone=True, extra=live)
    if as_json:
        print_json(feature)
        return
    table = Table(show_header=False, title=f"驿站 / station {station_id}")
    table.add_column("field")
    table.add_column("value", overflow="fold")  # all of a long value, not an ellipsis
    props = feature["properties"]
    x, y = feature["geometry"]["coordinates"]
    row(table, f"位置 location ({datum.value})", f"{x:.7f}, {y:.7f}")
    for key, value in props.items():
        if key == "amenity_labels":
            value = "、".join(f"{a['zh']} {a['en']}" for a in value)
        row(table, key, "—" if value in (None, [], "") else value)
    out.print(table)


@stations_app.command("rm")
def stations_rm(
    station_id: Annotated[int, typer.Argument(help="Station id.")],
    database_url: DbOpt = None,
) -> None:
    """删除驿站 / Remove a station."""
    with registry_at(database_url) as registry:
        station = registry.delete(station_id=station_id, actor=cli_actor())
    out.print(line(f"已删除驿站 / removed station {station.id}: {station.name}"))
