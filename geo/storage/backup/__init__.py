"""Backup and restore: every table the product owns, in one portable file.

The file is gzip-compressed JSON lines, the same whichever database wrote or reads it
(SQLite to PostGIS and back):

- a header: ``{"format": "stationfinder-backup", "version": 1, "revision", "backend",
  "created_at", "tables": {name: {"columns", "primary_key", "sequence"}}, "order"}``;
- per table, in dependency order, a line ``{"table": name}`` then one JSON array per
  row, ordered by primary key (values are JSON strings, integers, floats and nulls:
  every column of the schema is text, an integer or a double, and a double's shortest
  repr round-trips exactly);
- a trailer ``{"end": {"rows": {name: n}, "sha256": hex, "hmac_sha256": hex}}``: the
  SHA-256 of every byte before it (a truncated or damaged file is refused) and, under
  the deployment's backup secret, their HMAC-SHA256 (an *edited* file is refused: see
  ``geo.storage.backup.sign`` for who may restore what, and why API keys need asking for).

Tables come from the migrated schema (``geo.storage.backup.tables``), not from a list here, so a
table a migration adds (``api_keys``, ``audit_log``) is backed up without touching this
module; only ``alembic_version`` (the schema's own bookkeeping) and the rows of
the change logs (``changes``, ``report_changes``) are left out. Columns the database
derives (PostGIS ``geog``) are left to it.

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
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.errors import InvalidBackup, StoreNotEmpty, StoreUnavailable
from geo.storage.backup.sign import Digest, check_options, check_signature, secret_key
from geo.storage.backup.tables import Table, counter, product_tables, quote, set_counter
from geo.storage.base import StationStore
from geo.storage.dialect import SqlDialect
from geo.storage.hours_sql import reread_hours
from geo.storage.migrations import current_revision
from geo.storage.places_sql import mark_all, place_pending
from geo.storage.sql import SqlStore
from geo.storage.stations_sql import fill_search_grams

FORMAT = "stationfinder-backup"
VERSION = 1
LOG = "changes"  # backed up without rows (see the module docstring)
REPORT_LOG = "report_changes"  # likewise, for couriers' reports
LOGS = frozenset({LOG, REPORT_LOG})
# Restores never check these for emptiness: a store that a server opened once has
# ``meta.initialised``, and the change logs are not data.
BOOKKEEPING = frozenset({"meta"}) | LOGS
KEYS = "api_keys"  # restored only when asked, from a signed file (geo.storage.backup.sign)
BATCH = 1000


@dataclass
class BackupSummary:
    """What a backup or a restore moved.

    Attributes
    ----------
    rows : dict
        Rows written (backup) or restored (restore), per table.
    skipped : dict
        Rows in the file that a restore left out, per table (the API keys, unless asked).
    sha256 : str
        The checksum in the file's trailer.
    revision : str, optional
        The schema revision that wrote the file.
    signed : bool
        Backup: the file is signed (HMAC-SHA256). Restore: its signature was checked.
    """

    rows: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    sha256: str = ""
    revision: str | None = None
    signed: bool = False


def _sql(store: StationStore) -> SqlStore:
    if not isinstance(store, SqlStore):
        raise StoreUnavailable("backup needs a SQL store", "备份需要 SQL 数据库")
    return store


def _check_value(table: str, column: str, value: Any) -> Any:
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    raise InvalidBackup(
        f"{table}.{column} holds a {type(value).__name__}, which a backup cannot carry",
        f"{table}.{column} 的值类型 {type(value).__name__} 无法备份",
    )


def _rows(conn: Connection, table: Table) -> Iterator[list[Any]]:
    cols = ", ".join(quote(conn, c) for c in table.columns)
    order = ", ".join(quote(conn, c) for c in table.primary_key or table.columns)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).exec_driver_sql(
        f"SELECT {cols} FROM {quote(conn, table.name)} ORDER BY {order}"
    )
    for row in result:
        yield [_check_value(table.name, c, v) for c, v in zip(table.columns, row, strict=True)]


class _Writer:
    """JSON lines into a gzip file, digesting every byte written."""

    def __init__(self, out: gzip.GzipFile, digest: Digest) -> None:
        self._out = out
        self.digest = digest

    def line(self, doc: Any) -> None:
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self.digest.update(data)
        self._out.write(data)


def backup(store: StationStore, path: Path, *, secret: str | None = None) -> BackupSummary:
    """Write every table of ``store`` to ``path`` from one consistent snapshot.

    Parameters
    ----------
    store : StationStore
        An open SQL store (SQLite or PostGIS); servers may keep writing meanwhile.
    path : Path
        The file to write (gzip JSON lines, readable by its owner only); replaced only
        once it is complete.
    secret : str, optional
        The deployment's backup secret (``STATIONFINDER_BACKUP_SECRET``, at least 32
        characters): the file is signed with HMAC-SHA256 under it. Without it the file
        is unsigned, and restoring it needs ``allow_unsigned`` (and never brings back
        its API keys).

    Returns
    -------
    BackupSummary
        Rows per table, the checksum written in the trailer, whether it is signed.
    """
    key = secret_key(secret)
    sql_store = _sql(store)
    dialect = sql_store.dialect
    engine = dialect.snapshot_engine(sql_store.engine)  # one snapshot
    summary = BackupSummary(revision=current_revision(engine), signed=key is not None)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)  # key hashes, phone numbers, the audit log: the owner's only
    with engine.begin() as conn, gzip.open(partial, "wb") as raw:
        out = _Writer(raw, Digest(key))
        tables = product_tables(conn, dialect)
        out.line(
            {
                "format": FORMAT,
                "version": VERSION,
                "revision": summary.revision,
                "backend": dialect.backend,
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "order": [t.name for t in tables],
                "tables": {
                    t.name: {
                        "columns": t.columns,
                        "primary_key": t.primary_key,
                        "sequence": counter(conn, dialect, t),
                    }
                    for t in tables
                },
            }
        )
        for table in tables:
            out.line({"table": table.name})
            count = 0
            if table.name not in LOGS:
                for row in _rows(conn, table):
                    out.line(row)
                    count += 1
            summary.rows[table.name] = count
        summary.sha256 = out.digest.sha256
        end: dict[str, Any] = {"rows": summary.rows, "sha256": summary.sha256}
        if out.digest.signature is not None:
            end["hmac_sha256"] = out.digest.signature
        raw.write(json.dumps({"end": end}).encode() + b"\n")
    partial.replace(path)
    return summary


def _bad(message: str, message_zh: str) -> InvalidBackup:
    return InvalidBackup(f"not a usable backup: {message}", f"备份文件不可用：{message_zh}")


def _lines(path: Path, digest: Digest) -> Iterator[Any]:
    """The file's JSON lines, digesting each; the trailer's line is yielded undigested."""
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
            f"cannot read {path} as gzip: the file is damaged, cut short or not a backup",
            f"无法读取 gzip 文件 {path}：文件已损坏、不完整或不是备份文件",
        ) from exc


def _check_header(doc: Any, target: dict[str, Table]) -> dict[str, Any]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _bad("it is not a stationfinder backup", "不是 stationfinder 备份文件")
    if doc.get("version") != VERSION:
        raise _bad(
            f"format version {doc.get('version')!r}; this stationfinder reads version {VERSION}",
            f"格式版本 {doc.get('version')!r}，本程序只读取版本 {VERSION}",
        )
    tables = doc.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(spec, dict) and isinstance(spec.get("columns"), list) for spec in tables.values()
    ):
        raise _bad("its header has no table list", "文件头缺少表清单")
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


def restore(
    store: StationStore,
    path: Path,
    *,
    replace: bool = False,
    secret: str | None = None,
    with_keys: bool = False,
    allow_unsigned: bool = False,
) -> BackupSummary:
    """Load a backup into ``store``, all or nothing.

    Parameters
    ----------
    store : StationStore
        An open SQL store (SQLite or PostGIS, either backend whichever wrote the file).
    path : Path
        A file written by :func:`backup`.
    replace : bool, default False
        Discard what the store holds (but its API keys, unless ``with_keys``). Without
        it, a store with any station or audit entry (or key, with ``with_keys``) is
        refused (``StoreNotEmpty``).
    secret : str, optional
        The backup secret (``STATIONFINDER_BACKUP_SECRET``): the file's HMAC-SHA256
        signature must match under it, or nothing is restored (``BackupNotAuthentic``).
    with_keys : bool, default False
        Also restore the file's API keys, replacing the store's; needs ``secret`` and a
        signature that matches. Without it the store's own keys are kept as they are.
    allow_unsigned : bool, default False
        Restore a file that is not signed, or that cannot be checked (no ``secret``):
        everything but its API keys. A signature that does not match is still refused.

    Returns
    -------
    BackupSummary
        Rows per table restored, rows left out (``skipped``), the file's checksum, and
        whether its signature was checked (``signed``).

    Running servers on the store rebuild their index from the restored stations at
    their next look at the change log (within a second); ids handed out afterwards are
    above every id the backup's tables ever used.
    """
    key = secret_key(secret)
    check_options(key, with_keys=with_keys, allow_unsigned=allow_unsigned)
    kept = frozenset() if with_keys else frozenset({KEYS})  # the store's own, untouched
    sql_store = _sql(store)
    dialect = sql_store.dialect
    engine = sql_store.writer  # SQLite: the write lock from the start
    digest = Digest(key)
    summary = BackupSummary()
    with engine.begin() as conn:
        target = {t.name: t for t in product_tables(conn, dialect)}
        # No write interleaves with the restore (PostgreSQL: the change log's lock and
        # every table's; SQLite: the write lock, held since the BEGIN).
        dialect.lock_for_restore(conn, list(target))
        logs_before = {name: _log_top(conn, dialect, target[name]) for name in LOGS}
        if not replace:
            for name in target:
                if name not in BOOKKEEPING | kept and conn.scalar(
                    sa.text(f"SELECT 1 FROM {quote(conn, name)} LIMIT 1")
                ):
                    raise StoreNotEmpty(
                        f"the store already has rows in {name}: restore into an empty store, "
                        "or pass --replace to discard them",
                        f"数据库的 {name} 表已有数据：请恢复到空数据库，或加 --replace 覆盖",
                    )
        for name in reversed(list(target)):  # children first
            if name not in kept:
                conn.exec_driver_sql(f"DELETE FROM {quote(conn, name)}")
        lines = _lines(path, digest)
        header = _check_header(next(lines, None), target)
        read: dict[str, int] = {}
        end = _load(conn, lines, header, target, read, skip=kept)
        summary.sha256 = digest.sha256
        if end.get("sha256") != summary.sha256 or end.get("rows") != read:
            raise _bad(
                "its checksum does not match: damaged or edited", "校验和不符：已损坏或被改动"
            )
        summary.signed = check_signature(end, digest, allow_unsigned=allow_unsigned)
        summary.rows = {name: 0 if name in kept else n for name, n in read.items()}
        summary.skipped = {name: n for name, n in read.items() if name in kept}
        for name, spec in header["tables"].items():
            # The keys' counter too: a key made after the restore never takes the id
            # of one the restored audit log names.
            set_counter(conn, dialect, target[name], int(spec.get("sequence") or 0))
        top_id = counter(conn, dialect, target["stations"])
        _reset_log(conn, dialect, target[LOG], after=logs_before[LOG],
                   row={"id_from": 1, "id_to": max(top_id, 1)})  # fmt: skip
        _reset_log(conn, dialect, target[REPORT_LOG], after=logs_before[REPORT_LOG],
                   row={"station_id": 0})  # fmt: skip
        summary.revision = header.get("revision")
        # Placed again after the commit: a backup older than revision 0006 has no city
        # or province, and its district labels were not derived from the positions.
        mark_all(conn)
        fill_search_grams(conn)  # a backup older than revision 0007 has none
        reread_hours(conn)  # a backup older than revision 0008 has the old readings
    place_pending(sql_store.engine)
    return summary


def _load(
    conn: Connection,
    lines: Iterator[Any],
    header: dict[str, Any],
    target: dict[str, Table],
    read: dict[str, int],
    *,
    skip: frozenset[str],
) -> dict[str, Any]:
    """Insert the rows of every table in the file but those in ``skip``, counting every
    row read in ``read``; returns the trailer."""
    table: Table | None = None
    columns: list[str] = []
    batch: list[dict[str, Any]] = []
    for doc in lines:
        if isinstance(doc, list):
            if table is None or len(doc) != len(columns):
                raise _bad("a row outside a table, or of the wrong width", "行数据格式错误")
            read[table.name] += 1
            if table.name not in skip:
                batch.append(dict(zip(columns, doc, strict=True)))
                if len(batch) == BATCH:
                    _insert(conn, table, columns, batch)
        elif isinstance(doc, dict) and "table" in doc:
            if table is not None:
                _insert(conn, table, columns, batch)
            if doc["table"] not in header["tables"]:
                raise _bad(f"undeclared table {doc['table']!r}", f"未声明的表 {doc['table']!r}")
            table = target[doc["table"]]
            columns = header["tables"][table.name]["columns"]
            read[table.name] = 0
        elif isinstance(doc, dict) and isinstance(doc.get("end"), dict):
            if table is not None:
                _insert(conn, table, columns, batch)
            end: dict[str, Any] = doc["end"]
            return end
        else:
            raise _bad("an unexpected line", "意外的行")
    raise _bad("it ends early (no trailer): truncated?", "文件不完整（缺少结尾），可能被截断")


def _insert(
    conn: Connection, table: Table, columns: list[str], batch: list[dict[str, Any]]
) -> None:
    if batch:
        if table.name in LOGS:
            raise _bad("it has change-log rows", "含有变更日志行")
        target = sa.table(table.name, *[sa.column(c) for c in columns])
        conn.execute(target.insert(), batch)
        batch.clear()


def _log_top(conn: Connection, dialect: SqlDialect, log: Table) -> int:
    top = conn.scalar(sa.text(f"SELECT max(seq) FROM {quote(conn, log.name)}"))
    return max(int(top or 0), counter(conn, dialect, log))


def _reset_log(
    conn: Connection, dialect: SqlDialect, log: Table, *, after: int, row: dict[str, int]
) -> None:
    """One change-log entry past a gap: every reader's next ``changes_since`` finds the
    log "pruned past it" and reloads everything. The station log's entry spans every id
    too, so even a reader that took it as a plain entry would re-read each station."""
    seq = after + 2
    conn.execute(
        sa.table(log.name, sa.column("seq"), *(sa.column(c) for c in row)).insert(),
        {"seq": seq} | row,
    )
    set_counter(conn, dialect, log, seq)
