"""``stationfinder map coverage`` and ``stationfinder coverage stats``: maps and figures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import DbOpt, checked, err, out, registry_at, write_out
from cli.safe import line
from geo.coverage import CoverageResult, build_coverage
from geo.coverage.demand import read_demand
from geo.coverage.table import check_format, write_table
from geo.datums import Datum
from maps.i18n import parse_lang

map_app = typer.Typer(help="覆盖地图 / coverage maps for planners.", no_args_is_help=True)
coverage_app = typer.Typer(help="覆盖统计 / coverage figures per district.", no_args_is_help=True)

CityOpt = Annotated[
    str,
    typer.Option(
        help="An area of China by adcode or Chinese name (410100, 郑州市, 浙江省), beijing, "
        "chongqing, or a WGS84 bbox min_lon,min_lat,max_lon,max_lat."
    ),
]
DistrictOpt = Annotated[
    str | None,
    typer.Option(help="Districts, comma-separated: adcode, 朝阳区/朝阳 or Chaoyang."),
]
AmenitiesOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Amenity filter (codes or names joined by ',' or '、', all required); ';' or "
        "'；' or repeating the option adds filters, e.g. 'ev_charging;microwave,toilet' or "
        "'充电桩；微波炉、卫生间'. Default: all stations."
    ),
]
RadiiOpt = Annotated[
    str | None, typer.Option("--radius-m", help="Radii in metres (default 500,1000,2000).")
]
DemandOpt = Annotated[
    Path | None, typer.Option(help="Demand points (.csv or .geojson), optionally weighted.")
]
DemandCrsOpt = Annotated[
    str | None, typer.Option(help="Datum of the demand points (CSV default gcj02).")
]


def _compute(
    *,
    city: str,
    district: str | None,
    amenities: list[str] | None,
    radius_m: str | None,
    demand: Path | None,
    demand_crs: str | None,
    database_url: str | None,
    exclude_confirmed: str | None = None,
    drawing: bool = True,
) -> CoverageResult:
    points = checked(lambda: read_demand(demand, crs=demand_crs)) if demand else None
    if points is not None:  # the datum rule: say which datum was read, and why
        why = {"option": "--demand-crs", "file": "文件 file", "default": "默认 default"}
        label = Datum(points.datum).label
        err.print(
            line(
                f"需求点 demand: {len(points)} 个点 points, 按 {label} 读取 / read as {label} "
                f"({why[points.datum_source]})"
            )
        )
    with registry_at(database_url) as registry:
        return build_coverage(
            registry,
            city=city,
            district=district,
            amenities=amenities,
            radius_m=radius_m,
            demand=points,
            exclude_confirmed=exclude_confirmed,
            drawing=drawing,
        )


@map_app.command("coverage")
def map_coverage(
    city: CityOpt,
    district: DistrictOpt = None,
    amenities: AmenitiesOpt = None,
    radius_m: RadiiOpt = None,
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "coverage.html"
    ),
    lang: Annotated[str, typer.Option(help="Language of the map: zh or en.")] = "zh",
    offline: Annotated[
        bool,
        typer.Option(help="Inline Leaflet and every asset (no CDN); --no-offline links a CDN."),
    ] = True,
    demand: DemandOpt = None,
    demand_crs: DemandCrsOpt = None,
    database_url: DbOpt = None,
) -> None:
    """生成覆盖地图 / Write a coverage map as one self-contained HTML file."""
    from maps.coverage_map import render_coverage_html

    lang = checked(lambda: parse_lang(lang))
    result = _compute(
        city=city,
        district=district,
        amenities=amenities,
        radius_m=radius_m,
        demand=demand,
        demand_crs=demand_crs,
        database_url=database_url,
    )
    page = render_coverage_html(result, lang=lang, offline=offline)
    write_out(out_path, page.encode("utf-8"))
    size_mb = len(page.encode("utf-8")) / 1e6
    total = result.total
    out.print(
        line(
            f"已生成覆盖地图 / wrote {out_path} ({size_mb:.1f} MB): {total.name} "
            f"{total.name_en}, {total.stations} 个驿站 / stations"
        )
    )
    for ff in total.filters:
        shares = ", ".join(f"{r.radius_m:g} m {100 * r.share:.1f}%" for r in ff.radii)
        out.print(line(f"  {ff.filter.label('zh')} ({ff.matching_stations}): {shares}"))


@coverage_app.command("stats")
def coverage_stats(
    city: CityOpt,
    district: DistrictOpt = None,
    amenities: AmenitiesOpt = None,
    radius_m: RadiiOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or xlsx.")] = "csv",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout; xlsx needs it).")
    ] = None,
    demand: DemandOpt = None,
    demand_crs: DemandCrsOpt = None,
    exclude_confirmed: Annotated[
        str | None,
        typer.Option(
            help="Leave out stations with a report of these kinds confirmed within the "
            "kind's lifetime: wrong_location,no_water (stationfinder reports kinds)."
        ),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """覆盖统计表 / Area, stations, covered area and share per radius, per district."""
    fmt = checked(lambda: check_format(fmt))
    if fmt == "xlsx" and out_path is None:
        err.print(line(("错误 / error", "red"), ": xlsx 需要 --out / xlsx needs --out FILE"))
        raise typer.Exit(code=2)
    result = _compute(
        city=city,
        district=district,
        amenities=amenities,
        radius_m=radius_m,
        demand=demand,
        demand_crs=demand_crs,
        database_url=database_url,
        exclude_confirmed=exclude_confirmed,
        drawing=False,  # a table: figures only
    )
    data = write_table(result, fmt)
    if out_path is None:
        sys.stdout.buffer.write(data)  # CSV with its BOM: `> file.csv` opens right in Excel
        sys.stdout.flush()
    else:
        write_out(out_path, data)
        err.print(line(f"已写入 / wrote {out_path}"))
