"""``stationfinder keys create|list|revoke`` and ``stationfinder audit``.

The command line holds the database's own credentials, so it acts as an admin; what it
does is logged as ``cli:<user>`` (``geo.access.cli_actor``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import DbOpt, checked, err, out, store_at
from cli.safe import line, print_json, row
from geo.access import ApiKey, cli_actor
from geo.audit import MAX_LIMIT, Action, AuditEntry, parse_since
from geo.errors import InvalidParameter
from geo.keys import create_key, revoke_key
from geo.search import check_page

keys_app = typer.Typer(
    help="API 密钥：新建、列出、吊销 / API keys: create, list, revoke.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(ts: datetime | None) -> str:
    return "—" if ts is None else ts.strftime("%Y-%m-%d %H:%M:%SZ")


def _key_dict(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "prefix": key.prefix,
        "name": key.name,
        "role": key.role.value,
        "adcodes": sorted(key.adcodes),
        "created_at": _when(key.created_at),
        "revoked_at": None if key.revoked_at is None else _when(key.revoked_at),
        "last_used_at": None if key.last_used_at is None else _when(key.last_used_at),
        "rate_per_min": key.rate_per_min,
    }


def parse_rate(text: str | None) -> int | None:
    """Searches a minute from ``6000/min``, ``100/s`` or ``6000``; InvalidParameter
    for anything else."""
    if text is None:
        return None
    number, _, unit = text.strip().lower().partition("/")
    per = {"": 1, "min": 1, "m": 1, "minute": 1, "s": 60, "sec": 60, "second": 60}.get(unit)
    if per is None or not (number.isascii() and number.isdigit()):
        raise InvalidParameter(
            f"--rate {text!r}: write it as 6000/min or 100/s",
            f"--rate {text!r}：应写作 6000/min 或 100/s",
        )
    return int(number) * per


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who holds the key, e.g. 朝阳区总工会.")],
    role: Annotated[
        str,
        typer.Option(help="admin (everything), editor (its districts) or reader (reads only)."),
    ],
    adcode: Annotated[
        list[str] | None,
        typer.Option(help="An editor's districts: 6-digit adcodes, comma-separated or repeated."),
    ] = None,
    rate: Annotated[
        str | None,
        typer.Option(
            help="The key's own search rate, in place of the per-client one: 6000/min, 100/s "
            "(a platform's backend proxying many riders from one address)."
        ),
    ] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """新建 API 密钥（只显示一次）/ Create an API key; it is printed once, never again."""
    per_min = checked(lambda: parse_rate(rate))
    with store_at(database_url) as store:
        key, record = create_key(
            store, name=name, role=role, adcodes=adcode or (), actor=cli_actor(),
            rate_per_min=per_min,
        )  # fmt: skip
    if as_json:
        print_json(_key_dict(record) | {"key": key})
    else:
        out.print(line(f"已创建密钥 / created key {record.id} ({record.role}): {record.name}"))
        out.print(key, soft_wrap=True)
    err.print(
        line(
            (
                "请立即妥善保存此密钥，它不会再次显示 / store this key safely now: it is not "
                "stored and will not be shown again",
                "yellow",
            )
        )
    )


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False, database_url: DbOpt = None) -> None:
    """列出 API 密钥（不显示密钥本身）/ List API keys (prefixes only, never the keys)."""
    with store_at(database_url) as store:
        keys = store.list_keys()
    if as_json:
        print_json([_key_dict(k) for k in keys])
        return
    table = Table(title="API 密钥 / API keys")
    for col in ("id", "前缀 prefix", "名称 name", "角色 role", "辖区 adcodes", "频率 rate/min"):
        table.add_column(col, overflow="fold")
    for col in ("创建 created", "吊销 revoked", "最近使用 last used"):
        table.add_column(col)
    for k in keys:
        d = _key_dict(k)
        row(
            table, k.id, f"{k.prefix}…", k.name, k.role.value, ",".join(d["adcodes"]) or "—",
            k.rate_per_min or "—", d["created_at"], d["revoked_at"] or "—",
            d["last_used_at"] or "—",
        )  # fmt: skip
    out.print(table)
    if not keys:
        out.print("还没有密钥 / no keys yet")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="Key id (see 'keys list').")],
    database_url: DbOpt = None,
) -> None:
    """吊销 API 密钥 / Revoke an API key: it is refused from now on."""
    with store_at(database_url) as store:
        key = revoke_key(store, key_id=key_id, actor=cli_actor())
    out.print(
        line(
            f"已吊销 / revoked key {key.id} ({key.prefix}…, {key.name}) at {_when(key.revoked_at)}"
        )
    )


_VERDICTS = (Action.REPORT_CONFIRM, Action.REPORT_DISMISS, Action.REOPEN)


def _change(entry: AuditEntry) -> str:
    if entry.summary is not None:
        return " ".join(f"{k}={v}" for k, v in entry.summary.items())
    if entry.action in _VERDICTS and entry.after is not None:  # what the verdict said
        return " ".join(f"{k}={v}" for k, v in entry.after.items())
    if entry.action is Action.UPDATE and entry.before is not None and entry.after is not None:
        return "; ".join(f"{k}: {entry.before[k]!r} → {entry.after[k]!r}" for k in entry.after)
    record = entry.after or entry.before or {}
    return str(record.get("name", ""))


def audit_command(
    station: Annotated[int | None, typer.Option("--station", help="Only this station.")] = None,
    actor: Annotated[
        str | None, typer.Option(help="Only this actor: key:12, bootstrap, cli:alice.")
    ] = None,
    action: Annotated[str | None, typer.Option(help="create, update, delete, import...")] = None,
    since: Annotated[str | None, typer.Option(help="ISO 8601: entries at or after.")] = None,
    limit: Annotated[int, typer.Option(help=f"How many entries, 1-{MAX_LIMIT}.")] = 50,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """查看操作日志（最新在前）/ Show the audit log, newest first."""
    checked(lambda: check_page(limit, 0, max_limit=MAX_LIMIT))
    when = checked(lambda: parse_since(since))
    with store_at(database_url) as store:
        entries = store.audit_log(
            station_id=station, actor=actor, action=action, since=when, limit=limit
        )
    if as_json:
        print_json([e.to_dict() for e in entries])
        return
    table = Table(title="操作日志 / audit log")
    for col in ("seq", "时间 at", "操作者 actor", "操作 action", "驿站 station"):
        table.add_column(col, overflow="fold")
    table.add_column("变更 change", overflow="fold", ratio=3)
    for e in entries:
        row(
            table, e.seq, _when(e.at), f"{e.actor} ({e.actor_name})", e.action.value,
            "—" if e.station_id is None else e.station_id, _change(e),
        )  # fmt: skip
    out.print(table)
    if not entries:
        out.print("没有符合条件的记录 / no entries")


def register(app: typer.Typer) -> None:
    """Add ``keys`` and ``audit`` to the ``stationfinder`` command."""
    app.add_typer(keys_app, name="keys")
    app.command("audit")(audit_command)
