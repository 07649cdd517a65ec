"""Backup and restore give back every row of every table exactly, on SQLite, on PostGIS
and across them; ids are never reused; a damaged file changes nothing; a file edited
without the backup secret (a planted admin key) is refused; keys come back only when
asked; running registries on the restored store rebuild their index."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from geo.access import SYSTEM
from geo.errors import BackupNotAuthentic, InvalidBackup, InvalidParameter, StoreNotEmpty
from geo.keys import create_key, revoke_key
from geo.model import StationData, build_station_data
from geo.registry import Registry, open_registry
from geo.reports.model import ReportClient, new_report
from geo.reports.moderation import Verdict
from geo.search import build_nearest_query
from geo.storage.backup import backup, restore
from tests.forgery import PLANTED_HASH, forge_admin_key
from tests.postgres import fresh_database

SECRET = "test-backup-secret-of-32-characters-or-more"
OTHER_SECRET = "another-deployment-backup-secret-0123456789"

_opened: list[Registry] = []


@pytest.fixture
def opened() -> Iterator[Callable[[str], Registry]]:
    """Registries opened by the test, closed before its stores are dropped."""

    def at(url: str) -> Registry:
        registry = open_registry(url)
        _opened.append(registry)
        return registry

    yield at
    while _opened:
        _opened.pop().close()


def items(n: int, seed: int) -> list[StationData]:
    rng = random.Random(seed)
    amenities = ["drinking_water", "microwave", "toilet", "ev_charging", "wifi"]
    return [
        build_station_data(
            {
                "name": f"驿站{seed}-{i} \"引号\" 'x' \\ ✓",
                "external_id": f"S{seed}-{i}" if i % 3 else None,
                "lon": rng.uniform(73.5, 135.0),  # full doubles: every digit must survive
                "lat": rng.uniform(18.2, 53.5),
                "amenities": rng.sample(amenities, rng.randint(0, 4)),
                "address": None if i % 4 == 0 else f"路{i}号\n第二行",
                "car_parking_spaces": rng.choice([None, 0, 7]),
                "opening_hours": rng.choice([None, "24小时", "周一至周五 09:00-17:00"]),
                "status": rng.choice(["open", "temporarily_closed", "planned"]),
                "phone": rng.choice([None, "010-65001234"]),
            }
        )
        for i in range(n)
    ]


def populate(registry: Registry, seed: int = 1) -> None:
    """Stations written, edited and removed (so the id counter is past the largest id)."""
    created = registry.create_many(items=items(300, seed))
    registry.patch(station_id=created[5].id, changes={"phone": None, "name": "改过的驿站"})
    for station in created[-4:] + created[10:12]:
        registry.delete(station_id=station.id)
    registry.store.set_meta("initialised", "2026-11-22T08:00:00+00:00")
    registry.store.set_meta("demo_seed", "20261122")
    _, editor = create_key(
        registry.store, name="朝阳区总工会", role="editor", adcodes=["110105"], actor=SYSTEM
    )
    create_key(registry.store, name="市总工会", role="admin", actor=SYSTEM)
    revoke_key(registry.store, key_id=editor.id, actor=SYSTEM)
    reported = registry.live.report(
        created[0].id, new_report({"kind": "microwave_broken", "note": "门口\n“坏了”"}),
        ReportClient("device", "203.0.113.9"),
    )  # fmt: skip
    registry.judge_report(reported.id, Verdict.CONFIRM, actor=SYSTEM, note="已确认")
    registry.live.report(created[1].id, new_report({"kind": "parking_full"}),
                         ReportClient("device", "203.0.113.9"))  # fmt: skip


def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the change log, Alembic's and PostGIS's, by primary key;
    PostGIS's derived ``geog`` left out (compared across backends)."""
    engine = sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg")
        if url.startswith("postgresql")
        else url,
        poolclass=sa.pool.NullPool,
    )
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            if name in ("alembic_version", "changes", "report_changes", "spatial_ref_sys"):
                continue
            if name.startswith("stations_fts"):  # SQLite's text index of the stations
                continue
            key = inspector.get_pk_constraint(name)["constrained_columns"]
            rows = conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY {', '.join(key)}"))
            tables[name] = [{k: v for k, v in r._mapping.items() if k != "geog"} for r in rows]
    engine.dispose()
    return tables


def round_trip(source: str, target: str, path: Path, opened: Callable[[str], Registry]) -> None:
    backup(opened(source).store, path, secret=SECRET)
    restore(opened(target).store, path, secret=SECRET, with_keys=True)
    assert dump(target) == dump(source)


def test_round_trip_keeps_every_row_of_every_table(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    before = dump(source)
    assert len(before["stations"]) == 294
    assert len(before["meta"]) == 3  # with the reports' salt
    assert len(before["reports"]) == 2
    assert len(before["api_keys"]) == 2
    round_trip(source, store_url("target"), tmp_path / "b.jsonl.gz", opened)
    assert dump(source) == before  # a backup reads, never writes
    assert (tmp_path / "b.jsonl.gz").stat().st_mode & 0o777 == 0o600  # the owner's only


@pytest.mark.slow
def test_round_trip_across_backends(tmp_path: Path, opened: Callable[[str], Registry]) -> None:
    sqlite_a = f"sqlite:///{tmp_path}/a.db"
    sqlite_b = f"sqlite:///{tmp_path}/b.db"
    populate(opened(sqlite_a), seed=2)
    with fresh_database() as postgis:
        round_trip(sqlite_a, postgis, tmp_path / "to-postgis.gz", opened)
        registry = opened(postgis)
        registry.create(data=items(1, 9)[0])  # the PostGIS store goes on living
        round_trip(postgis, sqlite_b, tmp_path / "to-sqlite.gz", opened)
        assert dump(sqlite_b) == dump(postgis) != dump(sqlite_a)
        while _opened:
            _opened.pop().close()


def test_new_ids_are_above_every_id_the_backup_used(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = opened(store_url("source"))
    created = source.create_many(items=items(10, 3))
    source.delete(station_id=created[-1].id)  # the highest id is gone, not forgotten
    backup(source.store, tmp_path / "b.gz", secret=SECRET)
    target = opened(store_url("target"))
    restore(target.store, tmp_path / "b.gz", secret=SECRET)
    target.reload()
    new = target.create(data=items(1, 4)[0])
    assert new.id == created[-1].id + 1


def test_restore_refuses_a_store_with_data_unless_replace(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "b.gz", secret=SECRET)
    target = store_url("target")
    opened(target).create(data=items(1, 5)[0])
    kept = dump(target)
    with pytest.raises(StoreNotEmpty, match="--replace"):
        restore(opened(target).store, tmp_path / "b.gz", secret=SECRET, with_keys=True)
    assert dump(target) == kept
    restore(opened(target).store, tmp_path / "b.gz", replace=True, secret=SECRET, with_keys=True)
    assert dump(target) == dump(source)


def rewrite(path: Path, out: Path, edit: Callable[[list[bytes]], list[bytes]]) -> Path:
    with gzip.open(path, "rb") as f:
        lines = f.readlines()
    with gzip.open(out, "wb") as f:
        f.writelines(edit(lines))
    return out


def _edit_a_row(lines: list[bytes]) -> list[bytes]:
    return [line.replace("改过的驿站".encode(), "改坏的驿站".encode()) for line in lines]


def _version_2(lines: list[bytes]) -> list[bytes]:
    header = json.loads(lines[0]) | {"version": 2}
    return [json.dumps(header).encode() + b"\n", *lines[1:]]


def _unknown_column(lines: list[bytes]) -> list[bytes]:
    header = json.loads(lines[0])
    header["tables"]["meta"]["columns"].append("colour")
    return [json.dumps(header).encode() + b"\n", *lines[1:]]


def _edit_a_row_and_checksum(lines: list[bytes]) -> list[bytes]:
    """What anyone can do: edit a row and put the SHA-256 of the result in the trailer."""
    body = _edit_a_row(lines[:-1])
    end = json.loads(lines[-1])
    end["end"]["sha256"] = hashlib.sha256(b"".join(body)).hexdigest()
    return [*body, json.dumps(end).encode() + b"\n"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:-1], "no trailer"),  # truncated: the trailer is missing
        (lambda lines: lines[:-5] + lines[-1:], "checksum"),  # rows lost, trailer kept
        (_edit_a_row, "checksum"),  # a value changed
        (_edit_a_row_and_checksum, "signature does not match"),  # ...and the SHA-256 fixed
        (_version_2, "format version 2"),  # written by a newer stationfinder
        (_unknown_column, "meta.colour"),  # a column this schema lacks
        (lambda lines: [b"not json\n"], "line 1 is not JSON"),
    ],
)
def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(
    store_url: Callable[[str], str],
    tmp_path: Path,
    opened: Callable[[str], Registry],
    edit: Callable[[list[bytes]], list[bytes]],
    message: str,
) -> None:
    source = store_url("source")
    populate(opened(source))
    good = tmp_path / "good.gz"
    backup(opened(source).store, good, secret=SECRET)
    target = opened(store_url("target"))
    empty = dump(target.store.url)
    with pytest.raises(InvalidBackup, match=message):
        restore(target.store, rewrite(good, tmp_path / "bad.gz", edit), secret=SECRET)
    assert dump(target.store.url) == empty


def test_a_file_that_is_not_gzip_is_refused(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    (tmp_path / "x.gz").write_text("stations")
    with pytest.raises(InvalidBackup, match="gzip"):
        restore(opened(store_url("t")).store, tmp_path / "x.gz", secret=SECRET)


def key_rows(url: str) -> list[dict[str, Any]]:
    return dump(url)["api_keys"]


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("keep", "signature does not match"),  # the genuine signature, now of other bytes
        ("drop", "not signed"),  # the signature removed
        (OTHER_SECRET, "signature does not match"),  # re-signed under a guessed secret
    ],
)
@pytest.mark.parametrize("with_keys", [True, False])
def test_a_planted_admin_key_is_refused_and_changes_nothing(
    store_url: Callable[[str], str],
    tmp_path: Path,
    opened: Callable[[str], Registry],
    signature: str,
    message: str,
    with_keys: bool,
) -> None:
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "good.gz", secret=SECRET)
    forged = forge_admin_key(tmp_path / "good.gz", tmp_path / "forged.gz", signature=signature)
    target = opened(store_url("target"))
    create_key(target.store, name="本机管理员", role="admin", actor=SYSTEM)
    before = dump(target.store.url)
    with pytest.raises(BackupNotAuthentic, match=message) as refused:
        restore(target.store, forged, replace=True, secret=SECRET, with_keys=with_keys)
    assert "未恢复任何数据" in refused.value.message_zh
    assert dump(target.store.url) == before
    assert target.store.key_by_hash(PLANTED_HASH) is None


def test_the_forgery_is_otherwise_a_valid_backup(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    """The refusals above are the signature's doing: signed with the real secret (which
    the forger lacks), the same file restores, planted key and all."""
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "good.gz", secret=SECRET)
    forged = forge_admin_key(tmp_path / "good.gz", tmp_path / "forged.gz", signature=SECRET)
    target = opened(store_url("target"))
    restore(target.store, forged, secret=SECRET, with_keys=True)
    planted = target.store.key_by_hash(PLANTED_HASH)
    assert planted is not None
    assert planted.role.value == "admin"


def test_a_backup_signed_under_another_secret_is_refused(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "b.gz", secret=OTHER_SECRET)
    target = opened(store_url("target"))
    empty = dump(target.store.url)
    for with_keys in (False, True):
        with pytest.raises(BackupNotAuthentic, match="another secret"):
            restore(target.store, tmp_path / "b.gz", secret=SECRET, with_keys=with_keys)
    # --allow-unsigned does not override a signature that does not match.
    with pytest.raises(BackupNotAuthentic, match="signature does not match"):
        restore(target.store, tmp_path / "b.gz", secret=SECRET, allow_unsigned=True)
    assert dump(target.store.url) == empty


def test_keys_are_restored_only_when_asked(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "b.gz", secret=SECRET)
    everything = dump(source)
    but_keys = {name: rows for name, rows in everything.items() if name != "api_keys"}

    fresh = store_url("fresh")
    summary = restore(opened(fresh).store, tmp_path / "b.gz", secret=SECRET)
    assert summary.signed
    assert summary.rows["api_keys"] == 0
    assert summary.skipped == {"api_keys": 2}
    assert summary.rows["stations"] == 294
    assert dump(fresh) == but_keys | {"api_keys": []}
    # A key made afterwards never takes the id of one the restored audit log names.
    _, new = create_key(opened(fresh).store, name="新密钥", role="admin", actor=SYSTEM)
    assert new.id > max(k["id"] for k in everything["api_keys"])

    # A store's own keys are kept by --replace (its audit log, like any data, is not)...
    own = store_url("own")
    create_key(opened(own).store, name="本机管理员", role="admin", actor=SYSTEM)
    own_keys = key_rows(own)
    with pytest.raises(StoreNotEmpty, match="audit_log"):
        restore(opened(own).store, tmp_path / "b.gz", secret=SECRET)
    restore(opened(own).store, tmp_path / "b.gz", replace=True, secret=SECRET)
    assert dump(own) == but_keys | {"api_keys": own_keys}
    # ...and --with-keys replaces them, with --replace only.
    with pytest.raises(StoreNotEmpty, match="api_keys"):
        restore(opened(own).store, tmp_path / "b.gz", secret=SECRET, with_keys=True)
    summary = restore(
        opened(own).store, tmp_path / "b.gz", replace=True, secret=SECRET, with_keys=True
    )
    assert summary.rows["api_keys"] == 2
    assert summary.skipped == {}
    assert dump(own) == everything


def test_an_unsigned_backup_needs_allow_unsigned_and_never_brings_keys(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = store_url("source")
    populate(opened(source))
    summary = backup(opened(source).store, tmp_path / "b.gz")  # no secret configured
    assert not summary.signed
    target = store_url("target")
    empty = dump(opened(target).store.url)
    for secret in (None, SECRET):
        with pytest.raises(BackupNotAuthentic, match="--allow-unsigned"):
            restore(opened(target).store, tmp_path / "b.gz", secret=secret)
    with pytest.raises(BackupNotAuthentic, match="needs STATIONFINDER_BACKUP_SECRET"):
        restore(opened(target).store, tmp_path / "b.gz", with_keys=True)
    with pytest.raises(InvalidParameter, match="cannot be combined"):
        restore(
            opened(target).store, tmp_path / "b.gz", secret=SECRET, with_keys=True,
            allow_unsigned=True,
        )  # fmt: skip
    with pytest.raises(BackupNotAuthentic, match="not signed"):
        restore(opened(target).store, tmp_path / "b.gz", secret=SECRET, with_keys=True)
    assert dump(target) == empty
    summary = restore(opened(target).store, tmp_path / "b.gz", allow_unsigned=True)
    assert not summary.signed
    assert summary.skipped == {"api_keys": 2}
    assert dump(target) == {n: r for n, r in dump(source).items() if n != "api_keys"} | {
        "api_keys": []
    }


def test_a_signed_backup_needs_the_secret_to_be_checked(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    """A new server without the secret: refused, or restored unchecked without keys."""
    source = store_url("source")
    populate(opened(source))
    backup(opened(source).store, tmp_path / "b.gz", secret=SECRET)
    forged = forge_admin_key(tmp_path / "b.gz", tmp_path / "forged.gz")
    target = store_url("target")
    with pytest.raises(BackupNotAuthentic, match="STATIONFINDER_BACKUP_SECRET is not set"):
        restore(opened(target).store, tmp_path / "b.gz")
    summary = restore(opened(target).store, forged, allow_unsigned=True)
    assert not summary.signed
    assert key_rows(target) == []  # the planted key stayed in the file


@pytest.mark.parametrize("secret", ["", "弱密码-weak", "x" * 31])
def test_a_short_secret_is_refused(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry], secret: str
) -> None:
    store = opened(store_url("t")).store
    with pytest.raises(InvalidParameter, match="at least 32") as refused:
        backup(store, tmp_path / "b.gz", secret=secret)
    if secret:  # a secret is never echoed
        assert secret not in refused.value.message + refused.value.message_zh
    assert not (tmp_path / "b.gz").exists()
    backup(store, tmp_path / "b.gz", secret=SECRET)
    with pytest.raises(InvalidParameter, match="at least 32"):
        restore(store, tmp_path / "b.gz", secret=secret, replace=True)


def nearest_ids(registry: Registry, lon: float, lat: float) -> list[int]:
    query = build_nearest_query(lon=lon, lat=lat, k=10, open_at="any", status="any")
    return [s.id for s, _ in registry.nearest(query).hits]


def test_a_running_registry_rebuilds_its_index_after_a_restore(
    store_url: Callable[[str], str], tmp_path: Path, opened: Callable[[str], Registry]
) -> None:
    source = opened(store_url("source"))
    populate(source, seed=6)
    backup(source.store, tmp_path / "b.gz", secret=SECRET)
    target = store_url("target")
    worker = opened(target)  # a server's registry, following the change log
    worker.create_many(items=items(2000, 7))  # more writes than the backup had
    worker.sync()
    restore(opened(target).store, tmp_path / "b.gz", replace=True, secret=SECRET)
    assert worker.sync() == len(source) == worker.store.count()
    points = [(116.4, 39.9), (106.5, 29.5), (100.0, 30.0), (87.6, 43.8)]
    assert [nearest_ids(worker, *p) for p in points] == [nearest_ids(source, *p) for p in points]
    # And the worker goes on following ordinary writes after the restore.
    new = opened(target).create(data=items(1, 8)[0])
    worker.sync()
    assert new.id in nearest_ids(worker, new.lon, new.lat)
