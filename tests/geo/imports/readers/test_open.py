"""Opening any file: the format by the user's name, closing, unreadable files in plain words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geo.errors import InvalidFile
from geo.imports.readers import open_source
from geo.imports.readers.base import scrub
from tests.geo.imports.fixtures import HEADERS, STATIONS, write_csv, write_xlsx, write_zip
from tests.geo.imports.readers.common import assert_invalid_file, needs_proc, open_fds_on, read_all


@needs_proc
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_file_is_closed_when_done_or_closed(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"s{suffix}"
    if suffix == ".csv":
        write_csv(path)
    else:
        write_xlsx(path, {"名单": [HEADERS, *STATIONS]})
    source = open_source(path)
    assert open_fds_on(path) <= 1  # CSV opens the file on the first row
    list(source.rows)  # exhausted: closed
    assert open_fds_on(path) == 0
    with open_source(path) as source:
        next(source.rows)  # abandoned after one row
    assert open_fds_on(path) == 0
    open_source(path).close()  # never iterated
    assert open_fds_on(path) == 0


def test_upload_name_decides_the_format(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "upload-7f3a", {"名单": [HEADERS, *STATIONS]})
    source, got = read_all(path, filename="驿站名单.XLSX")
    assert source.format == "xlsx"
    assert len(got) == 3


# --------------------------------------------------------------------------- file types


@pytest.mark.parametrize(
    ("filename", "fragments"),
    [
        ("名单.xls", ("save it as .xlsx",)),  # old binary Excel
        ("名单.docx", ("unsupported", ".csv", ".xlsx", ".zip")),  # lists what is supported
        ("名单", ("(no extension)",)),  # no extension at all
    ],
)
def test_unsupported_file_types(tmp_path: Path, filename: str, fragments: tuple[str, ...]) -> None:
    path = tmp_path / "upload"
    path.write_bytes(b"\xd0\xcf\x11\xe0 whatever")
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, filename=filename)
    assert_invalid_file(excinfo, *fragments)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as excinfo:
        open_source(tmp_path / "nowhere.csv")
    assert_invalid_file(excinfo, "not found")


# --------------------------------------------------------------------------- messages

INTERNALS = ("/tmp", "upload", "DataSourceError", "sqlite3", "SELECT", "It might help",
             "BadZipFile", "vsizip", "Errno", "Traceback")  # fmt: skip


def junk_shapefile_zip(path: Path) -> Path:
    return write_zip(path, {"a.shp": bytes(100), "a.dbf": b"junk", "a.shx": b""})


@pytest.mark.parametrize(
    ("make", "fragment", "fragment_zh"),
    [
        (
            lambda p: p.write_bytes(b"SQLite format 3\x00" + bytes(100)),
            "a GeoPackage",
            "GeoPackage",
        ),  # GDAL: "sqlite3_prepare_v2(SELECT ...) failed: file is not a database"
        (
            lambda p: p.write_bytes(b"PK\x03\x04 cut"),
            "an Excel .xlsx workbook",
            "Excel .xlsx 工作簿",
        ),
        (junk_shapefile_zip, "a Shapefile", "Shapefile"),  # GDAL names /vsizip/{/tmp/...}
        (lambda p: p.write_bytes(b"PK\x03\x04 cut"), "a zip archive", "zip 压缩包"),
    ],
    ids=["gpkg", "xlsx", "shp-in-zip", "zip"],
)
def test_unreadable_files_name_the_users_file_in_plain_words(
    tmp_path: Path, make: Any, fragment: str, fragment_zh: str
) -> None:
    suffix = {"a GeoPackage": ".gpkg", "an Excel .xlsx workbook": ".xlsx"}.get(fragment, ".zip")
    path = tmp_path / f"upload{suffix}"  # as the API stores an upload
    make(path)
    with pytest.raises(InvalidFile) as excinfo:
        open_source(path, filename=f"朝阳区驿站{suffix}")
    error = excinfo.value
    assert_invalid_file(excinfo, f"朝阳区驿站{suffix}: cannot be read as {fragment}")
    assert error.message_zh.startswith(f"朝阳区驿站{suffix}：无法作为 {fragment_zh}")
    shown = " ".join([error.message, error.message_zh, *map(str, error.details)])
    for internal in INTERNALS:
        assert internal not in shown, (internal, shown)
    assert str(tmp_path) not in shown


def test_a_plain_shapefile_that_gdal_cannot_read(tmp_path: Path) -> None:
    for ext, data in ((".shp", bytes(100)), (".dbf", b"junk"), (".shx", b"")):
        (tmp_path / f"a{ext}").write_bytes(data)
    with pytest.raises(InvalidFile) as excinfo:
        open_source(tmp_path / "a.shp", filename="网点.shp")
    assert_invalid_file(excinfo, "网点.shp: cannot be read as a Shapefile")
    shown = " ".join([excinfo.value.message, excinfo.value.message_zh, str(excinfo.value.details)])
    assert str(tmp_path) not in shown
    assert "It might help" not in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'/tmp/stationfinder-import-x1/upload.gpkg' not recognized", "'朝阳.gpkg' not recognized"),
        ("'/vsizip/{/tmp/d/upload.zip}/a/b.shp' bad", "'朝阳.gpkg' bad"),  # the dataset
        ("failed: /var/lib/other/file.db is locked", "failed: … is locked"),  # an unknown path
        ("C:\\Users\\x\\a.gpkg broken", "… broken"),
        (
            "sqlite3_prepare_v2(SELECT 1 FROM t) failed: file is not a database; "
            "file is not a database",
            "file is not a database",
        ),
        ("x\x00y\x1b[31m", "x y [31m"),
        ("y" * 300, "y" * 199 + "…"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    paths = ["/tmp/stationfinder-import-x1/upload.gpkg", "/vsizip/{/tmp/d/upload.zip}/a/b.shp"]
    assert scrub(text, "朝阳.gpkg", paths) == expected
