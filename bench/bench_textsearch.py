"""``q`` at 1M stations (issue 13): the listing's text search against a plain LIKE scan.

Usage::

    .venv/bin/python bench/bench_textsearch.py --stations 20000            # smoke test
    .venv/bin/python bench/bench_textsearch.py --postgres-url postgresql://... \\
        --data-dir /tmp/sf-textsearch --markdown /tmp/bench-textsearch.md

Data: ``--stations`` stations with Chinese names and addresses drawn by a seeded numpy
generator (``station_rows``): a brand's outlet (工商银行花园路支行, 中国石化黄河路加油站,
顺丰速运金水营业部, 7-ELEVEN...) or a district's community, then a kind (暖心驿站, 工会驿站,
户外劳动者服务站, 司机之家, ...: 驿站 is in about 85% of names); the address is province,
city, district, road (Zipf-weighted: a few roads are everywhere, most are rare) and house
number. Names repeat; addresses mostly do not. The rows go through the product's schema:
the SQLite store is made by its migrations (``open_store``) and filled with one
``executemany`` whose rows carry ``search_grams`` (``geo.textsearch.search_grams``); the
FTS5 triggers fill ``stations_fts``, which is checked (one document per station). The
PostGIS store is made by its migrations in a fresh database, then the same rows (read back
from the SQLite file) are loaded with COPY, the GIN and GiST indexes dropped before and
recreated after from their own ``pg_indexes`` definitions (building a GIN index once is
much faster than maintaining it row by row). Both are ANALYZEd. ``--data-dir`` keeps the
SQLite file for reruns; the PostGIS database is always fresh and dropped at the end.

For each query (``QUERIES``: different selectivity) and backend, as ``GET /v1/stations?q=``
asks (default ``status=any``, no bbox, ``limit=10``, with the count behind
``numberMatched``):

- *ours*: ``store.list_stations(..., limit=10, text=parse_query(q))``, the call the API
  makes (bigram index for candidates, then LIKE on the lower-cased text, count + page);
- *scan*: the same two statements with only the LIKE conditions (``lower(name) LIKE p OR
  lower(address) LIKE p`` per term), i.e. what it costs without the index, on the same
  engine.

The first run of each is untimed and checked: both must give the same page of ids and the
same count, and these must equal a Python oracle over the seeded rows (substring of the
lower-cased name or address); any difference aborts the run. Then ``--repeats`` timed runs
alternate ours and scan, so a change in the machine's load hits both. Every timed answer
is checked again. The plan columns are the database's own EXPLAIN of our two statements.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.model import Status
from geo.storage import StationStore, open_store
from geo.storage.listing_sql import text_filter as _text_filter
from geo.storage.schema import stations
from geo.storage.stations_sql import INSERT_COLUMNS as _INSERT_COLUMNS
from geo.textsearch import Term, like_pattern, parse_query, search_grams

SEED_TS = "2026-01-01T00:00:00Z"
STATUSES = frozenset(Status)  # the listing's default, status=any
LIMIT = 10

# (province, city, lon, lat, districts): an address starts with these.
CITIES = (
    ("", "北京市", 116.40, 39.90, ("海淀区", "朝阳区", "东城区", "西城区", "丰台区", "昌平区")),
    ("", "上海市", 121.47, 31.23, ("浦东新区", "徐汇区", "静安区", "闵行区", "黄浦区")),
    ("河南省", "郑州市", 113.62, 34.75, ("金水区", "二七区", "中原区", "管城回族区", "惠济区")),
    ("广东省", "广州市", 113.26, 23.13, ("天河区", "越秀区", "海珠区", "白云区")),
    ("广东省", "深圳市", 114.06, 22.54, ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区")),
    ("浙江省", "杭州市", 120.16, 30.27, ("西湖区", "拱墅区", "上城区", "滨江区")),
    ("四川省", "成都市", 104.07, 30.57, ("武侯区", "锦江区", "青羊区", "成华区")),
    ("湖北省", "武汉市", 114.30, 30.59, ("江汉区", "武昌区", "洪山区")),
    ("江苏省", "南京市", 118.80, 32.06, ("鼓楼区", "玄武区", "秦淮区")),
    ("陕西省", "西安市", 108.94, 34.34, ("雁塔区", "碑林区", "未央区")),
)  # fmt: skip
CITY_WEIGHTS = (0.16, 0.14, 0.12, 0.10, 0.10, 0.09, 0.08, 0.08, 0.07, 0.06)
ROAD_STEMS = (
    "人民", "解放", "中山", "建设", "和平", "胜利", "文化", "花园", "东风", "黄河",
    "长江", "友谊", "新华", "光明", "青年", "健康", "幸福", "团结", "民主", "工业",
    "农业", "经三", "纬五", "学院", "科技", "金水", "中关村", "长安", "复兴", "延安",
    "天府", "滨江", "紫荆山", "二七", "大学", "航海", "嵩山", "桐柏", "未来", "丰产",
    "商都", "玉兰", "香樟", "梧桐", "银杏", "凤凰", "龙湖", "望京", "翠竹", "白沙",
)  # fmt: skip
ROAD_SUFFIXES = ("路", "大道", "街", "东路", "西路", "南路", "北路")
# (brand, outlet, weight): a station hosted by a brand is named brand + place + outlet.
BRANDS = (
    ("工商银行", "支行", 6), ("建设银行", "支行", 5), ("农业银行", "支行", 5),
    ("中国银行", "支行", 4), ("交通银行", "支行", 2), ("招商银行", "支行", 2),
    ("邮储银行", "支行", 2), ("中国石化", "加油站", 6), ("中国石油", "加油站", 5),
    ("顺丰速运", "营业部", 5), ("京东物流", "营业部", 4), ("中通快递", "网点", 4),
    ("圆通速递", "网点", 4), ("韵达快递", "网点", 3), ("申通快递", "网点", 3),
    ("中国邮政", "邮政所", 3), ("美团", "站点", 4), ("饿了么", "站点", 3),
    ("国家电网", "供电所", 2), ("中国移动", "营业厅", 3), ("中国联通", "营业厅", 2),
    ("蜜雪冰城", "门店", 2), ("瑞幸咖啡", "门店", 2), ("7-ELEVEN", "便利店", 1),
)  # fmt: skip
COMMUNITY = ("社区", "街道", "总工会", "党群服务中心", "广场", "公园")
# (kind, weight): 驿站 is in 85% of them.
KINDS = (
    ("暖心驿站", 30), ("工会驿站", 20), ("爱心驿站", 10), ("户外劳动者驿站", 10),
    ("骑手驿站", 8), ("新就业群体驿站", 7), ("户外劳动者服务站", 7), ("司机之家", 4),
    ("职工之家", 4),
)  # fmt: skip

# (q, what it shows). Selectivities are of the default 1M-station data (seed 1).
QUERIES: tuple[tuple[str, str], ...] = (
    ("桐柏北路 圆通", "rare road + brand"),
    ("顺丰速运", "a brand"),
    ("驿站", "common word (most stations)"),
    ("金水", "2 characters"),
    ("郑州 银行 驿站", "3 terms"),
    ("eleven", "Latin, other case"),
    ("路12号", "digits: candidates > matches"),
    ("火星基地", "no match"),
)


def _weights(w: Sequence[float] | np.ndarray) -> np.ndarray:
    a = np.asarray(w, dtype=float)
    return np.asarray(a / a.sum())


def station_rows(n: int, seed: int) -> list[tuple[Any, ...]]:
    """The seeded stations as rows of ``_INSERT_COLUMNS``, ids 1..n."""
    rng = np.random.default_rng(seed)
    roads = [s + x for s in ROAD_STEMS for x in ROAD_SUFFIXES]
    road_w = _weights(1.0 / np.arange(1, len(roads) + 1))  # Zipf: 人民路 everywhere
    road_w = road_w[rng.permutation(len(roads))]  # ...but which road is common is drawn
    city = rng.choice(len(CITIES), n, p=_weights(CITY_WEIGHTS)).tolist()
    district = rng.integers(0, 6, n).tolist()
    road = rng.choice(len(roads), n, p=road_w).tolist()
    place_road = rng.choice(len(roads), n, p=road_w).tolist()
    number = np.minimum(rng.zipf(1.6, n), 999).tolist()
    branded = (rng.random(n) < 0.7).tolist()
    brand = rng.choice(len(BRANDS), n, p=_weights([b[2] for b in BRANDS])).tolist()
    place_kind = rng.integers(0, 3, n).tolist()
    community = rng.integers(0, len(COMMUNITY), n).tolist()
    kind = rng.choice(len(KINDS), n, p=_weights([k[1] for k in KINDS])).tolist()
    lon_noise = rng.normal(0, 0.08, n).tolist()
    lat_noise = rng.normal(0, 0.06, n).tolist()
    status = rng.choice(3, n, p=[0.9, 0.04, 0.06]).tolist()
    status_names = [s.value for s in Status]
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        province, city_name, lon0, lat0, districts = CITIES[city[i]]
        dist = districts[district[i] % len(districts)]
        address = f"{province}{city_name}{dist}{roads[road[i]]}{number[i]}号"
        if place_kind[i] == 0:  # named after the district (金水), else after a road
            place = dist.removesuffix("新区").removesuffix("回族区").removesuffix("区")
        else:
            place = roads[place_road[i]]
        if branded[i]:
            b, outlet, _ = BRANDS[brand[i]]
            name = f"{b}{place}{outlet}{KINDS[kind[i]][0]}"
        else:
            name = f"{dist}{place}{COMMUNITY[community[i]]}{KINDS[kind[i]][0]}"
        values = {
            "id": i + 1, "name": name, "address": address, "district": dist,
            "city": city_name, "province": province or city_name,
            "status": status_names[status[i]], "lon": lon0 + lon_noise[i],
            "lat": lat0 + lat_noise[i], "amenity_mask": 0,
            "search_grams": search_grams(name, address),
            "created_at": SEED_TS, "updated_at": SEED_TS,
        }  # fmt: skip
        rows.append(tuple(values.get(c) for c in _INSERT_COLUMNS))
    return rows


def seed_sqlite(path: Path, n: int, seed: int) -> float:
    """A fresh product database at ``path`` holding the ``n`` seeded stations; seconds."""
    t0 = time.perf_counter()
    open_store(f"sqlite:///{path}").close()  # the schema, FTS5 table and triggers
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        marks = ", ".join("?" * len(_INSERT_COLUMNS))
        with conn:
            conn.executemany(
                f"INSERT INTO stations ({', '.join(_INSERT_COLUMNS)}) VALUES ({marks})",
                station_rows(n, seed),
            )
        # The triggers filled the FTS5 index: one document (docsize row) per station.
        indexed = conn.execute("SELECT count(*) FROM stations_fts_docsize").fetchone()[0]
        if indexed != n:
            raise AssertionError(f"stations_fts holds {indexed} documents, not {n}")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.perf_counter() - t0


def sqlite_file(data_dir: Path, n: int, seed: int) -> tuple[Path, float]:
    """The seeded file for (n, seed) in ``data_dir``, written if missing; seconds spent."""
    path = data_dir / f"textsearch-{n}-seed{seed}.db"
    if path.exists():
        return path, 0.0
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    seconds = seed_sqlite(tmp, n, seed)
    tmp.rename(path)
    Path(f"{tmp}.migrate.lock").unlink(missing_ok=True)  # the migrations' lock file
    return path, seconds


def seed_postgres(url: str, sqlite_path: Path) -> float:
    """Migrate the (empty) PostGIS database at ``url`` and COPY the stations of the seeded
    SQLite file into it, indexes rebuilt from their own definitions; seconds."""
    import psycopg

    t0 = time.perf_counter()
    open_store(url).close()  # migrations
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    source = sqlite3.connect(sqlite_path)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            defs = conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'stations' "
                "AND indexname IN ('ix_stations_search_grams', 'ix_stations_geog')"
            ).fetchall()
            if "ix_stations_search_grams" not in {d[0] for d in defs}:
                raise AssertionError(f"no GIN index on stations.search_grams: {defs}")
            with conn.transaction(), conn.cursor() as cur:
                for name, _ in defs:
                    cur.execute(f"DROP INDEX {name}")
                cols = ", ".join(_INSERT_COLUMNS)
                with cur.copy(f"COPY stations ({cols}) FROM STDIN") as copy:
                    for row in source.execute(f"SELECT {cols} FROM stations ORDER BY id"):
                        copy.write_row(row)
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _, definition in defs:
                    cur.execute(definition)
            conn.execute("VACUUM ANALYZE stations")
            got = conn.execute("SELECT count(*) FROM stations").fetchone()
            want = source.execute("SELECT count(*) FROM stations").fetchone()[0]
            if got is None or got[0] != want:
                raise AssertionError(f"PostGIS holds {got} stations, not {want}")
    finally:
        source.close()
    return time.perf_counter() - t0


@contextmanager
def postgres_database(admin_url: str) -> Iterator[tuple[str, str]]:
    """A new empty database with PostGIS on the server of ``admin_url``, dropped at the
    end: its URL and the server's versions."""
    url = sa.make_url(admin_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"sf_bench_q_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            template = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = 'template_postgis'")
            )
            copy = " TEMPLATE template_postgis" if template else ""
            conn.execute(sa.text(f"CREATE DATABASE {name}{copy}"))
        db_url = url.set(database=name)
        engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
            pg = conn.scalar(sa.text("SHOW server_version"))
            gis = conn.scalar(sa.text("SELECT postgis_lib_version()"))
        engine.dispose()
        yield db_url.render_as_string(hide_password=False), f"PostgreSQL {pg}, PostGIS {gis}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


# -- the two contenders and the oracle ------------------------------------------------


Answer = tuple[list[int], int]  # the page's ids, numberMatched


def ours(store: StationStore, terms: tuple[Term, ...]) -> Answer:
    """What ``GET /v1/stations?q=...&limit=10`` asks of the store."""
    page = store.list_stations(
        bbox=None, mask=0, statuses=STATUSES, limit=LIMIT, offset=0, text=terms
    )
    return [s.id for s in page.items], page.total


def _like_only(terms: tuple[Term, ...]) -> Any:
    """The listing's condition with the LIKE tests alone: no index can serve it."""
    conditions: list[Any] = [stations.c.status.in_(sorted(s.value for s in STATUSES))]
    for term in terms:
        pattern = like_pattern(term.text)
        conditions.append(
            sa.or_(
                sa.func.lower(stations.c.name).like(pattern, escape="\\"),
                sa.func.lower(sa.func.coalesce(stations.c.address, "")).like(pattern, escape="\\"),
            )
        )
    return sa.and_(*conditions)


def scan(engine: sa.Engine, terms: tuple[Term, ...]) -> Answer:
    """The same answer by a plain LIKE scan: the count and the page, whole rows fetched."""
    cond = _like_only(terms)
    with engine.connect() as conn:
        total = conn.scalar(sa.select(sa.func.count()).select_from(stations).where(cond))
        rows = conn.execute(
            sa.select(stations).where(cond).order_by(stations.c.id).limit(LIMIT)
        ).all()
    return [int(r.id) for r in rows], int(total or 0)


class Oracle:
    """The answers computed in Python from the stored names and addresses."""

    def __init__(self, sqlite_path: Path) -> None:
        conn = sqlite3.connect(sqlite_path)
        try:
            rows = conn.execute("SELECT id, name, address FROM stations ORDER BY id").fetchall()
        finally:
            conn.close()
        self.ids = [int(r[0]) for r in rows]
        self.texts = [(r[1].lower(), (r[2] or "").lower()) for r in rows]

    def answer(self, terms: tuple[Term, ...]) -> Answer:
        found = [
            i
            for i, (name, address) in zip(self.ids, self.texts, strict=True)
            if all(t.text in name or t.text in address for t in terms)
        ]
        return found[:LIMIT], len(found)

    def candidates(self, sqlite_path: Path, terms: tuple[Term, ...]) -> int:
        """How many stations hold every bigram of the query (what the index returns)."""
        grams = sorted({g for t in terms for g in t.grams})
        match = " AND ".join(f'"{g}"' for g in grams)
        conn = sqlite3.connect(sqlite_path)
        try:
            sql = "SELECT count(*) FROM stations_fts WHERE stations_fts MATCH ?"
            return int(conn.execute(sql, (match,)).fetchone()[0])
        finally:
            conn.close()


def check(q: str, backend: str, answers: dict[str, Answer]) -> None:
    """Fail loudly unless every contender gave the same ids and count."""
    if len({(tuple(ids), total) for ids, total in answers.values()}) != 1:
        shown = "; ".join(f"{k}: ids {ids} count {total}" for k, (ids, total) in answers.items())
        raise AssertionError(f"{backend} q={q!r}: answers differ: {shown}")


def plan(engine: sa.Engine, terms: tuple[Term, ...]) -> str:
    """Which access paths the database picks for our count and our page."""
    dialect = engine.dialect.name
    cond = sa.and_(
        stations.c.status.in_(sorted(s.value for s in STATUSES)), *_text_filter(dialect, terms)
    )
    statements = {
        "count": sa.select(sa.func.count()).select_from(stations).where(cond),
        "page": sa.select(stations).where(cond).order_by(stations.c.id).limit(LIMIT),
    }
    marks = (
        (r"VIRTUAL TABLE INDEX", "FTS5"),
        (r"^SEARCH stations USING INTEGER PRIMARY KEY", "by id"),
        (r"^SCAN stations( |$)", "full scan"),
        (r"Bitmap Index Scan on ix_stations_search_grams", "GIN"),
        (r"Index Scan (Backward )?using stations_pkey", "id order walk"),
        (r"Seq Scan on stations ", "seq scan"),
    )
    parts = []
    with engine.connect() as conn:
        for label, stmt in statements.items():
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
            lines = [str(r[-1]).strip(" ->") for r in conn.exec_driver_sql(explain + sql)]
            found = [name for rx, name in marks if any(re.search(rx, x) for x in lines)]
            parts.append(f"{label}: {' + '.join(found) or '?'}")
    return "; ".join(parts)


@dataclass
class Row:
    backend: str
    q: str
    what: str
    matches: int
    candidates: int
    ours_s: list[float]
    scan_s: list[float]
    plan: str


def measure(
    backend: str, store: StationStore, oracle: Oracle, sqlite_path: Path,
    queries: Sequence[tuple[str, str]], repeats: int,
) -> list[Row]:  # fmt: skip
    """Every query on one backend: checked first, then timed ``repeats`` times each."""
    engine: sa.Engine = store.engine  # type: ignore[attr-defined]  # both stores are SQL
    rows = []
    for q, what in queries:
        terms = parse_query(q)
        want = oracle.answer(terms)
        check(q, backend, {"ours": ours(store, terms), "scan": scan(engine, terms), "oracle": want})
        ours_s: list[float] = []
        scan_s: list[float] = []
        for _ in range(repeats):
            t = time.perf_counter()
            got = ours(store, terms)
            ours_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            peer = scan(engine, terms)
            scan_s.append(time.perf_counter() - t)
            check(q, backend, {"ours": got, "scan": peer, "oracle": want})
        rows.append(
            Row(backend, q, what, want[1], oracle.candidates(sqlite_path, terms), ours_s,
                scan_s, plan(engine, terms))
        )  # fmt: skip
        print(
            f"  {backend} {q!r}: {want[1]:,} matches, ours {ms(ours_s, 0.5)} ms, "
            f"scan {ms(scan_s, 0.5)} ms",
            file=sys.stderr,
        )
    return rows


def ms(values: list[float], q: float) -> str:
    v = float(np.quantile(np.asarray(values), q)) * 1e3
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def table(rows: list[Row], n: int) -> str:
    lines = [
        "| backend | q | what | matches | index candidates | ours median ms | ours p95 ms "
        "| scan median ms | scan p95 ms | scan / ours (median) | our plan |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = float(np.median(r.scan_s) / np.median(r.ours_s))
        lines.append(
            f"| {r.backend} | `{r.q}` | {r.what} | {r.matches:,} ({r.matches / n:.1%}) "
            f"| {r.candidates:,} | {ms(r.ours_s, 0.5)} | {ms(r.ours_s, 0.95)} "
            f"| {ms(r.scan_s, 0.5)} | {ms(r.scan_s, 0.95)} | {ratio:.1f}× | {r.plan} |"
        )
    return "\n".join(lines)


def no_gain(rows: list[Row], n: int) -> str:
    """The rows where the index does not make the listing clearly faster than a scan."""
    slow = [
        f"{r.backend} `{r.q}` ({r.matches / n:.0%} of stations, "
        f"{np.median(r.scan_s) / np.median(r.ours_s):.1f}×)"
        for r in rows
        if np.median(r.scan_s) < 2 * np.median(r.ours_s)
    ]
    if not slow:
        return "- The index made every query at least 2× faster than the scan."
    return (
        "- Less than 2× faster than the scan (share of stations matched, scan / ours): "
        + ", ".join(slow)
        + "."
    )


def machine(pg_version: str | None) -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    parts = [
        f"nproc {os.cpu_count()}", f"load average {load} (1/5/15 min, at the end)",
        f"{platform.processor() or platform.machine()}", f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}", f"SQLAlchemy {sa.__version__}",
        pg_version or "no PostgreSQL", f"commit {commit}",
    ]  # fmt: skip
    return "; ".join(parts)


def command() -> str:
    """The command line, a database password hidden."""
    words = [Path(sys.executable).name, *sys.argv]
    shown = []
    for word in words:
        key, eq, value = word.rpartition("=") if word.startswith("--") else ("", "", word)
        if "://" in value:
            value = sa.make_url(value).render_as_string(hide_password=True)
        shown.append(key + eq + value)
    return " ".join(shown)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stations", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=20, help="timed runs per query and contender")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", type=Path, help="keep the seeded SQLite file here")
    ap.add_argument("--postgres-url", default=os.environ.get("STATIONFINDER_TEST_POSTGRES_URL"),
                    help="admin URL of a PostgreSQL server with PostGIS")  # fmt: skip
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only")
    ap.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = ap.parse_args()
    n = args.stations
    rows: list[Row] = []
    notes = []
    pg_version = None
    with tempfile.TemporaryDirectory(prefix="sf-textsearch-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        path, seed_s = sqlite_file(data_dir, n, args.seed)
        notes.append(
            f"- SQLite seeded in {seed_s:.0f} s (rows, bigrams, executemany through the FTS5 "
            "triggers, ANALYZE)"
            if seed_s
            else f"- SQLite file reused from {data_dir}"
        )
        oracle = Oracle(path)
        if len(oracle.ids) != n:
            raise AssertionError(f"{path} holds {len(oracle.ids)} stations, not {n}")
        store = open_store(f"sqlite:///{path}")
        try:
            rows += measure("SQLite", store, oracle, path, QUERIES, args.repeats)
        finally:
            store.close()
        if args.postgres_url and not args.no_postgres:
            with postgres_database(args.postgres_url) as (url, pg_version):
                load_s = seed_postgres(url, path)
                notes.append(
                    f"- PostGIS loaded in {load_s:.0f} s (migrations, COPY, GIN + GiST "
                    "index builds, VACUUM ANALYZE)"
                )
                store = open_store(url)
                try:
                    rows += measure("PostGIS", store, oracle, path, QUERIES, args.repeats)
                finally:
                    store.close()
    text = "\n".join(
        [
            f"### q at {n:,} stations: the listing's index path against a LIKE scan",
            "",
            table(rows, n),
            "",
            f"- {args.repeats} timed runs per cell, ours and scan alternating; each answer "
            "(first 10 ids by id and numberMatched) checked equal between ours, the scan and "
            "a Python oracle. *Ours* is `store.list_stations(text=parse_query(q), limit=10)` "
            "(count + page, status=any); *scan* is the same two statements with the LIKE "
            "tests alone. *Index candidates*: stations holding every bigram of q (counted in "
            "SQLite's FTS5 table; the GIN index holds the same bigrams), which the LIKE "
            "tests then narrow to the matches.",
            no_gain(rows, n),
            *notes,
            "",
            f"Machine: {machine(pg_version)}.",
            "",
            f"Command: `{command()}`",
            "",
        ]
    )
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
