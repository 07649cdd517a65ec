"""The demo's data files (data/demo): read once, and refused with the file and key named."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from geo.demo import PROFILES
from geo.demo.common import HOSTS, HOURS_P
from geo.demo.tables import DEMO_DATA_DIR, DemoDataError, load_tables


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of data/demo to spoil."""
    directory = tmp_path / "demo"
    shutil.copytree(DEMO_DATA_DIR, directory)
    return directory.resolve()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_untouched_copy_reads_as_the_shipped_files(copy: Path) -> None:
    tables = load_tables(copy)
    assert tables.profiles == PROFILES
    assert tables.hosts == HOSTS
    assert np.array_equal(tables.hours_p, HOURS_P)


def test_each_directory_is_read_once(copy: Path) -> None:
    assert load_tables(copy) is load_tables(str(copy))
    assert load_tables() is load_tables(DEMO_DATA_DIR)
    assert load_tables().profiles is PROFILES


# Each row: file, the text replaced, its replacement, the key and the problem named.
MALFORMED = [
    pytest.param(
        "common.toml",
        '"连锁便利店" = { share = 0.15,',
        '"连锁便利店" = { share = 0.10,',
        "hosts",
        "the shares sum to 0.95, not 1",
        id="host shares do not sum to 1",
    ),
    pytest.param(
        "common.toml",
        '"商场" = [0.03, 0.15, 0.00, 0.00, 0.00, 0.80, 0.00, 0.02]',
        '"商场" = [0.03, 0.15, 0.00, 0.00, 0.80, 0.02]',
        'hours.shares."商场"',
        "6 values, expected 8 (one per text of hours.texts, then one for hours not given)",
        id="hours matrix row of the wrong length",
    ),
    pytest.param(
        "common.toml",
        '"商场" = [0.03, 0.15, 0.00, 0.00, 0.00, 0.80, 0.00, 0.02]',
        '"商场" = [0.03, 0.15, 0.00, 0.00, 0.00, 0.70, 0.00, 0.02]',
        'hours.shares."商场"',
        "the shares sum to 0.9, not 1",
        id="hours matrix row not summing to 1",
    ),
    pytest.param(
        "common.toml",
        '"加油站" = ["中国石化{}加油站"',
        '"加油点" = ["中国石化{}加油站"',
        'national_brands."加油点"',
        "not a host of common.toml's [hosts]",
        id="national brands of an unknown host",
    ),
    pytest.param(
        "beijing.toml",
        '"连锁便利店" = ["便利蜂{}店"',
        '"便利店" = ["便利蜂{}店"',
        'brands."便利店"',
        "not a host of common.toml's [hosts]",
        id="a place's brands of an unknown host",
    ),
    pytest.param(
        "zhejiang.toml",
        'prefix = "ZJ"',
        "",
        "prefix",
        "missing",
        id="a place file missing a key",
    ),
    pytest.param(
        "chongqing.toml",
        "parking_districts = [",
        "parking_district = [",
        "parking_district",
        "unknown key",
        id="a misspelt key",
    ),
    pytest.param(
        "zhengzhou.toml",
        '"工会驿站" = 0.35',
        '"工会驿站" = 0.45',
        "kinds",
        "the shares sum to 1.1, not 1",
        id="a place's kinds do not sum to 1",
    ),
    pytest.param(
        "zhengzhou.toml",
        'lon = 113.614, lat = 34.773, roads = ["中原路", "建设西路", "桐柏路"]',
        'lon = 34.773, lat = 113.614, roads = ["中原路", "建设西路", "桐柏路"]',
        'areas."中原区"[0].lon',
        "34.773 is not between 73.0 and 136.0",
        id="a centre with latitude and longitude swapped",
    ),
    pytest.param(
        "chongqing.toml",
        "motorcycle_parking = { stations = 360, spaces = 1_600 }",
        "motorcycle_parking = { stations = 360, spaces = 600 }",
        "motorcycle_parking.spaces",
        "600 is fewer than 2 per station (720)",
        id="fewer parking spaces than stations can hold",
    ),
    pytest.param(
        "zhejiang.toml",
        'prefix = "ZJ"',
        'prefix = "ZZ"',
        "prefix",
        "'ZZ' is also zhengzhou's",
        id="two places with one prefix of external ids",
    ),
    pytest.param(
        "beijing.toml",
        '"商场" = ["{}万达广场"',
        '"商场" = ["万达广场"',
        'brands."商场"',
        "'万达广场' does not hold one {} (the road or landmark)",
        id="a name template without a place for the road",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "key", "problem"), MALFORMED)
def test_malformed_data_is_refused_naming_the_file_and_key(
    copy: Path, file: str, old: str, new: str, key: str, problem: str
) -> None:
    _edit(copy / file, old, new)
    with pytest.raises(DemoDataError) as caught:
        load_tables(copy)
    assert str(caught.value).startswith(f"{copy / file}: {key}: {problem}")


def test_a_file_that_is_not_toml_is_named(copy: Path) -> None:
    _edit(copy / "beijing.toml", 'prefix = "BJ"', "prefix = BJ")
    with pytest.raises(DemoDataError, match=r"beijing\.toml: not valid TOML"):
        load_tables(copy)


def test_a_missing_place_file_is_named(copy: Path) -> None:
    (copy / "zhejiang.toml").unlink()
    with pytest.raises(DemoDataError, match=r"zhejiang\.toml: cannot be read"):
        load_tables(copy)
