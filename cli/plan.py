"""``stationfinder plan sites``: where the next stations should go (``geo.planning``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import DbOpt, checked, err, out, registry_at
from cli.maps import DemandCrsOpt, DemandOpt, DistrictOpt
from cli.safe import line, print_json, row
from geo.coverage.demand import read_demand
from geo.errors import InvalidParameter
from geo.formulas import escape_formula
from geo.planning.candidate_file import read_candidates
from geo.planning.mclp import DEFAULT_TIME_LIMIT_S
from geo.planning.sites import SitesResult, plan_sites

plan_app = typer.Typer(help="选址规划 / where to build next.", no_args_is_help=True)

_FORMATS = (".json", ".csv", ".geojson")


def _csv(doc: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["rank", "name", "lon", "lat", "adcode", "gain_weight"])
    for s in doc["sites"]:  # a name is a cell, never a formula
        name = escape_formula(s["name"])
        writer.writerow([s["rank"], name, s["lon"], s["lat"], s["adcode"] or "", s["gain_weight"]])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _geojson(doc: dict[str, Any]) -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
            "properties": {k: v for k, v in s.items() if k not in ("lon", "lat")},
        }
        for s in doc["sites"]
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1
    ).encode("utf-8")


def _write(doc: dict[str, Any], path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise InvalidParameter(
            f"--out {path.name}: write .json, .csv or .geojson",
            f"--out {path.name}：输出文件应为 .json、.csv 或 .geojson",
            details=[{"parameter": "out", "accepted": list(_FORMATS)}],
        )
    if suffix == ".json":
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        path.write_bytes(_csv(doc) if suffix == ".csv" else _geojson(doc))


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
    if p.shortfall:
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
        Path | None, typer.Option("--out", help="Write the sites to .json, .csv or .geojson.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    database_url: DbOpt = None,
) -> None:
    """选址 / Choose sites covering the most demand not yet within --radius-m of a station
    with --amenities (maximal covering; proven optimal or with its gap)."""
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
    doc = result.as_dict()
    if out_path is not None:
        checked(lambda: _write(doc, out_path))
        err.print(line(f"已写入 / wrote {out_path}"))
    if as_json:
        print_json(doc)
    else:
        _show(result, doc)
