"""Import benchmark: ``import_file`` against plain geopandas ``read_file`` + ``to_file``, same run.

Usage::

    .venv/bin/python bench/bench_import.py                          # 150k rows, CSV and XLSX
    .venv/bin/python bench/bench_import.py --rows 20000 --formats csv
    .venv/bin/python bench/bench_import.py --markdown /tmp/bench-import.md
    .venv/bin/python bench/bench_import.py --formats csv --profile 25 --trace-memory

The station list is seeded and looks like the lists district union offices send: Chinese
headers (驿站编号, 驿站名称, 经度, 纬度, 详细地址, 所属区, 服务内容, 开放时间,
机动车停车位, 联系电话), GCJ-02 coordinates clustered around 24 Chinese cities, amenity
free text ("饮水、微波炉、充电", about 2% with a label outside the vocabulary), hours
such as "24小时" or "周一至周五 09:00-17:00", some blank cells and unique ids. The same
rows are written as UTF-8 CSV and as XLSX (openpyxl write-only) in a temporary folder.

Every measurement runs in a fresh Python process, so the peak resident set size of one
measurement never includes another's. Just before the measured work (after the
libraries were imported and the registry opened) the process's peak RSS is reset to its
current RSS (Linux ``/proc/self/clear_refs``); after it, ``ru_maxrss`` of
``RUSAGE_SELF`` is the peak during the work. The table gives that peak and, in
brackets, how far it rose above the RSS just before the work: the work's own memory.

- *ours*: ``import_file`` (``crs="gcj02"``, default chunk size, commit mode) into an
  empty SQLite registry in a fresh temporary file: read, validate, convert the datum,
  detect duplicates, insert, commit, update the index. Then the same file again into
  the now-full registry (every row unchanged), timed without opening the registry.
  Each import's report is checked (all rows created, then all unchanged), so the
  timings are of correct imports only.
- *peer*: the fastest plain-geopandas load we can write, no validation, no datum
  conversion (GCJ-02 coordinates are labelled EPSG:4326 as they are), to a fresh
  GeoPackage with ``to_file(driver="GPKG")`` (pyogrio engine; pyarrow is not
  installed, so no Arrow path). Two ways are timed and the faster is the peer:
  ``gdal``: ``geopandas.read_file`` (GDAL's CSV driver with the ``X_POSSIBLE_NAMES`` /
  ``Y_POSSIBLE_NAMES`` open options building the points; GDAL's XLSX driver plus
  ``points_from_xy`` for XLSX) and ``pandas``: ``pandas.read_csv`` /
  ``pandas.read_excel`` plus ``points_from_xy``.
- *memory growth*: ours on CSV files of ``--growth-rows`` and ``--rows`` rows (the first
  rows of the same list), into an empty registry and again into the full one: does the
  peak grow with the file beyond one chunk? Into an empty registry the growth includes
  the registry's own index of the new stations, which a re-import has already built
  before it starts.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = (
    "驿站编号",
    "驿站名称",
    "经度",
    "纬度",
    "详细地址",
    "所属区",
    "服务内容",
    "开放时间",
    "机动车停车位",
    "联系电话",
)
LON, LAT = "经度", "纬度"
FLOOR_TABLES = ("stations", "audit_log", "audit_batches", "changes")
FLOOR_TEXT_INDEX = (
    "INSERT INTO stations_fts(rowid, search_grams) SELECT id, search_grams FROM stations"
)
CRS = "gcj02"  # the datum of the generated coordinates, stated to import_file


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (city, id prefix, phone area code, GCJ-02 centre lon/lat, weight, districts)
CITIES: tuple[tuple[str, str, str, float, float, float, str], ...] = (
    ("北京", "BJ", "010", 116.407, 39.904, 9, "东城区 西城区 朝阳区 海淀区 丰台区 通州区 大兴区"),
    ("上海", "SH", "021", 121.474, 31.230, 8, "黄浦区 徐汇区 静安区 浦东新区 闵行区 普陀区"),
    ("广州", "GZ", "020", 113.264, 23.129, 6, "天河区 越秀区 海珠区 白云区 番禺区"),
    ("深圳", "SZ", "0755", 114.058, 22.543, 6, "福田区 南山区 罗湖区 宝安区 龙岗区"),
    ("重庆", "CQ", "023", 106.551, 29.563, 6, "渝中区 江北区 南岸区 九龙坡区 沙坪坝区 渝北区"),
    ("成都", "CD", "028", 104.066, 30.572, 5, "锦江区 青羊区 武侯区 成华区 金牛区"),
    ("武汉", "WH", "027", 114.305, 30.593, 4, "江岸区 江汉区 武昌区 洪山区 汉阳区"),
    ("杭州", "HZ", "0571", 120.155, 30.274, 4, "上城区 西湖区 拱墅区 滨江区 余杭区"),
    ("南京", "NJ", "025", 118.797, 32.060, 4, "玄武区 秦淮区 鼓楼区 建邺区 江宁区"),
    ("西安", "XA", "029", 108.940, 34.341, 4, "新城区 碑林区 莲湖区 雁塔区 未央区"),
    ("天津", "TJ", "022", 117.201, 39.085, 4, "和平区 河西区 南开区 河北区 西青区"),
    ("郑州", "ZZ", "0371", 113.625, 34.747, 3, "金水区 中原区 二七区 管城回族区 惠济区"),
    ("长沙", "CS", "0731", 112.939, 28.228, 3, "芙蓉区 天心区 岳麓区 开福区 雨花区"),
    ("沈阳", "SY", "024", 123.432, 41.806, 3, "和平区 沈河区 皇姑区 铁西区 浑南区"),
    ("哈尔滨", "HEB", "0451", 126.535, 45.803, 2, "道里区 南岗区 道外区 香坊区"),
    ("昆明", "KM", "0871", 102.833, 24.880, 2, "五华区 盘龙区 官渡区 西山区"),
    ("合肥", "HF", "0551", 117.227, 31.821, 2, "蜀山区 包河区 庐阳区 瑶海区"),
    ("青岛", "QD", "0532", 120.383, 36.067, 2, "市南区 市北区 李沧区 崂山区"),
    ("厦门", "XM", "0592", 118.089, 24.480, 2, "思明区 湖里区 集美区 海沧区"),
    ("乌鲁木齐", "WLMQ", "0991", 87.617, 43.826, 1, "天山区 沙依巴克区 新市区 水磨沟区"),
    ("兰州", "LZ", "0931", 103.834, 36.061, 1, "城关区 七里河区 安宁区"),
    ("南宁", "NN", "0771", 108.366, 22.817, 1, "青秀区 兴宁区 西乡塘区 江南区"),
    ("贵阳", "GY", "0851", 106.630, 26.647, 1, "南明区 云岩区 观山湖区"),
    ("石家庄", "SJZ", "0311", 114.515, 38.042, 1, "长安区 桥西区 新华区 裕华区"),
)
ROADS = _words(
    "人民路 解放路 中山路 建设路 长江路 黄河路 和平路 新华路 文化路 胜利路 光明路 幸福路 "
    "滨河路 东风路 朝阳路 青年路 工农路 花园路 科技路 学府路 金融街 商业街 迎宾大道 世纪大道"
)
KINDS = ("暖心驿站", "户外劳动者驿站", "工会驿站", "爱心驿站", "快递小哥之家")
# "" twice: a union's own station names no host.
BRANDS = (
    "",
    "",
    *_words(
        "工商银行 建设银行 农业银行 中国银行 邮储银行 中国石化 中国石油 美宜佳 罗森 链家 顺丰 京东"
    ),
)
# Amenity labels as lists write them (synonyms of one amenity on one line) and the share
# of stations offering each.
AMENITY_LABELS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("饮水", "热水", "饮水机"), 0.95),
    (("休息区", "休息", "桌椅"), 0.85),
    (("充电", "手机充电", "充电宝"), 0.80),
    (("卫生间", "厕所"), 0.60),
    (("微波炉", "热饭"), 0.55),
    (("医药箱", "药箱"), 0.45),
    (("空调",), 0.40),
    (("WiFi", "无线网络"), 0.40),
    (("针线包",), 0.25),
    (("电动车充电",), 0.10),
)
UNKNOWN_LABELS = ("图书角", "爱心雨伞", "打气筒")
UNKNOWN_SHARE = 0.02
SEPARATORS = ("、", "、", "、", "/", ",", "，")
HOURS = (
    ("24小时", 0.35),
    ("周一至周五 09:00-17:00", 0.15),
    ("每天 08:00-20:00", 0.15),
    ("周一至周五 8:30-17:30，周末休息", 0.08),
    ("7×24小时", 0.07),
    ("早8点-晚8点", 0.06),
    ("08:00-12:00；14:00-18:00", 0.05),
    ("周一至周日 9:00-21:00", 0.06),
    ("", 0.03),
)


# --------------------------------------------------------------------------- data


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    from geo.datums import in_mainland_china

    return np.asarray(in_mainland_china(lon, lat, CRS))


def make_rows(n: int, seed: int) -> list[list[Any]]:
    """`n` station rows (cells as a spreadsheet holds them: str, float, int or None)."""
    rng = np.random.default_rng(seed)
    weights = np.array([c[5] for c in CITIES], dtype=float)
    city = rng.choice(len(CITIES), n, p=weights / weights.sum())
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    while len(todo):  # coastal cities: points drawn at sea are drawn again
        spread = rng.choice([0.02, 0.05, 0.12], len(todo))
        lon[todo] = (
            np.array([CITIES[c][3] for c in city[todo]]) + rng.normal(0, 1, len(todo)) * spread
        )
        lat[todo] = (
            np.array([CITIES[c][4] for c in city[todo]]) + rng.normal(0, 0.8, len(todo)) * spread
        )
        lon[todo], lat[todo] = lon[todo].round(6), lat[todo].round(6)
        todo = todo[~_in_china(lon[todo], lat[todo])]
    offers = rng.random((n, len(AMENITY_LABELS))) < [s for _, s in AMENITY_LABELS]
    unknown = rng.random(n) < UNKNOWN_SHARE
    hours_p = np.array([p for _, p in HOURS])
    hours = rng.choice(len(HOURS), n, p=hours_p / hours_p.sum())
    ints = rng.integers(0, 1 << 30, (n, 8))
    uniform = rng.random((n, 3))
    rows: list[list[Any]] = []
    for i in range(n):
        name, abbr, area, *_, districts_text = CITIES[city[i]]
        districts = districts_text.split()
        r = ints[i]
        district = districts[r[0] % len(districts)]
        road = ROADS[r[1] % len(ROADS)]
        brand = BRANDS[r[2] % len(BRANDS)]
        labels = [
            synonyms[r[3] % len(synonyms)]
            for (synonyms, _), offered in zip(AMENITY_LABELS, offers[i], strict=True)
            if offered
        ]
        if unknown[i]:
            labels.append(UNKNOWN_LABELS[r[4] % len(UNKNOWN_LABELS)])
        u_parking, u_phone, u_sep = uniform[i]
        parking: int | str | None = None
        if u_parking < 0.45:
            parking = int(r[5] % 21)
        elif u_parking < 0.5:
            parking = f"{r[5] % 21}个"
        phone = None
        if u_phone < 0.45:
            phone = f"{area}-{6000_0000 + r[6] % 3000_0000}"
        elif u_phone < 0.75:
            phone = f"1{3 + r[6] % 7}{r[7] % 10**9:09d}"
        rows.append(
            [
                f"{abbr}{i + 1:07d}",
                f"{brand}{district}{road}{KINDS[r[4] % len(KINDS)]}",
                float(lon[i]),
                float(lat[i]),
                f"{name}市{district}{road}{1 + r[5] % 400}号",
                district,
                SEPARATORS[int(u_sep * len(SEPARATORS))].join(labels) or None,
                HOURS[hours[i]][0] or None,
                parking,
                phone,
            ]
        )
    return rows


def write_csv(rows: list[list[Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def write_xlsx(rows: list[list[Any]], path: Path) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook(write_only=True)
    sheet = book.create_sheet("驿站名单")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)


# --------------------------------------------------------------------------- measuring
# Everything below ``measure`` runs in a fresh process (``--measure``).


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _start_peak() -> float:
    """Reset the peak RSS to the current RSS (Linux ``clear_refs``) and return it, in MB.

    Without this the peak would include what opening the registry or importing the
    libraries needed. Where the reset is not allowed, the high-water mark so far is
    returned, so the rise reported is then a lower bound.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        status = Path("/proc/self/status").read_text()
    except OSError:
        return _peak_mb()
    rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(rss.split()[1]) / 1024


def _ours(path: Path, db: Path, chunk_size: int, extra: str | None) -> dict[str, Any]:
    from geo.imports.runner import import_file
    from geo.registry import open_registry
    from geo.registry_tx import RegistryTransaction

    t0 = time.perf_counter()
    registry = open_registry(f"sqlite:///{db}")
    result: dict[str, Any] = {"open_s": time.perf_counter() - t0}
    if extra == "trace":
        # Snapshot the Python heap just before the commit: the import's state is at its
        # largest there (the report, the duplicate hashes, the pending index entries).
        commit = RegistryTransaction.commit

        def traced(tx: RegistryTransaction) -> None:
            snapshot = tracemalloc.take_snapshot()
            result["trace_before_commit_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
            result["trace_top"] = [
                _short(f"{s.size / 2**20:7.1f} MB {s.count:>9,} blocks  {s.traceback[0]}")
                for s in snapshot.statistics("lineno")[:12]
            ]
            commit(tx)

        RegistryTransaction.commit = traced  # type: ignore[method-assign, assignment]
        tracemalloc.start()
    profiler = cProfile.Profile() if extra == "profile" else None
    base = _start_peak()
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    report = import_file(registry, path, crs=CRS, chunk_size=chunk_size)
    seconds = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        result["profile"] = profiler
    if extra == "trace":
        result["trace_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result |= {
        "seconds": seconds,
        "base_mb": base,
        "peak_mb": _peak_mb(),
        "rows": report.rows,
        "counts": {k: getattr(report, k) for k in ("created", "updated", "unchanged", "duplicates")}
        | {"rejected": report.rejected},
        "issues": dict(Counter(i.code for i in report.issues)),
    }
    registry.close()
    return result


def _floor(path: Path, db: Path) -> dict[str, Any]:
    """What any importer writing our registry must spend, measured on our own output.

    ``db`` is the registry our import just wrote. Its rows (stations, the import's audit
    entries and batches of creations, the change log) are read back as ready tuples and
    written with the plain ``sqlite3`` module's ``executemany`` into empty copies of the
    same tables (same indexes), in one transaction: SQLite's own cost, without any
    Python per row. The stations' text index is filled as our import fills it
    (geo/storage/sqlite.py, ``insert_rows``): the FTS5 trigger is left out while the
    stations are written and one ``INSERT ... SELECT`` indexes them all (counted in the
    stations' time). The CSV is read with the ``csv`` module alone (C parser, no dicts, no checks).
    """
    import sqlite3

    src = sqlite3.connect(db)
    schema = [
        sql
        for (sql,) in src.execute(
            # Tables (the FTS5 index of names too; its shadow tables, which it makes
            # itself, have tbl_names of their own), then indexes, then the triggers
            # that keep the FTS5 index in step.
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
            "AND tbl_name IN "
            "('stations', 'audit_log', 'audit_batches', 'changes', 'stations_fts') "
            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END"
        )
    ]
    tables = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in FLOOR_TABLES}
    src.close()
    out = db.with_name(db.stem + "-floor.sqlite")
    dst = sqlite3.connect(out, isolation_level=None)
    triggers = [sql for sql in schema if sql.upper().startswith("CREATE TRIGGER")]
    for sql in schema:
        if sql not in triggers:
            dst.execute(sql)
    result: dict[str, Any] = {"base_mb": _start_peak()}
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    result["read_s"] = time.perf_counter() - t0
    for table_name, values in tables.items():
        marks = ",".join("?" * len(values[0])) if values else ""
        t0 = time.perf_counter()
        dst.execute("BEGIN")
        if values:
            dst.executemany(f"INSERT INTO {table_name} VALUES ({marks})", values)
        if table_name == "stations":
            dst.execute(FLOOR_TEXT_INDEX)
            for sql in triggers:
                dst.execute(sql)
        dst.execute("COMMIT")
        result[f"{table_name}_s"] = time.perf_counter() - t0
        result[f"{table_name}_rows"] = len(values)
    dst.close()
    result["seconds"] = result["read_s"] + sum(result[f"{t}_s"] for t in FLOOR_TABLES)
    result |= {"rows": rows, "peak_mb": _peak_mb()}
    return result


def _peer(path: Path, out: Path, how: str) -> dict[str, Any]:
    import geopandas as gpd
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    base = _start_peak()
    t0 = time.perf_counter()
    if how == "gdal" and path.suffix == ".csv":
        # GDAL's CSV driver builds the points itself; the other columns stay text.
        gdf = gpd.read_file(path, X_POSSIBLE_NAMES=LON, Y_POSSIBLE_NAMES=LAT)
        gdf = gdf.set_crs("EPSG:4326")
    else:
        if how == "gdal":
            df = gpd.read_file(path)  # GDAL's XLSX driver: no geometry, typed columns
        elif path.suffix == ".csv":
            df = pd.read_csv(path)
        else:
            df = pd.read_excel(path, engine="openpyxl")
        points = gpd.points_from_xy(df[LON], df[LAT])
        gdf = gpd.GeoDataFrame(df, geometry=points, crs="EPSG:4326")
    gdf.to_file(out, driver="GPKG", layer="stations")
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "base_mb": base, "peak_mb": _peak_mb(), "rows": len(gdf)}


def _short(text: str) -> str:
    """`text` with the repository and site-packages folders left out of file names."""
    for prefix in sorted({str(ROOT) + "/", *(p + "/" for p in sys.path if p)}, key=len)[::-1]:
        text = text.replace(prefix, "")
    return text


def _profile_text(profiler: cProfile.Profile, top: int) -> str:
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(top)
    text = _short(stream.getvalue())
    return text[text.find("   ncalls") :].rstrip()


def measure(args: argparse.Namespace) -> None:
    """One measurement, in this (fresh) process; prints its result as one JSON line."""
    kind, extra = args.measure.split(":") if ":" in args.measure else (args.measure, None)
    if kind == "ours":
        result = _ours(args.file, args.target, args.chunk_size, extra)
        if "profile" in result:
            result["profile"] = _profile_text(result["profile"], args.profile or 25)
    elif kind == "floor":
        result = _floor(args.file, args.target)
    else:
        result = _peer(args.file, args.target, kind.removeprefix("peer-"))
    print(json.dumps(result, ensure_ascii=False))


def run_measure(kind: str, file: Path, target: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run one measurement in a fresh process; `target` is its registry or GeoPackage."""
    command = [sys.executable, __file__, "--measure", kind, "--file", str(file)]
    command += ["--target", str(target), "--chunk-size", str(args.chunk_size)]
    command += ["--profile", str(args.profile or 0)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} on {file.name} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {kind:<12} {file.name:<16} {result['seconds']:7.1f} s", file=sys.stderr)
    return result


def check(result: dict[str, Any], n: int, outcome: str, what: str) -> None:
    counts = result["counts"]
    if result["rows"] != n or counts[outcome] != n:
        raise AssertionError(f"{what}: expected all {n} rows {outcome}, got {counts}")


# --------------------------------------------------------------------------- the run


def run_format(fmt: str, path: Path, n: int, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    db = tmp / f"registry-{fmt}.sqlite"
    first = run_measure("ours", path, db, args)
    check(first, n, "created", f"{fmt} import into an empty registry")
    floor = run_measure("floor", path, db, args) if fmt == "csv" else None
    again = run_measure("ours", path, db, args)
    check(again, n, "unchanged", f"{fmt} re-import")
    peers = {}
    for how in ("gdal", "pandas"):
        peer = run_measure(f"peer-{how}", path, tmp / f"peer-{fmt}-{how}.gpkg", args)
        if peer["rows"] != n:
            raise AssertionError(f"peer {how} read {peer['rows']} rows of {n}")
        peers[how] = peer
    best = min(peers, key=lambda h: peers[h]["seconds"])
    return {
        "format": fmt, "n": n, "ours": first, "again": again, "peers": peers, "best": best,
        "floor": floor,
    }  # fmt: skip


def _mb(r: dict[str, Any]) -> str:
    return f"{r['peak_mb']:.0f} (+{r['peak_mb'] - r['base_mb']:.0f})"


def table(results: list[dict[str, Any]], growth: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| format | rows | ours rows/s | ours re-import rows/s | peer rows/s | ours/peer "
        "| ours peak MB (+work) | peer peak MB (+work) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        n, ours, peer = r["n"], r["ours"], r["peers"][r["best"]]
        lines.append(
            f"| {r['format']} | {n:,} | {n / ours['seconds']:,.0f} "
            f"| {n / r['again']['seconds']:,.0f} | {n / peer['seconds']:,.0f} ({r['best']}) "
            f"| {peer['seconds'] / ours['seconds']:.2f} | {_mb(ours)} | {_mb(peer)} |"
        )
    lines.append("")
    for r in results:
        n = r["n"]
        times = ", ".join(
            f"{how} {p['seconds']:.1f} s ({n / p['seconds']:,.0f} rows/s, peak {_mb(p)} MB)"
            for how, p in r["peers"].items()
        )
        issues = ", ".join(f"{v:,} {k}" for k, v in sorted(r["ours"]["issues"].items()))
        lines += [
            f"- {r['format']}: ours {r['ours']['seconds']:.1f} s (report: {n:,} created; "
            f"issues: {issues or 'none'}); re-import {r['again']['seconds']:.1f} s "
            f"({n:,} unchanged; registry opened in {r['again']['open_s']:.1f} s before it, "
            f"not timed; peak {_mb(r['again'])} MB); peers: {times}.",
        ]
    for r in results:
        if (floor := r["floor"]) is not None:
            lines.append(_floor_text(r["n"], floor, r["peers"]["gdal"]))
    if growth:
        small, large = growth["small"], growth["large"]
        dn = large["ours"]["rows"] - small["ours"]["rows"]
        parts = []
        for key, what in (("ours", "into an empty registry"), ("again", "re-import")):
            a, b = small[key], large[key]
            d_mb = (b["peak_mb"] - b["base_mb"]) - (a["peak_mb"] - a["base_mb"])
            parts.append(
                f"{what}: {a['rows']:,} rows peak {_mb(a)} MB, {b['rows']:,} rows peak "
                f"{_mb(b)} MB: the rise grows {d_mb:+.0f} MB for {dn:,} more rows "
                f"({d_mb * 2**20 / dn:,.0f} bytes per row)"
            )
        held = large["again"]["base_mb"] - large["ours"]["base_mb"]
        lines.append(
            f"- memory growth, ours on CSV (peak RSS, in brackets its rise during the import): "
            f"{'; '.join(parts)}. A process that has opened the full {large['ours']['rows']:,}"
            f"-station registry (store and index) holds {held:.0f} MB more than one that opened "
            "the empty registry."
        )
    return "\n".join(lines)


def _floor_text(n: int, floor: dict[str, Any], gdal: dict[str, Any]) -> str:
    """The floor line: what reading the CSV and writing our rows cost SQLite alone."""

    def us(seconds: float) -> str:
        return f"{seconds / n * 1e6:.1f} us"

    parts = [f"reading the CSV with the csv module {us(floor['read_s'])}"] + [
        f"{t} ({floor[f'{t}_rows']:,} rows) {us(floor[f'{t}_s'])}" for t in FLOOR_TABLES
    ]
    return (
        f"- floor for csv (a row's share of each, same rows as ours, plain sqlite3 "
        f"executemany of ready tuples): {'; '.join(parts)}; together {us(floor['seconds'])} "
        f"a row, {floor['seconds'] / gdal['seconds']:.0%} of the gdal peer's whole "
        f"{us(gdal['seconds'])} a row, before any validation, datum conversion, duplicate "
        "detection or index update."
    )


def _versions() -> str:
    import geopandas
    import openpyxl
    import pyogrio  # type: ignore[import-untyped, unused-ignore]
    import sqlalchemy

    return (
        f"geopandas {geopandas.__version__}, pyogrio {pyogrio.__version__} "
        f"(GDAL {pyogrio.__gdal_version_string__}), openpyxl {openpyxl.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}, SQLite {__import__('sqlite3').sqlite_version}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=150_000, help="rows in the station list")
    ap.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    ap.add_argument("--growth-rows", type=int, default=50_000, help="smaller CSV; 0: skip")
    ap.add_argument("--chunk-size", type=int, default=2000, help="import_file chunk_size")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", type=int, default=0, help="also profile the CSV import: top N")
    ap.add_argument(
        "--trace-memory", action="store_true", help="also trace the CSV import (tracemalloc)"
    )
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args)
        return
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if unknown := set(formats) - {"csv", "xlsx"}:
        ap.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        tmp = Path(name)
        t0 = time.perf_counter()
        rows = make_rows(args.rows, args.seed)
        files = {"csv": tmp / "stations.csv", "xlsx": tmp / "stations.xlsx"}
        for fmt in formats:
            (write_csv if fmt == "csv" else write_xlsx)(rows, files[fmt])
        growth_file = None
        if "csv" in formats and 0 < args.growth_rows < args.rows:
            growth_file = tmp / f"stations-{args.growth_rows}.csv"
            write_csv(rows[: args.growth_rows], growth_file)
        del rows
        sizes = ", ".join(f"{f} {files[f].stat().st_size / 2**20:.1f} MB" for f in formats)
        print(f"generated in {time.perf_counter() - t0:.1f} s: {sizes}", file=sys.stderr)
        results = [run_format(fmt, files[fmt], args.rows, tmp, args) for fmt in formats]
        growth: dict[str, dict[str, Any]] = {}
        if growth_file is not None:
            db = tmp / "registry-growth.sqlite"
            small = {"ours": run_measure("ours", growth_file, db, args)}
            check(small["ours"], args.growth_rows, "created", "smaller import")
            small["again"] = run_measure("ours", growth_file, db, args)
            check(small["again"], args.growth_rows, "unchanged", "smaller re-import")
            growth = {"small": small, "large": results[formats.index("csv")]}
        extras = []
        if args.profile and "csv" in formats:
            prof = run_measure("ours:profile", files["csv"], tmp / "registry-prof.sqlite", args)
            extras.append(
                f"cProfile of ours on CSV ({args.rows:,} rows, {prof['seconds']:.1f} s under "
                f"the profiler), top {args.profile} by cumulative time:\n\n"
                f"```\n{prof['profile']}\n```"
            )
        if args.trace_memory and "csv" in formats:
            trace = run_measure("ours:trace", files["csv"], tmp / "registry-trace.sqlite", args)
            top = "\n".join(trace["trace_top"])
            extras.append(
                f"tracemalloc of ours on CSV ({args.rows:,} rows): Python heap just before "
                f"the commit {trace['trace_before_commit_mb']:.0f} MB, traced peak "
                f"{trace['trace_peak_mb']:.0f} MB; largest allocation sites then:\n\n"
                f"```\n{top}\n```"
            )
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {_versions()}"
    )
    text = f"{table(results, growth)}\n\nMachine: {machine}; command: `{' '.join(sys.argv)}`\n"
    if extras:
        text += "\n" + "\n\n".join(extras) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
