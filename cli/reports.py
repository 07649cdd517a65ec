"""``stationfinder reports kinds|list|confirm|dismiss|add``: couriers' reports at the
command line, as ``GET /v1/report-kinds``, ``GET /v1/reports`` and
``POST /v1/reports/{id}/confirm|dismiss`` answer them (``--json`` prints those answers).

The command line acts as an admin (``geo.access.cli_actor``) and sees every report;
with ``--key`` (or ``STATIONFINDER_API_KEY``) it acts as that key's holder, as
``stationfinder import --key`` does: an editor key lists and judges only the reports of
its districts, and the audit log names the key. Notes are couriers' text: printed
through :mod:`cli.safe`, never read as markup or terminal escapes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Final

import typer
from rich.table import Table

from cli.common import DbOpt, checked, fail, key_actor, out, registry_at, store_at
from cli.safe import line, print_json, row
from cli.stations import crs_required
from geo.access import Actor, cli_actor
from geo.amenities import BY_CODE as AMENITY
from geo.clock import get_clock
from geo.hours.when import SHANGHAI
from geo.reports.kinds import BY_CODE, HOUR, REPORT_KINDS, ReportKind
from geo.reports.listing import MAX_LIMIT, report_filter
from geo.reports.model import MAX_NOTE, Report, ReportClient, check_note, new_report
from geo.reports.moderation import Verdict
from geo.reports.reopen import parse_reopens_at
from geo.search import check_page
from geo.storage import StationStore

reports_app = typer.Typer(
    help="骑手反馈：类型、列表、确认、驳回 / couriers' reports: kinds, list, confirm, dismiss.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of a table.")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="STATIONFINDER_API_KEY",
        help="Act as this API key's holder: an editor key sees and judges only the reports "
        "of its districts, and the audit log names the key. Without it you act as an "
        "admin, in your login name.",
    ),
]
NoteOpt = Annotated[
    str | None,
    typer.Option(help=f"Why (at most {MAX_NOTE} characters); kept with the verdict and audit."),
]

# What a report's state reads as (``status`` of GET /v1/reports).
_STATE: Final = {
    "open": "未处理 open",
    "expired": "已过期 expired",
    "confirmed": "已确认 confirmed",
    "dismissed": "已驳回 dismissed",
    "cleared": "已消除 cleared",
}
_DONE: Final = {Verdict.CONFIRM: "已确认 / confirmed", Verdict.DISMISS: "已驳回 / dismissed"}


def _when(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%SZ")


def _span(delta: timedelta) -> str:
    """A duration as a reader takes it in at a glance: 20 min, 2 h 5 min, 3 d 4 h."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "<1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _actor(store: StationStore, key: str | None) -> Actor:
    return cli_actor() if key is None else key_actor(store, key)


def _lifetime(kind: ReportKind) -> str:
    if not kind.is_problem:
        return "—"
    hours = kind.lifetime / HOUR
    span = f"{hours / 24:g} d" if hours >= 24 and hours % 24 == 0 else f"{hours:g} h"
    return f"{span}，或到下次开门 / or until it opens" if kind.until_opening else span


def _on_confirm(kind: ReportKind) -> str:
    effects = []
    if kind.closes:
        effects.append("暂停开放 / temporarily_closed")
    if kind.amenities:
        labels = "、".join(AMENITY[a].zh for a in kind.amenities)
        effects.append(f"去掉 {labels} / removes {', '.join(kind.amenities)}")
    return "; ".join(effects) or "—"


@reports_app.command("kinds")
def reports_kinds(as_json: JsonOpt = False) -> None:
    """可反馈的情况 / What couriers can report: codes, labels, how long each lasts."""
    if as_json:
        print_json({"kinds": [k.as_dict() for k in REPORT_KINDS]})
        return
    table = Table(title="反馈类型 / report kinds")
    for col in ("代码 code", "中文", "English", "时效 lasts"):
        table.add_column(col, overflow="fold")
    table.add_column("一切正常时消除 cleared by all_good")
    table.add_column("确认后 on confirm", overflow="fold")
    for k in REPORT_KINDS:
        cleared = "是 yes" if k.short_lived else "—"
        row(table, k.code, k.zh, k.en, _lifetime(k), cleared, _on_confirm(k))
    out.print(table)


def _far(report: Report) -> str:
    if report.distance_m is None:
        return "—"
    metres = f"{report.distance_m:.0f} m"
    return f"远 far · {metres}" if report.far else metres


def _verdict_cell(report: Report) -> str:
    if report.moderated_at is None:
        return "—"
    said = f": {report.moderation_note}" if report.moderation_note else ""
    return f"{report.moderated_by} {_when(report.moderated_at)}{said}"


@reports_app.command("list")
def reports_list(
    adcode: Annotated[
        str | None,
        typer.Option(
            help="Only this province, city or district: adcode or Chinese name (金水区, "
            "410105); with an editor key, within its districts."
        ),
    ] = None,
    status: Annotated[
        str, typer.Option(help="open (active), expired, confirmed, dismissed, cleared or any.")
    ] = "open",
    kind: Annotated[
        str | None,
        typer.Option(help="Report kinds, comma-separated: parking_full,closed_now (see kinds)."),
    ] = None,
    station_id: Annotated[int | None, typer.Option(help="Only this station.")] = None,
    limit: Annotated[int, typer.Option(help=f"At most this many (1-{MAX_LIMIT}).")] = 100,
    before_id: Annotated[
        int | None, typer.Option(help="Only reports older than this id (the next page).")
    ] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """列出骑手反馈（最新在前）/ List couriers' reports, newest first (default: open)."""
    checked(lambda: check_page(limit, 0, max_limit=MAX_LIMIT))
    with store_at(database_url) as store:
        wanted = report_filter(_actor(store, key), adcode=adcode, state=status, kind=kind)
        now = get_clock().now()
        found = store.list_reports(
            now=now, state=wanted.state, adcodes=wanted.adcodes, kinds=wanted.kinds,
            station_id=station_id, before_id=before_id, limit=limit,
        )  # fmt: skip
        stations = store.get_many(sorted({r.station_id for r in found}))
    shown_reports = [r.as_dict(now) for r in found]
    doc: dict[str, Any] = {
        "reports": shown_reports,
        "numberReturned": len(found),
        "next_before_id": found[-1].id if len(found) == limit else None,
    }  # as GET /v1/reports
    if as_json:
        print_json(doc)
        return
    more = doc["next_before_id"]
    table = Table(
        title="骑手反馈 / couriers' reports",
        caption=None if more is None else line(f"下一页 / next page: --before-id {more}"),
    )
    table.add_column("id", justify="right")
    table.add_column("驿站 station", justify="right")
    table.add_column("名称 name", overflow="fold", ratio=2)
    table.add_column("类型 kind", overflow="fold")
    table.add_column("次数 times", justify="right")
    table.add_column("备注 note", overflow="fold", ratio=3)
    table.add_column("远 far", justify="right")
    table.add_column("已过 age")
    table.add_column("剩余 expires in")
    judged = status != "open"
    if judged:  # who said what about them
        table.add_column("处理 verdict", overflow="fold", ratio=2)
    for r, shown in zip(found, shown_reports, strict=True):
        station = stations.get(r.station_id)
        state = shown["status"]
        cells: list[object] = [
            r.id, r.station_id, "—" if station is None else station.name,
            f"{shown['label_zh']} ({r.kind})", r.times, r.note or "—", _far(r),
            _span(now - r.last_at),
            _span(r.expires_at - now) if state == "open" else _STATE[state],
        ]  # fmt: skip
        if judged:
            cells.append(_verdict_cell(r))
        row(table, *cells)
    out.print(table)
    if not found:
        out.print("没有符合条件的反馈 / no reports")


def _judge(
    report_id: int,
    verdict: Verdict,
    note: str | None,
    key: str | None,
    as_json: bool,
    database_url: str | None,
    reopens_at: str | None = None,
) -> None:
    note = checked(lambda: check_note(note))  # before the store is opened
    checked(lambda: parse_reopens_at(reopens_at, now=get_clock().now()))
    with registry_at(database_url) as registry:
        actor = _actor(registry.store, key)
        result = registry.judge_report(
            report_id, verdict, actor=actor, note=note, reopens_at=reopens_at
        )
        live = registry.live.properties(result.station.id)
    if as_json:
        print_json(result.as_dict() | {"station": live})  # as the API answers
        return
    kind, station = result.kind, result.station
    out.print(
        line(
            f"{_DONE[verdict]}: {kind.zh} {kind.en} ({kind.code}), "
            f"驿站 / station {station.id}: {station.name}"
        )
    )
    closed = ", ".join(str(i) for i in result.report_ids)
    out.print(line(f"  已处理的反馈 / reports closed: {closed}"))
    if not result.changed:
        out.print(line("  驿站记录未改动 / the station's record is unchanged"))
    for field, value in result.changed.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        out.print(line(f"  驿站已改动 / station changed: {field} → {shown or '—'}"))
    if result.reopens_at is not None:
        local = result.reopens_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        out.print(line(f"  恢复开放 / reopens: {local}（北京时间 / Beijing time）"))


@reports_app.command("confirm")
def reports_confirm(
    report_id: Annotated[int, typer.Argument(help="Report id (see 'reports list').")],
    note: NoteOpt = None,
    reopens_at: Annotated[
        str | None,
        typer.Option(
            "--reopens-at",
            help="closed_now: when the station opens again, a date (2026-12-20: that day "
            "00:00 Beijing time) or a time (2026-12-20T09:00).",
        ),
    ] = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """确认反馈 / Confirm a report and the other open ones of its kind at its station:
    closed_now makes the station temporarily_closed (until --reopens-at, if given),
    broken equipment removes its amenities. In the audit log."""
    _judge(report_id, Verdict.CONFIRM, note, key, as_json, database_url, reopens_at)


@reports_app.command("dismiss")
def reports_dismiss(
    report_id: Annotated[int, typer.Argument(help="Report id (see 'reports list').")],
    note: NoteOpt = None,
    key: KeyOpt = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """驳回反馈 / Dismiss a report and the other open ones of its kind at its station:
    they stop showing; the station does not change. In the audit log."""
    _judge(report_id, Verdict.DISMISS, note, key, as_json, database_url)


@reports_app.command("add")
def reports_add(
    station_id: Annotated[int, typer.Argument(help="Station id.")],
    kind: Annotated[
        str, typer.Option(help="What is true now: a code or label (parking_full, 停车位已满).")
    ],
    note: Annotated[
        str | None, typer.Option(help=f"What the courier says (at most {MAX_NOTE} characters).")
    ] = None,
    lon: Annotated[float | None, typer.Option(help="Where the courier is, in datum --crs.")] = None,
    lat: Annotated[float | None, typer.Option(help="Where the courier is, in datum --crs.")] = None,
    crs: Annotated[
        str | None,
        typer.Option(help="Required with --lon/--lat: gcj02 (高德, 腾讯), bd09 (百度), wgs84."),
    ] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """反馈驿站现状（测试用）/ Report a station's state as a courier would, to test the
    page, searches and moderation. You count as one courier (cli:<login>): a repeat
    refreshes your report."""
    if lon is not None and lat is not None and crs is None:
        fail(crs_required())
    body: dict[str, Any] = {"kind": kind, "note": note, "lon": lon, "lat": lat}
    if crs is not None:
        body["crs"] = crs
    new = checked(lambda: new_report(body))
    client = ReportClient(token=cli_actor().id, address="cli")
    with registry_at(database_url) as registry:
        stored = registry.live.report(station_id, new, client)
        live = registry.live.properties(station_id)
        name = registry.store.get(station_id).name
    now = get_clock().now()
    shown = stored.as_dict(now)
    for private in ("moderated_at", "moderated_by", "moderation_note", "adcode"):
        shown.pop(private)
    if as_json:
        print_json({"report": shown, "station": {"id": station_id} | live})  # as the API
        return
    said = BY_CODE[stored.kind]
    out.print(
        line(
            f"已记录反馈 / report {stored.id} stored: {said.zh} {said.en} ({said.code}), "
            f"驿站 / station {station_id}: {name}"
        )
    )
    out.print(
        line(
            f"  第 {stored.times} 次 / times {stored.times}; "
            f"到期 / expires {_when(stored.expires_at)}"
        )
    )
    if stored.far and stored.distance_m is not None:
        out.print(
            line(
                f"  距驿站 {stored.distance_m:.0f} m，太远，不计入驿站状态 / "
                f"{stored.distance_m:.0f} m from the station: too far to count in its flags"
            )
        )
    flags = "、".join(f"{f['label_zh']}（{f['count']}）" for f in live["reports"]) or "—"
    out.print(line(f"  驿站现显示 / the station shows: {flags}"))
    if live["last_verified_at"] is not None:
        out.print(line(f"  最近确认正常 / last verified: {live['last_verified_at']}"))
