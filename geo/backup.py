"""Backup and restore: every table the product owns, in one portable file.

The file is gzip-compressed JSON lines, the same whichever database wrote or reads it
(SQLite to PostGIS and back):

- a header: ``{"format": "stationfinder-backup", "version": 1, "revision", "backend",
  "created_at", "tables": {name: {"columns", "primary_key", "sequence"}}, "order"}``;
- per table, in dependency order, a line ``{"table": name}`` then one JSON array per
  row, ordered by primary key (values are JSON strings, integers, floats and nulls:
  every column of the schema is text, an integer or a double, and a double's shortest
  repr round-trips exactly);
- a trailer ``{"end": {"rows": {name: n}, "sha256": hex}}``, the digest of every byte
  before it: a truncated or edited file is refused.

Tables come from the migrated schema, not from a list here, so a table a migration adds
(``api_keys``, ``audit_log``) is backed up without touching this module; only
``alembic_version`` (the schema's own bookkeeping) and the rows of ``changes`` are left
out. Columns the database derives (PostGIS ``geog``) are left to it.

``sequence`` is the highest id a table's counter has handed out (SQLite AUTOINCREMENT,
a PostgreSQL sequence), which can exceed the largest id still present: a restore sets
the counter at least that high, so ids of removed stations are never reused.

The change log is a worker's view of recent writes, not data: restoring it would hand a
running worker seqs it has already seen. Restore empties it and writes one entry past a
gap (``changes_since`` reads a gap as "pruned past you"), so every running worker and
process rebuilds its index from the restored stations within a second.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.errors import InvalidBackup, StoreNotEmpty, StoreUnavailable
from geo.storage import StationStore
from geo.storage.migrations import current_revision
from geo.storage.sql import _CHANGES_LOCK, SqlStore

FORMAT = "stationfinder-backup"
VERSION = 1
SKIPPED = frozenset({"alembic_version"})  # the schema's own bookkeeping
LOG = "changes"  # backed up without rows (see the module docstring)
# Restores never check these for emptiness: a store that a server opened once has
# ``meta.initialised``, and the change log is not data.
BOOKKEEPING = frozenset({"meta", LOG})
BATCH = 1000
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass
class BackupSummary:
    """What a backup or a restore moved: rows per table, and the file's checksum."""

    rows: dict[str, int] = field(default_factory=dict)
    sha256: str = ""
    revision: str | None = None


@dataclass(frozen=True)
class _Table:
    name: str
    columns: list[str]
    primary_key: list[str]
    serial: str | None  # the column a counter fills (an integer primary key), if any


def _sql(store: StationStore) -> SqlStore:
    if not isinstance(store, SqlStore):
        raise StoreUnavailable("backup needs a SQL store", "备份需要 SQL 数据库")
    return store


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _tables(conn: Connection) -> list[_Table]:
    """The product's tables in dependency order (parents first), with their columns."""
    inspector = sa.inspect(conn)
    skipped = SKIPPED | _extension_tables(conn)
    names = [t for t, _ in inspector.get_sorted_table_and_fkc_names() if t and t not in skipped]
    tables = []
    for name in names:
        if not _NAME.match(name):
            raise InvalidBackup(f"unexpected table name {name!r}", f"意外的表名 {name!r}")
        if conn.dialect.name == "sqlite":
            # table_xinfo: hidden 2 and 3 are generated columns, derived by the database.
            info = conn.exec_driver_sql(f"PRAGMA table_xinfo({_q(conn, name)})").all()
            columns = [row[1] for row in info if row[6] in (0, 1)]
        else:
            # information_schema, not the inspector: it would warn about the geography type.
            columns = list(
                conn.execute(
                    sa.text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND table_name = :t "
                        "AND is_generated = 'NEVER' ORDER BY ordinal_position"
                    ),
                    {"t": name},
                ).scalars()
            )
        primary_key = list(inspector.get_pk_constraint(name).get("constrained_columns") or [])
        serial = primary_key[0] if len(primary_key) == 1 and _has_counter(conn, name) else None
        tables.append(_Table(name, columns, primary_key, serial))
    return tables


def _extension_tables(conn: Connection) -> frozenset[str]:
    """Tables an extension owns (PostGIS ``spatial_ref_sys``): the extension's, not ours."""
    if conn.dialect.name != "postgresql":
        return frozenset()
    query = (
        "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
        "AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'"
    )
    return frozenset(conn.execute(sa.text(query)).scalars())


def _has_counter(conn: Connection, table: str) -> bool:
    if conn.dialect.name == "sqlite":
        sql = conn.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table})
        return "AUTOINCREMENT" in str(sql or "").upper()
    pk = sa.inspect(conn).get_pk_constraint(table).get("constrained_columns") or []
    return len(pk) == 1 and _pg_sequence(conn, table, pk[0]) is not None


def _pg_sequence(conn: Connection, table: str, column: str) -> str | None:
    name = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column})
    return None if name is None else str(name)


def _counter(conn: Connection, table: _Table) -> int:
    """The highest value the table's id counter has handed out (0 if none)."""
    if table.serial is None:
        return 0
    if conn.dialect.name == "sqlite":
        value = conn.scalar(
            sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}
        )
        return int(value or 0)
    seq = _pg_sequence(conn, table.name, table.serial)
    row = conn.execute(sa.text(f"SELECT last_value, is_called FROM {seq}")).one()
    return int(row[0]) if row[1] else int(row[0]) - 1


def _set_counter(conn: Connection, table: _Table, at_least: int) -> None:
    """Make the table's counter hand out ids above ``at_least`` and above every row."""
    if table.serial is None:
        return
    top = conn.scalar(sa.text(f"SELECT max({_q(conn, table.serial)}) FROM {_q(conn, table.name)}"))
    value = max(at_least, int(top or 0), _counter(conn, table))
    if conn.dialect.name == "sqlite":
        updated = conn.execute(
            sa.text("UPDATE sqlite_sequence SET seq = :v WHERE name = :t"),
            {"v": value, "t": table.name},
        ).rowcount
        if not updated and value:
            conn.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                {"v": value, "t": table.name},
            )
        return
    seq = _pg_sequence(conn, table.name, table.serial)
    if value:
        conn.execute(sa.text("SELECT setval(:s, :v, true)"), {"s": seq, "v": value})
    else:
        conn.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": seq})


def _check_value(table: str, column: str, value: Any) -> Any:
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    raise InvalidBackup(
        f"{table}.{column} holds a {type(value).__name__}, which a backup cannot carry",
        f"{table}.{column} 的值类型 {type(value).__name__} 无法备份",
    )


def _rows(conn: Connection, table: _Table) -> Iterator[list[Any]]:
    cols = ", ".join(_q(conn, c) for c in table.columns)
    order = ", ".join(_q(conn, c) for c in table.primary_key or table.columns)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).exec_driver_sql(
        f"SELECT {cols} FROM {_q(conn, table.name)} ORDER BY {order}"
    )
    for row in result:
        yield [_check_value(table.name, c, v) for c, v in zip(table.columns, row, strict=True)]


class _Writer:
    """JSON lines into a gzip file, hashing every byte written."""

    def __init__(self, out: gzip.GzipFile) -> None:
        self._out = out
        self.digest = hashlib.sha256()

    def line(self, doc: Any) -> None:
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self.digest.update(data)
        self._out.write(data)


def backup(store: StationStore, path: Path) -> BackupSummary:
    """Write every table of ``store`` to ``path`` from one consistent snapshot.

    Parameters
    ----------
    store : StationStore
        An open SQL store (SQLite or PostGIS); servers may keep writing meanwhile.
    path : Path
        The file to write (gzip JSON lines, readable by its owner only); replaced only
        once it is complete.

    Returns
    -------
    BackupSummary
        Rows per table and the checksum written in the trailer.
    """
    engine = _sql(store).engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")  # one snapshot
    summary = BackupSummary(revision=current_revision(engine))
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # key hashes, phone numbers, the audit log: the owner's only
    with engine.begin() as conn, gzip.open(partial, "wb") as raw:
        out = _Writer(raw)
        tables = _tables(conn)
        out.line(
            {
                "format": FORMAT,
                "version": VERSION,
                "revision": summary.revision,
                "backend": conn.dialect.name,
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "order": [t.name for t in tables],
                "tables": {
                    t.name: {
                        "columns": t.columns,
                        "primary_key": t.primary_key,
                        "sequence": _counter(conn, t),
                    }
                    for t in tables
                },
            }
        )
        for table in tables:
            out.line({"table": table.name})
            count = 0
            if table.name != LOG:
                for row in _rows(conn, table):
                    out.line(row)
                    count += 1
            summary.rows[table.name] = count
        summary.sha256 = out.digest.hexdigest()
        raw.write(
            json.dumps({"end": {"rows": summary.rows, "sha256": summary.sha256}}).encode() + b"\n"
        )
    partial.replace(path)
    return summary


def _bad(message: str, message_zh: str) -> InvalidBackup:
    return InvalidBackup(f"not a usable backup: {message}", f"备份文件不可用：{message_zh}")


def _lines(path: Path, digest: Any) -> Iterator[Any]:
    """The file's JSON lines, hashing each; the trailer's line is yielded unhashed."""
    try:
        with gzip.open(path, "rb") as raw:
            for number, data in enumerate(raw, 1):
                try:
                    doc = json.loads(data)
                except ValueError as exc:
                    raise _bad(f"line {number} is not JSON", f"第 {number} 行不是 JSON") from exc
                if not (isinstance(doc, dict) and "end" in doc):
                    digest.update(data)
                yield doc
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise _bad(
            f"cannot read {path} as gzip ({exc})", f"无法读取 gzip 文件 {path}（{exc}）"
        ) from exc


def _check_header(doc: Any, target: dict[str, _Table]) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad("it is not a stationfinder backup", "不是 stationfinder 备份文件")
    if doc.get("version") != VERSION:
        raise _bad(
            f"format version {doc.get('version')!r}; this stationfinder reads version {VERSION}",
            f"格式版本 {doc.get('version')!r}，本程序只读取版本 {VERSION}",
        )
    tables: dict[str, Any] = doc["tables"]
    for name, spec in tables.items():
        missing = [c for c in spec["columns"] if name in target and c not in target[name].columns]
        if name not in target or missing:
            what = name if name not in target else f"{name}.{missing[0]}"
            raise _bad(
                f"it has {what}, which this database's schema (revision "
                f"{doc.get('revision')} written) lacks: upgrade stationfinder first",
                f"其中的 {what} 在本数据库结构中不存在：请先升级 stationfinder",
            )
    return doc


def restore(store: StationStore, path: Path, *, replace: bool = False) -> BackupSummary:
    """Load a backup into ``store``, all or nothing.

    Parameters
    ----------
    store : StationStore
        An open SQL store (SQLite or PostGIS, either backend whichever wrote the file).
    path : Path
        A file written by :func:`backup`.
    replace : bool, default False
        Discard what the store holds. Without it, a store with any station, key or
        audit entry is refused (``StoreNotEmpty``).

    Returns
    -------
    BackupSummary
        Rows per table restored, and the file's checksum.

    Running servers on the store rebuild their index from the restored stations at
    their next look at the change log (within a second); ids handed out afterwards are
    above every id the backup's tables ever used.
    """
    engine = _sql(store).writer  # SQLite: the write lock from the start
    digest = hashlib.sha256()
    summary = BackupSummary()
    with engine.begin() as conn:
        target = {t.name: t for t in _tables(conn)}
        if conn.dialect.name == "postgresql":
            # Writers append to the change log under this lock; with every table locked
            # too, no write interleaves with the restore.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHANGES_LOCK})
            names = ", ".join(_q(conn, n) for n in target)
            conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        log_before = _log_top(conn, target[LOG])
        if not replace:
            for name in target:
                if name not in BOOKKEEPING and conn.scalar(
                    sa.text(f"SELECT 1 FROM {_q(conn, name)} LIMIT 1")
                ):
                    raise StoreNotEmpty(
                        f"the store already has rows in {name}: restore into an empty store, "
                        "or pass --replace to discard them",
                        f"数据库的 {name} 表已有数据：请恢复到空数据库，或加 --replace 覆盖",
                    )
        for name in reversed(list(target)):  # children first
            conn.exec_driver_sql(f"DELETE FROM {_q(conn, name)}")
        lines = _lines(path, digest)
        header = _check_header(next(lines, None), target)
        end = _load(conn, lines, header, target, summary)
        summary.sha256 = digest.hexdigest()
        if end.get("sha256") != summary.sha256 or end.get("rows") != summary.rows:
            raise _bad(
                "its checksum does not match: damaged or edited", "校验和不符：已损坏或被改动"
            )
        for name, spec in header["tables"].items():
            _set_counter(conn, target[name], int(spec.get("sequence") or 0))
        _reset_log(conn, target[LOG], after=log_before, top_id=_counter(conn, target["stations"]))
        summary.revision = header.get("revision")
    return summary


def _load(
    conn: Connection,
    lines: Iterator[Any],
    header: dict[str, Any],
    target: dict[str, _Table],
    summary: BackupSummary,
) -> dict[str, Any]:
    """Insert the rows of every table in the file; returns the trailer."""
    table: _Table | None = None
    columns: list[str] = []
    batch: list[dict[str, Any]] = []
    for doc in lines:
        if isinstance(doc, list):
            if table is None or len(doc) != len(columns):
                raise _bad("a row outside a table, or of the wrong width", "行数据格式错误")
            batch.append(dict(zip(columns, doc, strict=True)))
            if len(batch) == BATCH:
                _insert(conn, table, columns, batch, summary)
        elif isinstance(doc, dict) and "table" in doc:
            if table is not None:
                _insert(conn, table, columns, batch, summary)
            if doc["table"] not in header["tables"]:
                raise _bad(f"undeclared table {doc['table']!r}", f"未声明的表 {doc['table']!r}")
            table = target[doc["table"]]
            columns = header["tables"][table.name]["columns"]
            summary.rows[table.name] = 0
        elif isinstance(doc, dict) and isinstance(doc.get("end"), dict):
            if table is not None:
                _insert(conn, table, columns, batch, summary)
            end: dict[str, Any] = doc["end"]
            return end
        else:
            raise _bad("an unexpected line", "意外的行")
    raise _bad("it ends early (no trailer): truncated?", "文件不完整（缺少结尾），可能被截断")


def _insert(
    conn: Connection,
    table: _Table,
    columns: list[str],
    batch: list[dict[str, Any]],
    summary: BackupSummary,
) -> None:
    if batch:
        if table.name == LOG:
            raise _bad("it has change-log rows", "含有变更日志行")
        target = sa.table(table.name, *[sa.column(c) for c in columns])
        conn.execute(target.insert(), batch)
        summary.rows[table.name] += len(batch)
        batch.clear()


def _log_top(conn: Connection, log: _Table) -> int:
    top = conn.scalar(sa.text(f"SELECT max(seq) FROM {_q(conn, log.name)}"))
    return max(int(top or 0), _counter(conn, log))


def _reset_log(conn: Connection, log: _Table, *, after: int, top_id: int) -> None:
    """One change-log entry past a gap: every reader's next ``changes_since`` finds the
    log "pruned past it" and reloads everything. It spans every id too, so even a
    reader that took it as a plain entry would re-read each station."""
    seq = after + 2
    conn.execute(
        sa.table(log.name, sa.column("seq"), sa.column("id_from"), sa.column("id_to")).insert(),
        {"seq": seq, "id_from": 1, "id_to": max(top_id, 1)},
    )
    _set_counter(conn, log, seq)
