"""Crash safety: an import killed midway leaves the registry exactly as it was."""

from __future__ import annotations

import contextlib
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from geo.imports.runner import import_file
from geo.model import Status, build_station_data
from geo.registry import Registry, open_registry
from tests.geo.imports.fixtures import write_csv

REPO = Path(__file__).resolve().parents[3]
ROWS = 60_000
KILL_AFTER = 10_000  # rows done when the import is killed
SEEDED = 50  # stations already there, which the file updates
WAIT_S = 60.0

# The child imports the file and prints the rows done after every chunk.
CHILD = """
import sys
from pathlib import Path
from geo.imports.runner import import_file
from geo.registry import open_registry

registry = open_registry(sys.argv[1])
report = import_file(
    registry, Path(sys.argv[2]), crs="wgs84", chunk_size=1000,
    progress=lambda done, total: print(done, flush=True),
)
print("committed" if report.committed else "not committed", flush=True)
"""


def snapshot(registry: Registry) -> list[dict[str, Any]]:
    """Every stored field of every station."""
    page = registry.list_stations(statuses=frozenset(Status), limit=200_000)
    return [s.model_dump() for s in page.items]


def big_list(path: Path) -> Path:
    rng = random.Random(60)
    rows: list[list[str]] = [["编号", "名称", "经度", "纬度", "服务内容", "联系电话"]]
    for i in range(ROWS):
        lon, lat = rng.uniform(116.2, 116.6), rng.uniform(39.8, 40.05)
        rows.append([f"K-{i:06d}", f"驿站{i}", f"{lon:.6f}", f"{lat:.6f}", "饮水、热饭", "010-1"])
    return write_csv(path, rows)


def integrity(db: Path) -> list[tuple[str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def read_lines(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.strip())
    lines.put(None)


@pytest.mark.slow
def test_an_import_killed_midway_leaves_the_registry_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "registry.db"
    url = f"sqlite:///{db}"
    registry = open_registry(url)
    registry.create_many(
        items=[
            # the file's first stations, with another phone: the import would update them
            build_station_data(
                {"name": f"驿站{i}", "external_id": f"K-{i:06d}", "lon": 116.3, "lat": 39.9,
                 "phone": "010-0"}
            )
            for i in range(SEEDED)
        ]
        + [build_station_data({"name": "天安门驿站", "lon": 116.3975, "lat": 39.9087})]
    )  # fmt: skip
    before = snapshot(registry)
    registry.close()
    path = big_list(tmp_path / "big.csv")

    errors = tmp_path / "child.err"  # a file, not a pipe: a full pipe would stall the child
    with errors.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    stdout = child.stdout
    assert stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=read_lines, args=(stdout, lines), daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + WAIT_S
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no progress from the import within {WAIT_S:.0f} s: {seen}")
            if line is None:
                child.wait(timeout=WAIT_S)
                pytest.fail(f"the import ended early: {seen} {errors.read_text()}")
            seen.append(line)
            assert line.isdigit(), f"the import finished before it could be killed: {seen}"
            if int(line) >= KILL_AFTER:
                break
        assert int(seen[-1]) < ROWS
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=WAIT_S)
        stdout.close()

    assert integrity(db) == [("ok",)]
    reopened = open_registry(url)
    assert len(reopened) == len(before) == reopened.store.count()
    assert snapshot(reopened) == before

    report = import_file(reopened, path, crs="wgs84", chunk_size=5000)
    assert report.committed
    assert report.issues == []
    assert (report.rows, report.created, report.updated) == (ROWS, ROWS - SEEDED, SEEDED)
    assert len(reopened) == reopened.store.count() == len(before) + ROWS - SEEDED
    reopened.close()
    assert integrity(db) == [("ok",)]
