"""What the reader tests share: reading a whole file, checking an ``InvalidFile``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

from geo.errors import InvalidFile
from geo.imports.readers import RawRow, Source, open_source
from tests.geo.imports.fixtures import STATIONS

NAMES = [row[1] for row in STATIONS]
LONLATS = [(116.4340, 39.9243), (116.4700, 39.9960), (116.4590, 39.9090)]  # WGS84


def read_all(path: Path, **options: Any) -> tuple[Source, list[RawRow]]:
    """Open `path` and read every row."""
    with open_source(path, **options) as source:
        return source, list(source.rows)


def open_fds_on(path: Path) -> int:
    """How many of this process's file descriptors point at `path` (Linux)."""
    fd_dir = Path("/proc/self/fd")
    count = 0
    for fd in fd_dir.iterdir():
        with contextlib.suppress(OSError):  # the fd of the listing itself, already closed
            count += Path(os.readlink(fd)) == path.resolve()
    return count


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


def assert_invalid_file(excinfo: pytest.ExceptionInfo[InvalidFile], *fragments: str) -> None:
    """The error has an English and a Chinese message, the English naming `fragments`."""
    error = excinfo.value
    assert error.code == "invalid_file"
    assert error.message_zh
    assert error.message_zh != error.message
    for fragment in fragments:
        assert fragment in error.message
