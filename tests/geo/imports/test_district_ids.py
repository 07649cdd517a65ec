"""External ids belong to their district (issue 22, defect 14).

A 朝阳区 editor who creates stations with 海淀区's next ids (``HD-0001``...) must neither
block 海淀区's import of its own list nor have 海淀区's rows land on 朝阳区's stations.
Every test runs on SQLite and on PostGIS.
"""

from __future__ import annotations

from pathlib import Path

from geo.access import Actor, Role
from geo.imports.report import ImportReport
from geo.imports.runner import import_file
from geo.registry import Registry
from tests.geo.imports.registries import fresh, on_each_backend  # noqa: F401 (fixture)

CHAOYANG = Actor("key:1", "朝阳区总工会", Role.EDITOR, frozenset({"110105"}))
HAIDIAN = Actor("key:2", "海淀区总工会", Role.EDITOR, frozenset({"110108"}))
ADMIN = Actor("key:3", "市总工会", Role.ADMIN)
# Positions well inside each district (WGS84): around 国贸 and 中关村.
IN_CHAOYANG = [(116.4600 + 0.002 * i, 39.9100) for i in range(3)]
IN_HAIDIAN = [(116.3100 + 0.002 * i, 39.9800) for i in range(3)]


def csv(path: Path, rows: list[tuple[str, str, tuple[float, float], str | None]]) -> Path:
    """A CSV with 编号, 站点名称, 经度, 纬度 and, where any row has one, 行政区划代码."""
    with_adcode = any(adcode is not None for *_, adcode in rows)
    lines = ["编号,站点名称,经度,纬度" + (",行政区划代码" if with_adcode else "")]
    for ext, name, (lon, lat), adcode in rows:
        line = f"{ext},{name},{lon:.6f},{lat:.6f}"
        lines.append(line + (f",{adcode or ''}" if with_adcode else ""))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(registry: Registry, path: Path, actor: Actor) -> ImportReport:
    return import_file(registry, path, crs="wgs84", actor=actor)


def haidian_list(tmp_path: Path, *, adcode: bool = True) -> Path:
    rows = [
        (f"HD-{i + 1:04d}", f"海淀驿站{i + 1}", IN_HAIDIAN[i], "110108" if adcode else None)
        for i in range(3)
    ]
    return csv(tmp_path / f"haidian_{adcode}.csv", rows)


def squat(registry: Registry, tmp_path: Path) -> None:
    """朝阳区's editor takes 海淀区's next ids for stations in 朝阳区."""
    rows = [(f"HD-{i + 1:04d}", f"朝阳驿站{i + 1}", IN_CHAOYANG[i], "110105") for i in range(3)]
    report = run(registry, csv(tmp_path / "squat.csv", rows), CHAOYANG)
    assert (report.created, report.rejected) == (3, 0), report.issues


def test_another_districts_ids_do_not_block_an_import(tmp_path: Path) -> None:
    registry = fresh(tmp_path)
    squat(registry, tmp_path)
    report = run(registry, haidian_list(tmp_path), HAIDIAN)
    assert (report.created, report.rejected) == (3, 0), report.issues
    stations = registry.list_stations(limit=100).items
    by_district = {(s.adcode, s.external_id): s.name for s in stations}
    assert by_district[("110105", "HD-0001")] == "朝阳驿站1"  # untouched
    assert by_district[("110108", "HD-0001")] == "海淀驿站1"
    assert len(stations) == 6


def test_a_file_without_adcodes_updates_the_editors_own_stations(tmp_path: Path) -> None:
    """海淀区's list without an adcode column matches 海淀区's stations by id; the
    朝阳区 stations of the same ids are not the editor's, so they are not candidates."""
    registry = fresh(tmp_path)
    squat(registry, tmp_path)
    run(registry, haidian_list(tmp_path), HAIDIAN)
    again = run(registry, haidian_list(tmp_path, adcode=False), HAIDIAN)
    assert (again.unchanged, again.created, again.rejected) == (3, 0, 0), again.issues
    renamed = csv(tmp_path / "renamed.csv", [("HD-0001", "海淀驿站（新名）", IN_HAIDIAN[0], None)])
    report = run(registry, renamed, HAIDIAN)
    assert report.updated == 1, report.issues
    names = {(s.adcode, s.name) for s in registry.list_stations(limit=100).items}
    assert ("110108", "海淀驿站（新名）") in names
    assert ("110105", "朝阳驿站1") in names


def test_an_admins_row_is_matched_in_the_district_its_position_is_in(tmp_path: Path) -> None:
    """An id in two districts: the row's position says which (no adcode column needed)."""
    registry = fresh(tmp_path)
    squat(registry, tmp_path)
    run(registry, haidian_list(tmp_path), HAIDIAN)
    rows = [("HD-0001", "改名", IN_HAIDIAN[0], None)]
    report = run(registry, csv(tmp_path / "admin.csv", rows), ADMIN)
    assert (report.rejected, report.updated, report.created) == (0, 1, 0), report.issues
    names = {(s.adcode, s.external_id): s.name for s in registry.list_stations(limit=100).items}
    assert names[("110108", "HD-0001")] == "改名"
    assert names[("110105", "HD-0001")] == "朝阳驿站1"


def test_a_station_moved_to_another_district_is_updated_not_duplicated(tmp_path: Path) -> None:
    """A row with a station's id and name at a position in another district moves that
    station; an editor cannot move one out of their districts that way."""
    registry = fresh(tmp_path)
    run(registry, haidian_list(tmp_path), ADMIN)
    rows = [("HD-0001", "海淀驿站1", IN_CHAOYANG[0], None)]
    report = run(registry, csv(tmp_path / "moved.csv", rows), ADMIN)
    assert (report.updated, report.created) == (1, 0), report.issues
    moved = [s for s in registry.list_stations(limit=100).items if s.external_id == "HD-0001"]
    assert [(s.adcode, s.district) for s in moved] == [("110105", "朝阳区")]
    # 海淀区's editor may not move HD-0002 into 朝阳区; 朝阳区's may not take it either.
    out = csv(tmp_path / "out.csv", [("HD-0002", "海淀驿站2", IN_CHAOYANG[1], None)])
    refused = run(registry, out, HAIDIAN)
    assert (refused.rejected, refused.updated) == (1, 0)
    assert [i.code for i in refused.issues] == ["outside_your_districts"]
    other = run(registry, out, CHAOYANG)  # not theirs to match: a new station of 朝阳区
    assert other.created == 1, other.issues


def test_several_stations_the_row_could_mean_are_refused(tmp_path: Path) -> None:
    """Same id and name in two other districts, none in the row's: refused, not guessed."""
    registry = fresh(tmp_path)
    rows = [("7", "骑手之家", IN_CHAOYANG[0], None), ("7", "骑手之家", IN_HAIDIAN[0], None)]
    run(registry, csv(tmp_path / "two.csv", rows), ADMIN)
    elsewhere = [("7", "骑手之家", (116.40, 39.915), None)]  # 东城区
    report = run(registry, csv(tmp_path / "third.csv", elsewhere), ADMIN)
    assert (report.rejected, report.updated, report.created) == (1, 0, 0)
    (issue,) = report.issues
    assert (issue.row, issue.code, issue.value) == (2, "ambiguous_external_id", "7")
    assert "110105" in issue.message
    assert "110108" in issue.message
    assert "110101" in issue.message_zh


def test_the_same_id_in_two_districts_of_one_file_is_two_stations(tmp_path: Path) -> None:
    registry = fresh(tmp_path)
    rows = [
        ("7", "骑手之家", IN_CHAOYANG[0], "110105"),
        ("7", "骑手之家", IN_HAIDIAN[0], "110108"),
        ("7", "骑手之家", IN_HAIDIAN[1], "110108"),  # the id again, in the same district
    ]
    report = run(registry, csv(tmp_path / "two.csv", rows), ADMIN)
    assert (report.created, report.rejected) == (2, 1)
    (issue,) = [i for i in report.issues if i.severity == "error"]
    assert (issue.row, issue.code) == (4, "duplicate_external_id")
