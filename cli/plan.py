"""``stationfinder plan sites``: where the next stations should go (``geo.planning``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import DbOpt, checked, err, out, registry_at, write_out
from cli.maps import DemandCrsOpt, DemandOpt, DistrictOpt
from cli.safe import line, print_json, row
from geo.coverage.demand import read_demand
from geo.errors import InvalidParameter
from geo.planning.candidate_file import read_candidates
from geo.planning.mclp import DEFAULT_TIME_LIMIT_S
from geo.planning.outputs import write_sites
from geo.planning.site_map import sites_map_data
from geo.planning.sites import SitesResult, plan_sites
from maps.i18n import parse_lang
from maps.sites_map import render_sites_html

plan_app = typer.Typer(help="选址规划 / where to build next.", no_args_is_help=True)

_FORMATS = (".json", ".csv", ".geojson", ".xlsx", ".html")


def _check_out(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise InvalidParameter(
            f"--out {path.name}: write .json, .csv, .geojson, .xlsx or .html (a map)",
            f"--out {path.name}：输出文件应为 .json、.csv、.geojson、.xlsx 或 .html（地图）",
            details=[{"parameter": "out", "accepted": list(_FORMATS)}],
        )
    return suffix


def _show(result: SitesResult, doc: dict[str, Any]) -> None:
    p = result.plan
    unit = "km²" if result.demand_kind == "uniform" else ""
    area = doc["area"]
    out.print(line(f"选址 / sites for {area['name']} ({area['name_en']}), "
                   f"半径 radius {result.radius_m:g} m"))  # fmt: skip
    table = Table(title="建议站址 / suggested sites")
    for col in ("#", "名称 name", "经度 lon", "纬度 lat", "区县 adcode", f"新增覆盖 gain {unit}"):
        table.add_column(col, overflow="fold")
    for s in doc["sites"]:
        row(table, s["rank"], s["name"], f"{s['lon']:.6f}", f"{s['lat']:.6f}",
            s["adcode"] or "—", f"{s['gain_weight']:,.2f}")  # fmt: skip
    out.print(table)

    def share(weight: float) -> str:
        return f"{100 * weight / p.total_weight:.1f}%" if p.total_weight else "—"

    before, after = share(p.existing_covered_weight), share(p.covered_weight)
    out.print(line(f"已有驿站覆盖 / covered by existing stations: {before}"))
    out.print(line(f"加上建议站址 / with these sites: {after}"))
    if p.optimal:
        out.print(line(f"已证明最优 / proven optimal ({p.method})"))
    else:
        out.print(line(f"与最优差距至多 / within {100 * p.gap:.2f}% of the optimum ({p.method})"))
    if p.shortfall and not p.sites:
        out.print(line("已有驿站已覆盖候选点所能覆盖的全部需求：无需新建"))
        out.print(line("  the stations already cover all the candidates reach: nothing to build"))
    elif p.shortfall:
        n = len(p.sites)
        out.print(line(f"只需 {n} 个站址即可覆盖候选点所能覆盖的全部需求"))
        out.print(line(f"  {n} sites already cover all that the candidates can reach"))
    if result.demand_outside:
        out.print(line(f"范围外的需求点 {result.demand_outside} 个未计入 / demand points outside "
                       "the area, left out"))  # fmt: skip
    if result.candidates.skipped_count:
        out.print(line(f"跳过 {result.candidates.skipped_count} 行候选点 / candidate rows "
                       "skipped (--json lists them)"))  # fmt: skip


@plan_app.command("sites")
def plan_sites_command(
    count: Annotated[int, typer.Option(help="How many new sites to choose.")],
    city: Annotated[
        str | None,
        typer.Option(
            help="The area: adcode or Chinese name (110105, 北京市朝阳区). Default: "
            "the extent of the demand and candidates."
        ),
    ] = None,
    district: DistrictOpt = None,
    amenities: Annotated[
        str | None,
        typer.Option(
            help="What the new sites offer (ev_charging, 充电桩、停车位); stations "
            "that already do count as existing coverage. Default: any station."
        ),
    ] = None,
    radius_m: Annotated[float, typer.Option("--radius-m", help="Service radius, metres.")] = 1000,
    candidates: Annotated[
        Path | None,
        typer.Option(
            help="Candidate sites: CSV, XLSX, GeoJSON, GPKG, Shapefile (name, "
            "经度/纬度 or a point)."
        ),
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="Datum of the candidates file (table default gcj02).")
    ] = None,
    from_stations: Annotated[
        bool, typer.Option(help="Candidates: open stations that lack --amenities.")
    ] = False,
    grid_m: Annotated[
        float | None, typer.Option(help="Candidates: a grid with this spacing (default).")
    ] = None,
    demand: DemandOpt = None,
    demand_crs: DemandCrsOpt = None,
    demand_grid_m: Annotated[
        float | None,
        typer.Option(help="Without --demand: spacing of the even demand grid, metres."),
    ] = None,
    method: Annotated[str, typer.Option(help="auto, exact or greedy.")] = "auto",
    time_limit_s: Annotated[float, typer.Option(help="Most seconds for the exact solver.")] = (
        DEFAULT_TIME_LIMIT_S
    ),
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the plan to .json, .csv, .geojson, .xlsx or .html (a map)."
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the .html map: zh or en.")] = "zh",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    database_url: DbOpt = None,
) -> None:
    """选址 / Choose sites covering the most demand not yet within --radius-m of a station
    with --amenities (maximal covering; proven optimal or with its gap)."""
    suffix = checked(lambda: _check_out(out_path)) if out_path is not None else None
    lang = checked(lambda: parse_lang(lang))
    points = checked(lambda: read_demand(demand, crs=demand_crs)) if demand else None
    sites = checked(lambda: read_candidates(candidates, crs=crs)) if candidates else None
    with registry_at(database_url) as registry:
        result = checked(
            lambda: plan_sites(
                registry,
                count=count,
                radius_m=radius_m,
                city=city,
                district=district,
                amenities=amenities,
                candidates=sites,
                from_stations=from_stations,
                grid_m=grid_m,
                demand=points,
                demand_grid_m=demand_grid_m,
                method=method,
                time_limit_s=time_limit_s,
            )
        )
        if suffix == ".html":  # the map draws the stations as they are now
            page = render_sites_html(sites_map_data(registry, result), lang=lang)
    doc = result.as_dict()
    if out_path is not None and suffix is not None:
        data = page.encode("utf-8") if suffix == ".html" else write_sites(doc, suffix)
        write_out(out_path, data)
        err.print(line(f"已写入 / wrote {out_path}"))
    if as_json:
        print_json(doc)
    else:
        _show(result, doc)
