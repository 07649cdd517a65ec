"""The ``stationfinder`` command: serve the API, search, and edit the registry.

Every command calls the same domain functions as the HTTP API, so a rule enforced
there is enforced here, with the same messages (Chinese first, then English).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.backup import register as register_backup
from cli.common import (
    CrsOpt,
    DbOpt,
    JsonOpt,
    check_port,
    checked,
    err,
    key_actor,
    out,
    refusals,
    registry_at,
    require_file,
    shown_url,
)
from cli.keys import register as register_keys
from cli.maps import coverage_app, map_app
from cli.plan import plan_app
from cli.reports import reports_app
from cli.safe import line, print_json, row
from cli.stations import stations_app
from cli.usage import run
from geo.access import cli_actor
from geo.datums import parse_datum
from geo.geojson import nearest_collection
from geo.hours.calendar import working_calendar
from geo.outlines.areas import districts_of
from geo.search import build_nearest_query, nearest_hint
from geo.settings import get_settings
from geo.startup import load_demo, prepare_registry
from geo.textsearch import parse_query

app = typer.Typer(
    help="驿站查找 stationfinder: nearest rest stations for couriers and drivers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(stations_app, name="stations")
app.add_typer(map_app, name="map")
app.add_typer(coverage_app, name="coverage")
app.add_typer(plan_app, name="plan")  # where to build next
app.add_typer(reports_app, name="reports")  # couriers' reports: kinds, list, confirm...
register_backup(app)  # backup, restore
register_keys(app)  # keys create|list|revoke, audit


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database_url: DbOpt = None,
    no_demo: Annotated[
        bool, typer.Option("--no-demo", help="Do not load the demo registry into an empty store.")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes; each follows the others' writes.")
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log a line per request (JSON, or text on a terminal); off if the proxy logs.",
        ),
    ] = True,
) -> None:
    """启动 HTTP 服务 / Serve the HTTP API (loads the demo registry on first start)."""
    from api.main import create_app
    from api.metrics import MULTIPROC_ENV
    from api.server import serve as run_server
    from api.settings import get_api_settings

    base = get_api_settings()
    update: dict[str, Any] = {"demo": base.demo and not no_demo, "access_log": access_log}
    if database_url:
        update["database_url"] = database_url
    settings = base.model_copy(update=update)
    checked(working_calendar)  # a calendar file added by hand is read before serving
    check_port(host, port)  # before the URL is printed
    err.print(
        line(
            f"stationfinder: {shown_url(settings.database_url)} → http://{host}:{port}/docs"
            + (f" ({workers} workers)" if workers > 1 else "")
        )
    )
    if workers == 1:
        # The store is opened by the app's start-up, inside uvicorn: what fails there
        # (a damaged SQLite file, an unreachable database) comes back here.
        with refusals(settings.database_url):
            run_server(create_app(settings), host=host, port=port)
        return
    # The demo is loaded once, here, not by every worker at the same time; the workers
    # build the app from the environment (uvicorn starts them by import string).
    with registry_at(settings.database_url) as registry:
        checked(lambda: prepare_registry(registry, demo=settings.demo, seed=settings.demo_seed))
    os.environ["STATIONFINDER_DATABASE_URL"] = settings.database_url
    os.environ["STATIONFINDER_DEMO"] = "0"
    os.environ["STATIONFINDER_ACCESS_LOG"] = "1" if access_log else "0"
    get_settings.cache_clear()
    get_api_settings.cache_clear()
    # Every worker's metrics in one directory: a scrape of any worker sums them all.
    with tempfile.TemporaryDirectory(prefix="stationfinder-metrics-") as shared:
        os.environ[MULTIPROC_ENV] = shared
        run_server("api.main:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def nearest(
    lon: Annotated[float, typer.Option(help="Longitude (degrees) in datum --crs.")],
    lat: Annotated[float, typer.Option(help="Latitude (degrees) in datum --crs.")],
    crs: CrsOpt = "wgs84",
    k: Annotated[int, typer.Option(help="How many stations (1-100).")] = 5,
    amenities: Annotated[
        str | None,
        typer.Option(help="Required amenities, by code or name: microwave,toilet (微波炉、卫生间)"),
    ] = None,
    max_distance_m: Annotated[float | None, typer.Option(help="Search radius in metres.")] = None,
    open_at: Annotated[
        str | None, typer.Option(help="ISO 8601 time (default now); 'any' ignores hours.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="Statuses (default open); 'any'.")] = None,
    include_unknown: Annotated[
        bool,
        typer.Option(
            "--include-unknown",
            help="Also list stations whose state at that time is unknown (no hours, "
            "'by appointment', a holiday rule in a year the calendar does not know).",
        ),
    ] = False,
    exclude_reported: Annotated[
        str | None,
        typer.Option(
            help="Leave out stations couriers report so now: parking_full,closed_now "
            "(stationfinder reports kinds)."
        ),
    ] = None,
    out_crs: Annotated[str, typer.Option(help="Datum of printed coordinates.")] = "wgs84",
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """查找最近的合适驿站 / Nearest stations with the given amenities, open at a time."""
    query = checked(
        lambda: build_nearest_query(
            lon=lon,
            lat=lat,
            crs=crs,
            k=k,
            amenities=amenities,
            max_distance_m=max_distance_m,
            open_at=open_at,
            status=status,
            include_unknown=include_unknown,
            exclude_reported=exclude_reported,
        )
    )
    datum = checked(lambda: parse_datum(out_crs))
    with registry_at(database_url) as registry:
        doc = nearest_collection(registry.nearest(query), datum=datum, live=registry.live)
    if (hint := nearest_hint(query)) is not None:
        doc["hint"] = hint
        err.print(line(("提示 / hint", "yellow"), f": {hint['message_zh']}"))
        err.print(line(f"  {hint['message']}"))
    if as_json:
        print_json(doc)
        return
    said = query.crs.label  # the datum rule: say which datum the position was read in
    table = Table(
        title="最近的驿站 / nearest stations",
        caption=f"位置按 {said} 读取 / position read as {said}",
    )
    table.add_column("#", justify="right")
    table.add_column("id", justify="right")
    table.add_column("名称 name", overflow="fold", ratio=3)
    table.add_column("距离 m", justify="right")
    table.add_column("设施 amenities", overflow="fold", ratio=3)
    table.add_column("开放 hours", overflow="fold", ratio=2)
    reported = any(f["properties"]["reports"] for f in doc["features"])
    if reported:  # a column only when a courier said something
        table.add_column("骑手反馈 reports", overflow="fold", ratio=2)
    for i, f in enumerate(doc["features"], 1):
        p = f["properties"]
        labels = "、".join(a["zh"] for a in p["amenity_labels"])
        hours = p["opening_hours"] or "—"
        cells = [i, p["id"], p["name"], f"{p['distance_m']:.0f}", labels, hours]
        if reported:
            cells.append("、".join(f"{r['label_zh']}（{r['count']}）" for r in p["reports"]) or "—")
        row(table, *cells)
    out.print(table)
    if not doc["features"]:
        out.print("没有符合条件的驿站 / no station matches")


@app.command()
def demo(
    seed: Annotated[
        int | None, typer.Option(help="Generator seed (default from settings).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Load even if the store already has stations.")
    ] = False,
    database_url: DbOpt = None,
) -> None:
    """载入演示数据（北京、重庆、郑州、浙江）/ Load the demo registry (Beijing, Chongqing,
    Zhengzhou, Zhejiang)."""
    with registry_at(database_url) as registry:
        if len(registry) and not force:
            err.print(
                line(
                    ("错误 / error", "red"),
                    f": 数据库已有 {len(registry)} 个驿站，加 --force 仍要载入 / "
                    f"the store already has {len(registry)} stations; "
                    "use --force to add the demo anyway",
                )
            )
            raise typer.Exit(code=2)
        count = load_demo(registry, seed=get_settings().demo_seed if seed is None else seed)
        registry.store.set_meta("initialised", "demo")
    out.print(f"已载入演示驿站 / loaded {count} demo stations")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="xlsx, csv, geojson, gpkg, shp or zipped shp.")],
    crs: Annotated[
        str | None,
        typer.Option(
            help="Datum of the coordinates: wgs84 (gps), gcj02 (高德, 腾讯), bd09 (百度). "
            "Default: what a header or the file says, else gcj02 with a warning."
        ),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="Spreadsheet sheet name.")] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="CSV or Shapefile attribute encoding: utf-8, gbk, gb18030, big5... "
            "(detected if not given)."
        ),
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="Column mapping, e.g. name=站点名称,lon=X坐标,lat=Y坐标.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report only.")] = False,
    atomic: Annotated[
        bool, typer.Option("--atomic", help="Commit nothing if any row is rejected.")
    ] = False,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Write the full report as JSON here.")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            envvar="STATIONFINDER_API_KEY",
            help="Import as this API key's holder: an editor key writes only the rows in "
            "its districts (the others are rejected row by row), and the audit log names "
            "the key. Without it the import is an admin's, in your login name.",
        ),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """批量导入驿站 / Import a station list; exit 1 if any row was rejected, 2 if unreadable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from geo.imports.columns import parse_mapping_option
    from geo.imports.limits import bounded
    from geo.imports.readers import check_encoding
    from geo.imports.runner import import_file

    require_file(path)
    mapping = checked(lambda: parse_mapping_option(columns)) if columns else None
    if (stated := encoding) is not None:
        checked(lambda: check_encoding(stated))  # before the store is opened
    mode = "dry_run" if dry_run else "atomic" if atomic else "commit"
    columns_shown = [TextColumn("导入 importing"), BarColumn(), MofNCompleteColumn()]
    settings = get_settings()  # the API's limits on one import apply here too
    limits = bounded(
        max_memory_mb=settings.import_max_memory_mb, max_cpu_s=settings.import_max_cpu_s
    )
    with registry_at(database_url) as registry, Progress(*columns_shown, console=err) as bar:
        actor = cli_actor() if key is None else key_actor(registry.store, key)
        task = bar.add_task("import", total=None)
        with limits:
            report = import_file(
                registry,
                path,
                crs=crs,
                sheet=sheet,
                encoding=encoding,
                columns=mapping,
                mode=mode,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                actor=actor,
                max_rows=settings.max_import_rows,
            )
    if report_path is not None:
        report_path.write_text(report.to_json() + "\n", encoding="utf-8")
    for summary in report.summary_lines():
        out.print(line(summary))
    shown = report.issues[:50]
    if shown:
        table = Table(
            title="问题 issues" + (" (前 50 条 / first 50)" if len(report.issues) > 50 else "")
        )
        for col in ("行 row", "列 column", "代码 code", "说明 message"):
            table.add_column(col, overflow="fold")
        for i in shown:
            row(
                table, "—" if i.row is None else i.row, i.column or "—", i.code,
                f"{i.message_zh} / {i.message}",
            )  # fmt: skip
        out.print(table)
    if report.rejected:
        raise typer.Exit(code=1)


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="geojson, gpkg, csv or xlsx.")] = "geojson",
    crs: Annotated[
        str, typer.Option(help="Datum of the coordinates (GIS files: wgs84).")
    ] = "wgs84",
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Output file (default stations.FORMAT).")
    ] = None,
    adcode: Annotated[
        str | None,
        typer.Option(help="Only this province, city or district: adcode or Chinese name."),
    ] = None,
    q: Annotated[
        str | None,
        typer.Option(
            "--q", help="Only stations whose name or address contains this text (驿站, 海淀 工会)."
        ),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """导出驿站数据 / Export the registry as a file the importer reads back unchanged."""
    from geo.export import export_registry

    datum = checked(lambda: parse_datum(crs))
    adcodes = None if adcode is None else checked(lambda: districts_of(adcode, field="adcode"))
    text = checked(lambda: parse_query(q))
    target = out_path or Path(f"stations.{fmt}")
    with registry_at(database_url) as registry:
        count = export_registry(
            registry, fmt=fmt, datum=datum, out=target, adcodes=adcodes, text=text
        )
    out.print(line(f"已导出 / exported {count} stations → {target}"))


def main() -> None:
    """The ``stationfinder`` command (usage errors in Chinese and English)."""
    run(app)
