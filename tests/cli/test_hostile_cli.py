"""Hostile text (tests/hostile.py) printed by every CLI command that shows it: as data.

Stations, API keys and audit entries are seeded with each entry *directly* through the
registry and the store, past the input validation, as data imported by an older version
or written by hand into the database would be. Every command that prints them must then
exit normally and show the text literally (the characters that act on a terminal written
as visible escapes, see cli/safe.py), with no escape sequence, hyperlink or bidi
override of the data's reaching the terminal, and values echoed in error messages too.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

import cli.backup
import cli.common
import cli.keys
import cli.main
import cli.maps
import cli.stations
from cli.main import app
from cli.safe import console
from geo.access import Actor, Role
from geo.amenities import QUERY_SEPARATORS
from geo.model import StationData, utc_now
from geo.registry import open_registry
from tests.hostile import ANSI_ESCAPE, HOSTILE, RICH_LINK, STORABLE

# What the terminal shows for the entries with characters that act on it; every other
# entry shows as it is. Written out here, not computed with cli.safe, so that the test
# checks the documented replacement rather than repeating the code.
SHOWN = {
    "ansi_escape": r"\x1b[2J\x1b[31m红字\x1b[0m\x07",
    "bidi_override": r"驿站\u202egnp.exe",
    "nul": r"驿站\x00名",
    "control": r"驿站\x08\x1b\x7f",
    "lone_surrogate": r"驿站\ud800",
}
# Characters that must never reach the terminal from data (line feed and tab may).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
WIDE = 4000  # columns: no table cell folds a value (but the 100,000-character one)

# A lone surrogate cannot be encoded as UTF-8, so neither database can hold one: it is
# sent on the command line instead (test_values_echoed_in_errors_are_data).
SEEDED = [name for name in HOSTILE if name != "lone_surrogate"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The commands' own consoles (cli.safe.console), made wide."""
    monkeypatch.setenv("COLUMNS", str(WIDE))
    for module in (cli.common, cli.main, cli.stations, cli.keys, cli.backup, cli.maps):
        monkeypatch.setattr(module, "out", console())
        monkeypatch.setattr(module, "err", console(stderr=True), raising=False)
    return CliRunner()


def run(runner: CliRunner, db: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert_safe(result.stdout + result.stderr)
    return result


def assert_safe(output: str) -> None:
    assert "\x1b]8;" not in output  # an OSC 8 hyperlink
    raw = RAW.search(output)
    assert raw is None, f"raw {raw.group()!r} reached the terminal"


def assert_shows(output: str, name: str) -> None:
    if name == "long_100k":  # folded over many lines and cells, but all there
        assert output.count("驿") >= 100_000
        return
    assert SHOWN.get(name, HOSTILE[name]) in output, (name, output[:2000])


def backend_holds(db: str, name: str) -> bool:
    return not (name == "nul" and db.startswith("postgresql"))


def actor_id(text: str) -> str:
    """A login name as an actor; PostgreSQL indexes the column, so not 100,000 characters."""
    return f"cli:{text[:200]}"


def seed(db: str, text: str) -> tuple[int, int]:
    """A station with ``text`` in every text field, made by an actor named ``text``, and
    an API key named ``text``: no validation on the way (model_copy does not validate)."""
    valid = StationData(name="占位驿站", lon=116.4, lat=39.9)
    fields = ("name", "address", "district", "host", "opening_hours", "phone")
    data = valid.model_copy(update=dict.fromkeys(fields, text))
    actor = Actor(actor_id(text), text)
    registry = open_registry(db)
    try:
        # the store itself: the registry would place it, refusing the district text
        station = registry.store.add(data, now=utc_now(), actor=actor)
        key = registry.store.add_key(
            prefix="sf_hostile",
            key_hash=hashlib.sha256(text.encode()).hexdigest(),
            name=text,
            role=Role.ADMIN,
            adcodes=frozenset(),
            now=utc_now(),
            actor=actor,
        )
    finally:
        registry.close()
    return station.id, key.id


@pytest.mark.parametrize("name", SEEDED)
def test_hostile_data_prints_as_data(runner: CliRunner, db_url: str, name: str) -> None:
    if not backend_holds(db_url, name):
        pytest.skip("PostgreSQL text cannot hold NUL: no PostGIS store has it to print")
    text = HOSTILE[name]
    station_id, key_id = seed(db_url, text)
    where = ["--lon", "116.4", "--lat", "39.9", "--open-at", "any", "--status", "any"]

    shown = run(runner, db_url, "stations", "show", str(station_id)).stdout
    assert_shows(shown, name)
    doc = json.loads(run(runner, db_url, "stations", "show", str(station_id), "--json").stdout)
    assert doc["properties"]["name"] == doc["properties"]["address"] == text

    assert_shows(run(runner, db_url, "nearest", *where).stdout, name)
    doc = json.loads(run(runner, db_url, "nearest", *where, "--json").stdout)
    assert [f["properties"]["name"] for f in doc["features"]] == [text]

    assert_shows(run(runner, db_url, "keys", "list").stdout, name)
    keys = json.loads(run(runner, db_url, "keys", "list", "--json").stdout)
    assert [k["name"] for k in keys] == [text]
    log = run(runner, db_url, "audit").stdout
    assert_shows(log, name)
    if name != "long_100k":
        assert f"cli:{SHOWN.get(name, text)} ({SHOWN.get(name, text)})" in log
    entries = json.loads(run(runner, db_url, "audit", "--json").stdout)
    assert {(e["actor"], e["actor_name"]) for e in entries} == {(actor_id(text), text)}

    assert_shows(run(runner, db_url, "keys", "revoke", str(key_id)).stdout, name)
    assert_shows(run(runner, db_url, "stations", "rm", str(station_id)).stdout, name)


@pytest.mark.parametrize("name", SEEDED)
def test_keys_create_prints_the_name_as_data(runner: CliRunner, db_url: str, name: str) -> None:
    if not backend_holds(db_url, name):
        pytest.skip("PostgreSQL text cannot hold NUL: no PostGIS store has it to print")
    result = run(runner, db_url, "keys", "create", "--role", "admin", "--name", HOSTILE[name])
    assert_shows(result.stdout, name)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_values_echoed_in_errors_are_data(runner: CliRunner, db_url: str, name: str) -> None:
    """Refusals name the value at fault: it is printed as data too, and exits 2."""
    text = HOSTILE[name]
    at = ["--lon", "116.4", "--lat", "39.9"]
    as_path = str(Path(text))  # "//" becomes "/": the echo is of the path
    for args, echoed in (
        (["nearest", *at, "--amenities", text], text),  # unknown amenity
        (["nearest", *at, "--out-crs", text], text),  # unknown datum
        (["stations", "add", "--name", "x", *at, "--crs", text], text),
        (["coverage", "stats", "--city", "beijing", "--district", text], text),
        (["import", text], as_path),  # no such file
        (["restore", text], as_path),  # no such file
    ):
        refused = run(runner, db_url, *args, code=2)
        if args[0] in ("import", "restore") and ("\x00" in text or "\ud800" in text):
            # Not a path at all: typer refuses it before the command runs.
            assert "Invalid value for 'path'" in refused.stderr
            continue
        assert refused.stderr.startswith("错误 / error"), refused.stderr
        if name != "long_100k" and not QUERY_SEPARATORS.search(text):  # (a list splits)
            shown = SHOWN.get(name, echoed)
            assert shown in refused.stderr or repr(echoed) in refused.stderr, refused.stderr


@pytest.mark.parametrize("name", list(STORABLE))
def test_an_import_report_prints_cells_and_file_names_as_data(
    runner: CliRunner, db_url: str, tmp_path: Path, name: str
) -> None:
    text = STORABLE[name]
    path = tmp_path / "[blink]朝阳区名录.csv"  # rich would read "[blink]" as a style
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [["名称", "经度", "纬度"], ["好驿站", "116.4", "39.9"], [text, text, "39.9"]]
        )
    result = run(runner, db_url, "import", str(path), "--crs", "wgs84", code=1)  # 1: rejected
    assert "文件 file: [blink]朝阳区名录.csv (csv, utf-8)" in result.stdout
    assert "新增 created 1" in result.stdout
    assert "拒绝 rejected 1" in result.stdout
    assert repr(text) in result.stdout  # the bad longitude, named in the issue


def test_a_real_terminal_gets_no_hyperlink_or_escape_from_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With colours on (a terminal), rich writes its own escapes, but none from data: no
    OSC 8 hyperlink for a "[link=...]" name, no screen clearing for an ANSI one."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", str(WIDE))
    for module in (cli.common, cli.main, cli.stations, cli.keys, cli.backup, cli.maps):
        monkeypatch.setattr(module, "out", console())
        monkeypatch.setattr(module, "err", console(stderr=True), raising=False)
    assert cli.main.out.is_terminal
    sqlite_url = f"sqlite:///{tmp_path}/t.db"
    link_id, _ = seed(sqlite_url, RICH_LINK)
    ansi_id, _ = seed(sqlite_url, ANSI_ESCAPE)
    runner = CliRunner()
    outputs = [
        runner.invoke(app, [*args, "--database-url", sqlite_url])
        for args in (
            ["stations", "show", str(link_id)],
            ["stations", "show", str(ansi_id)],
            ["nearest", "--lon", "116.4", "--lat", "39.9", "--open-at", "any"],
            ["keys", "list"],
            ["audit"],
            ["nearest", "--lon", "116.4", "--lat", "39.9", "--amenities", RICH_LINK],
        )
    ]
    for result in outputs:
        assert result.exit_code in (0, 2), result.exception
        output = result.stdout + result.stderr
        assert "\x1b[" in output  # rich's own colours and styles: this is a terminal
        assert "\x1b]8;" not in output
        assert "\x1b[2J" not in output
        assert "\x1b[31m红字" not in output
        assert "\x07" not in output
    assert RICH_LINK in outputs[0].stdout
    assert SHOWN["ansi_escape"] in outputs[1].stdout
