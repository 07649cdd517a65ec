"""``stationfinder serve`` on a store it cannot open: a clear message and exit status 2.

A damaged SQLite file (random bytes, or a real registry cut short) made the server log
a long SQLAlchemy traceback and exit with uvicorn's status 3 (issue 22, defect 15). The
command runs in a subprocess here, as an operator runs it, one process and two workers.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from geo.model import build_station_data
from geo.registry import open_registry
from tests.servers import ROOT, free_port


def serve(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from cli.main import app; app()", "serve", "--no-demo"]
    command += ["--port", str(free_port()), "--database-url", database_url, *args]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=os.environ | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,  # it must exit by itself; a server that started would hang here
    )


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(22).randbytes(16_384))


def cut_in_half(path: Path) -> None:
    """A real registry of 3,000 stations, its file cut in the middle."""
    registry = open_registry(f"sqlite:///{path}")
    items = [
        build_station_data({"name": f"驿站{i}", "lon": 116 + i * 1e-4, "lat": 39.9})
        for i in range(3000)
    ]
    registry.create_many(items=items)
    registry.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [random_bytes, cut_in_half], ids=["random", "truncated"])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_damaged_sqlite_file_is_a_message_and_status_2(
    tmp_path: Path, damage: object, workers: str
) -> None:
    path = tmp_path / "damaged.db"
    damage(path)  # type: ignore[operator]
    result = serve(f"sqlite:///{path}", "--workers", workers)
    assert result.returncode == 2, (result.returncode, result.stderr)
    err = " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr, result.stderr
    assert "错误 / error (store_unavailable)" in err, err
    assert "damaged" in err, err
    assert "已损坏" in err, err
    assert "stationfinder restore" in err, err
    assert str(path) in err, err


@pytest.mark.parametrize(
    "args",
    [
        ["nearest", "--lon", "116.4", "--lat", "39.9"],
        ["stations", "show", "1"],
        ["stations", "rm", "1"],
        ["export", "--out", "out.csv"],
        ["demo"],
        ["keys", "list"],
        ["audit"],
        ["backup", "out.bak"],
        ["coverage", "stats", "--city", "北京市"],
        ["map", "coverage", "--city", "北京市", "--out", "out.html"],
    ],
    ids=lambda a: "-".join(a[:2]),
)
def test_every_command_on_a_damaged_file_is_a_message_and_status_2(
    tmp_path: Path, args: list[str]
) -> None:
    """Not only ``serve``: any command that opens the store says what is wrong."""
    from typer.testing import CliRunner

    from cli.main import app

    path = tmp_path / "damaged.db"
    random_bytes(path)
    args = [str(tmp_path / a) if a.startswith("out.") else a for a in args]
    result = CliRunner().invoke(app, [*args, "--database-url", f"sqlite:///{path}"])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    err = " ".join(result.stderr.split())
    for said in ("store_unavailable", "已损坏", "damaged"):
        assert said in err, err
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_serve_never_prints_the_database_password() -> None:
    """The start-up line names the database without its password (it ends up in logs)."""
    result = serve("postgresql://sf:s3cret-pw@127.0.0.1:1/none")
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert "sf:***@127.0.0.1:1/none" in result.stderr, result.stderr
