"""``stationfinder reports kinds|list|confirm|dismiss|add``: the same answers and rules as
the API (``--json`` equal to its documents), an editor key scoped to its districts as
over HTTP, verdicts that change the station and the audit log, refusals in both
languages with exit status 2, and couriers' notes printed as data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import cli.common
import cli.keys
import cli.reports
from cli.main import app
from cli.safe import console
from geo.access import Actor, cli_actor
from geo.clock import ManualClock
from geo.model import utc_now
from geo.registry import open_registry
from geo.reports.kinds import BY_CODE, REPORT_KINDS
from geo.reports.model import NewReport, ReportClient
from geo.reports.moderation import Verdict
from tests.cli.test_hostile_cli import (
    SEEDED,
    SHOWN,
    WIDE,
    actor_id,
    assert_safe,
    assert_shows,
    backend_holds,
    seed,
)
from tests.conftest import AUTH, make_app
from tests.hostile import HOSTILE

# Station 1 in 郑州市金水区 (410105), station 2 in 北京市朝阳区 (110105), WGS84.
JINSHUI = ["--name", "金水路驿站", "--lon", "113.69", "--lat", "34.78", "--crs", "wgs84",
           "--amenities", "microwave,toilet"]  # fmt: skip
CHAOYANG = ["--name", "建国路驿站", "--lon", "116.4612", "--lat", "39.9087", "--crs", "wgs84"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # Wide enough that rich never folds a table cell.
    monkeypatch.setenv("COLUMNS", "300")
    for module in (cli.common, cli.keys, cli.reports):
        monkeypatch.setattr(module, "out", console())
    monkeypatch.setattr(cli.common, "err", console(stderr=True))
    return CliRunner()


def run(runner: CliRunner, db: str, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, [*args, "--database-url", db])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def as_json(runner: CliRunner, db: str, *args: str) -> Any:
    return json.loads(run(runner, db, *args, "--json").stdout)


def squash(text: str) -> str:
    """Text without whitespace: rich wraps long messages at the console width."""
    return "".join(text.split())


def courier(name: str) -> ReportClient:
    return ReportClient(token=f"device-{name}-0000000000", address=f"10.0.0.{len(name)}")


def report(db: str, station_id: int, kind: str, who: str, **fields: Any) -> int:
    """A courier's report, as POST /v1/stations/{id}/reports stores it."""
    registry = open_registry(db)
    try:
        new = NewReport(BY_CODE[kind], **fields)
        return registry.live.report(station_id, new, courier(who)).id
    finally:
        registry.close()


@pytest.fixture
def seeded(runner: CliRunner, db_url: str, clock: ManualClock) -> str:
    """Two stations and four reports, 20 minutes old:

    1, 2: closed_now at 金水路驿站 (station 1) from two couriers, 1 with a note;
    3: microwave_broken at station 1, from 5 km away (far);
    4: parking_full at 建国路驿站 (station 2), sent twice by one courier.
    """
    assert as_json(runner, db_url, "stations", "add", *JINSHUI)["properties"]["id"] == 1
    assert as_json(runner, db_url, "stations", "add", *CHAOYANG)["properties"]["id"] == 2
    assert report(db_url, 1, "closed_now", "a", note="门锁着") == 1
    assert report(db_url, 1, "closed_now", "bb") == 2
    assert report(db_url, 1, "microwave_broken", "a", lon=113.75, lat=34.78) == 3
    assert report(db_url, 2, "parking_full", "ccc", note="满了") == 4
    clock.advance(60)
    assert report(db_url, 2, "parking_full", "ccc") == 4  # a repeat: one courier, one report
    clock.advance(19 * 60)
    return db_url


def editor_key(runner: CliRunner, db: str, adcode: str = "410105") -> tuple[int, str]:
    """An editor key for 金水区: (its id, the key)."""
    doc = as_json(
        runner, db, "keys", "create", "--role", "editor", "--adcode", adcode,
        "--name", "金水区总工会",
    )  # fmt: skip
    return doc["id"], doc["key"]


def table_rows(stdout: str) -> dict[str, list[str]]:
    """A printed table's rows by their first cell (the report id); the header's too."""
    rows = [
        [cell.strip() for cell in text[1:-1].split(text[0])]
        for text in stdout.splitlines()
        if text[:1] in ("│", "┃")
    ]
    return {cells[0]: cells for cells in rows}


def listed(runner: CliRunner, db: str, *args: str) -> list[int]:
    return [r["id"] for r in as_json(runner, db, "reports", "list", *args)["reports"]]


# -- kinds -------------------------------------------------------------------------------


def test_kinds_as_a_table_and_as_the_api_lists_them(runner: CliRunner, db_url: str) -> None:
    """No store needed: the vocabulary is the code's."""
    doc = runner.invoke(app, ["reports", "kinds", "--json"])
    table = runner.invoke(app, ["reports", "kinds"])
    assert doc.exit_code == table.exit_code == 0, (doc.stderr, table.stderr)
    with TestClient(make_app(db_url)) as api:
        assert json.loads(doc.stdout) == api.get("/v1/report-kinds").json()
    rows = table_rows(table.stdout)
    assert list(rows) == ["代码 code", *(k.code for k in REPORT_KINDS)]
    assert rows["parking_full"][1:4] == ["停车位已满", "Parking is full", "2 h"]
    assert rows["closed_now"][3] == "12 h，或到下次开门 / or until it opens"
    assert rows["closed_now"][5] == "暂停开放 / temporarily_closed"
    assert rows["microwave_broken"][3:6] == ["7 d", "—", "去掉 微波炉 / removes microwave"]


# -- list --------------------------------------------------------------------------------

QUERIES = [
    {},
    {"status": "any"},
    {"status": "expired"},
    {"kind": "closed_now,parking_full"},
    {"adcode": "金水区"},
    {"adcode": "110105"},
    {"adcode": "郑州市"},
    {"station-id": "2"},
    {"limit": "1"},
    {"limit": "2", "before-id": "3"},
]


@pytest.mark.parametrize("editor", [False, True], ids=["admin", "editor"])
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()))
def test_list_json_equals_the_api(
    runner: CliRunner, seeded: str, query: dict[str, str], editor: bool
) -> None:
    """The same document as GET /v1/reports for the same store, key and filters; or the
    same refusal (an area beyond the editor's districts), exit 2."""
    _, key = editor_key(runner, seeded)
    options = [part for name, value in query.items() for part in (f"--{name}", value)]
    options += ["--key", key] if editor else []
    headers = {"Authorization": f"Bearer {key}"} if editor else AUTH
    with TestClient(make_app(seeded)) as api:
        response = api.get(
            "/v1/reports", params={k.replace("-", "_"): v for k, v in query.items()},
            headers=headers,
        )  # fmt: skip
    if response.status_code != 200:
        error = response.json()["error"]
        refused = run(runner, seeded, "reports", "list", *options, code=2)
        assert f"({error['code']})" in refused.stderr
        assert squash(error["message_zh"]) in squash(refused.stderr)
        return
    doc = as_json(runner, seeded, "reports", "list", *options)
    assert doc == response.json()


def test_list_table(runner: CliRunner, seeded: str) -> None:
    result = run(runner, seeded, "reports", "list")
    rows = table_rows(result.stdout)
    assert list(rows) == ["id", "4", "3", "2", "1"]  # the header, then newest first
    assert rows["id"] == [
        "id", "驿站 station", "名称 name", "类型 kind", "次数 times", "备注 note", "远 far",
        "已过 age", "剩余 expires in",
    ]  # fmt: skip
    assert rows["4"] == [
        "4", "2", "建国路驿站", "停车位已满 (parking_full)", "2", "满了", "—", "19 min",
        "1 h 41 min",
    ]  # fmt: skip
    assert rows["3"][3] == "微波炉坏了 (microwave_broken)"
    assert rows["3"][6].startswith("远 far · 54")  # 5.4 km
    assert rows["3"][6].endswith(" m")
    assert rows["3"][7:] == ["20 min", "6 d 23 h"]
    assert rows["1"][1:] == [
        "1", "金水路驿站", "驿站未开门 (closed_now)", "1", "门锁着", "—", "20 min", "11 h 40 min"
    ]  # fmt: skip
    assert "next page" not in result.stdout
    assert "--before-id 3" in run(runner, seeded, "reports", "list", "--limit", "2").stdout
    assert "no reports" in run(runner, seeded, "reports", "list", "--status", "cleared").stdout


def test_an_editor_key_lists_only_its_districts(runner: CliRunner, seeded: str) -> None:
    _, key = editor_key(runner, seeded)
    assert listed(runner, seeded) == [4, 3, 2, 1]  # the command line: an admin
    assert listed(runner, seeded, "--key", key) == [3, 2, 1]  # 金水区 only
    assert listed(runner, seeded, "--key", key, "--adcode", "410105") == [3, 2, 1]
    shown = run(runner, seeded, "reports", "list", "--key", key).stdout
    assert "建国路驿站" not in shown
    assert "金水路驿站" in shown
    for beyond in ("北京市朝阳区", "郑州市"):  # another district; a city wider than the key's
        refused = run(runner, seeded, "reports", "list", "--key", key, "--adcode", beyond, code=2)
        assert refused.stderr.startswith("错误 / error (forbidden_district)")
        assert "只能查看辖区内的反馈" in refused.stderr
        assert squash("you see their reports only") in squash(refused.stderr)


def test_the_key_may_come_from_the_environment(
    runner: CliRunner, seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, key = editor_key(runner, seeded)
    monkeypatch.setenv("STATIONFINDER_API_KEY", key)
    assert listed(runner, seeded) == [3, 2, 1]


# -- verdicts ----------------------------------------------------------------------------


def audit(runner: CliRunner, db: str, action: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = as_json(runner, db, "audit", "--action", action)
    return entries


def test_confirming_closed_now_closes_the_station_and_is_audited(
    runner: CliRunner, seeded: str
) -> None:
    result = run(runner, seeded, "reports", "confirm", "2", "--note", "  电话核实\n已关门 ")
    assert result.stdout.splitlines() == [
        "已确认 / confirmed: 驿站未开门 Closed right now (closed_now), "
        "驿站 / station 1: 金水路驿站",
        "  已处理的反馈 / reports closed: 1, 2",  # every open report of the kind there
        "  驿站已改动 / station changed: status → temporarily_closed",
    ]
    station = as_json(runner, seeded, "stations", "show", "1")["properties"]
    assert station["status"] == "temporarily_closed"
    assert [r["kind"] for r in station["reports"]] == []  # 3 is far: it never counted
    confirmed = as_json(runner, seeded, "reports", "list", "--status", "confirmed")["reports"]
    assert [(r["id"], r["moderated_by"], r["moderation_note"]) for r in confirmed] == [
        (2, cli_actor().id, "电话核实 已关门"),
        (1, cli_actor().id, "电话核实 已关门"),
    ]
    assert listed(runner, seeded) == [4, 3]
    [entry] = audit(runner, seeded, "report_confirm")
    assert (entry["actor"], entry["station_id"]) == (cli_actor().id, 1)
    assert entry["after"] == {
        "kind": "closed_now", "reports": [1, 2], "note": "电话核实 已关门",
        "changed": {"status": "temporarily_closed"},
    }  # fmt: skip
    [update] = audit(runner, seeded, "update")  # the station's change, just before
    assert (update["seq"] + 1, update["actor"]) == (entry["seq"], cli_actor().id)
    assert (update["before"], update["after"]) == (
        {"status": "open"}, {"status": "temporarily_closed"}
    )  # fmt: skip
    log = run(runner, seeded, "audit", "--limit", "2").stdout
    assert "kind=closed_now reports=[1, 2] note=电话核实 已关门" in log
    # A second verdict on a closed report: a conflict, exit 2, nothing written.
    again = run(runner, seeded, "reports", "dismiss", "1", code=2)
    assert again.stdout == ""
    assert again.stderr.startswith("错误 / error (report_closed): 反馈 1 已处理（confirmed）")
    assert "report 1 is confirmed already" in again.stderr
    assert audit(runner, seeded, "report_dismiss") == []


def test_closed_until_a_date_opens_again_on_that_date(
    runner: CliRunner, seeded: str, clock: ManualClock
) -> None:
    result = run(runner, seeded, "reports", "confirm", "1", "--reopens-at", "2026-11-25")
    assert result.stdout.splitlines()[-2:] == [
        "  驿站已改动 / station changed: status → temporarily_closed",
        "  恢复开放 / reopens: 2026-11-25 00:00（北京时间 / Beijing time）",
    ]
    station = as_json(runner, seeded, "stations", "show", "1")["properties"]
    assert (station["status"], station["reopens_at"]) == (
        "temporarily_closed",
        "2026-11-24T16:00:00Z",
    )
    clock.advance(36 * 3600)
    registry = open_registry(seeded)  # a server's follower, on the day
    try:
        assert [s.id for s in registry.reopen_due()] == [1]
    finally:
        registry.close()
    station = as_json(runner, seeded, "stations", "show", "1")["properties"]
    assert (station["status"], station["reopens_at"]) == ("open", None)
    assert (
        "reopens_at=2026-11-24T16:00:00Z report=1 set_by=cli:"
        in run(runner, seeded, "audit", "--limit", "1").stdout
    )


@pytest.mark.parametrize(
    ("value", "said"),
    [("明天", "应为日期"), ("2026-11-01", "该时间已过去"), ("2028-01-01", "超过366天")],
)
def test_a_reopening_date_that_cannot_be_exits_2_and_writes_nothing(
    runner: CliRunner, seeded: str, value: str, said: str
) -> None:
    refused = run(runner, seeded, "reports", "confirm", "1", "--reopens-at", value, code=2)
    assert refused.stdout == ""
    assert refused.stderr.startswith("错误 / error (invalid_datetime): 恢复开放时间 reopens_at")
    assert said in squash(refused.stderr)
    assert audit(runner, seeded, "report_confirm") == []
    wrong_kind = run(runner, seeded, "reports", "confirm", "4", "--reopens-at", "2026-11-25",
                     code=2)  # fmt: skip
    assert "(invalid_parameter)" in wrong_kind.stderr
    assert as_json(runner, seeded, "stations", "show", "1")["properties"]["status"] == "open"


def test_confirming_broken_equipment_removes_it_json_as_the_api(
    runner: CliRunner, seeded: str
) -> None:
    doc = as_json(runner, seeded, "reports", "confirm", "3")
    assert doc == {
        "verdict": "confirm", "kind": "microwave_broken", "reports": [3], "station_id": 1,
        "changed": {"amenities": ["toilet"]}, "reopens_at": None,
        "station": {
            "reports": [{"kind": "closed_now", "count": 2, "last_at": "2026-11-23T04:00:00Z",
                         "label_zh": "驿站未开门", "label_en": "Closed right now"}],
            "last_verified_at": None, "reopens_at": None,
        },
    }  # fmt: skip
    station = as_json(runner, seeded, "stations", "show", "1")["properties"]
    assert station["amenities"] == ["toilet"]
    # The API answers a verdict with the same document (here: report 4's dismissal).
    cli_doc = as_json(runner, seeded, "reports", "dismiss", "4")
    with TestClient(make_app(seeded)) as api:
        report(seeded, 2, "parking_full", "dddd")  # 5: open again, for the API
        api_doc = api.post("/v1/reports/5/dismiss", headers=AUTH).json()
    assert {**cli_doc, "reports": [5]} == api_doc


def test_dismissing_leaves_the_station_and_is_audited(runner: CliRunner, seeded: str) -> None:
    before = as_json(runner, seeded, "stations", "show", "2")["properties"]
    assert [r["kind"] for r in before["reports"]] == ["parking_full"]
    result = run(runner, seeded, "reports", "dismiss", "4", "--note", "去看过，有车位")
    assert result.stdout.splitlines() == [
        "已驳回 / dismissed: 停车位已满 Parking is full (parking_full), "
        "驿站 / station 2: 建国路驿站",
        "  已处理的反馈 / reports closed: 4",
        "  驿站记录未改动 / the station's record is unchanged",
    ]
    after = as_json(runner, seeded, "stations", "show", "2")["properties"]
    assert after["reports"] == []
    assert {k: v for k, v in after.items() if k != "reports"} == {
        k: v for k, v in before.items() if k != "reports"
    }
    assert listed(runner, seeded, "--status", "dismissed") == [4]
    [entry] = audit(runner, seeded, "report_dismiss")
    assert entry["after"] == {
        "kind": "parking_full", "reports": [4], "note": "去看过，有车位", "changed": {}
    }  # fmt: skip
    assert audit(runner, seeded, "update") == []


def test_an_editor_key_judges_only_its_districts(runner: CliRunner, seeded: str) -> None:
    key_id, key = editor_key(runner, seeded)
    refused = run(runner, seeded, "reports", "dismiss", "4", "--key", key, code=2)
    assert refused.stderr.startswith("错误 / error (forbidden_district)")
    assert "不在您的辖区（河南省郑州市金水区 (410105)）内" in refused.stderr
    assert listed(runner, seeded, "--station-id", "2") == [4]  # still open
    assert audit(runner, seeded, "report_dismiss") == []
    judged = run(runner, seeded, "reports", "dismiss", "3", "--key", key).stdout
    assert "reports closed: 3" in judged
    [entry] = audit(runner, seeded, "report_dismiss")
    assert (entry["actor"], entry["actor_name"]) == (f"key:{key_id}", "金水区总工会")
    # A revoked key is refused, and an unknown one.
    run(runner, seeded, "keys", "revoke", str(key_id))
    revoked = run(runner, seeded, "reports", "confirm", "1", "--key", key, code=2)
    assert "(key_revoked)" in revoked.stderr
    unknown = run(runner, seeded, "reports", "list", "--key", "sf_not_a_key", code=2)
    assert "(unauthorized)" in unknown.stderr
    assert listed(runner, seeded) == [4, 2, 1]


# -- refusals ----------------------------------------------------------------------------

ERRORS = [
    pytest.param(
        ["reports", "confirm", "99"], "report_not_found", "不存在编号为 99 的反馈",
        "no report with id 99", id="no-such-report",
    ),
    pytest.param(
        ["reports", "dismiss", str(2**70)], "report_not_found", f"不存在编号为 {2**70} 的反馈",
        f"no report with id {2**70}", id="no-such-report-beyond-64-bits",
    ),
    pytest.param(
        ["reports", "list", "--kind", "parking_ful"], "invalid_parameter",
        "是否想用“停车位已满”，即 parking_full？", "did you mean 'parking_full'", id="unknown-kind",
    ),
    pytest.param(
        ["reports", "add", "1", "--kind", "停车场满了"], "invalid_parameter",
        "未知的反馈类型 '停车场满了'（是否想用“停车位已满”", "did you mean 'parking_full'",
        id="unknown-kind-by-name",
    ),
    pytest.param(
        ["reports", "list", "--kind", "all_good"], "invalid_parameter", "不是问题",
        "is not a problem", id="all-good-is-no-problem",
    ),
    pytest.param(
        ["reports", "list", "--status", "done"], "invalid_parameter", "参数 status='done' 无效",
        "status='done' is invalid", id="unknown-status",
    ),
    pytest.param(
        ["reports", "list", "--limit", "0"], "invalid_parameter", "参数 limit=0 无效",
        "limit=0 is invalid", id="limit-0",
    ),
    pytest.param(
        ["reports", "list", "--adcode", "火星区"], "invalid_parameter",
        "中国大陆没有名为 '火星区' 的省、市或区县", "no province, city or district", id="no-area",
    ),
    pytest.param(
        ["reports", "confirm", "1", "--note", "长" * 201], "invalid_parameter", "最多 200 个字",
        "at most 200 characters", id="note-too-long",
    ),
    pytest.param(
        ["reports", "confirm", "1", "--note", "已\x00核实"], "invalid_parameter", "控制字符",
        "control character", id="note-with-nul",
    ),
    pytest.param(
        ["reports", "dismiss", "1", "--note", "\x1b[2J"], "invalid_parameter", "控制字符",
        "control character", id="note-with-escape",
    ),
    pytest.param(
        ["reports", "add", "99", "--kind", "parking_full"], "station_not_found",
        "不存在编号为 99 的站点", "no station with id 99", id="no-such-station",
    ),
    pytest.param(
        ["reports", "add", "1", "--kind", "parking_full", "--lon", "113.69", "--lat", "34.78"],
        "crs_required", "必须用 --crs 说明", "--crs is required", id="position-without-datum",
    ),
    pytest.param(
        ["reports", "add", "1", "--kind", "parking_full", "--lon", "113.69"],
        "invalid_parameter", "lon 与 lat 须同时提供", "give both lon and lat", id="half-position",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "zh", "en"), ERRORS)
def test_refusals_exit_2_with_both_messages(
    runner: CliRunner, seeded: str, args: list[str], code: str, zh: str, en: str
) -> None:
    result = run(runner, seeded, *args, code=2)
    assert result.stdout == ""
    err = squash(result.stderr)
    assert f"错误/error({code}):" in err
    assert err.index(squash(zh)) < err.index(squash(en))  # Chinese first
    assert_safe(result.stderr)
    # nothing was judged or reported
    assert listed(runner, seeded) == [4, 3, 2, 1]
    assert audit(runner, seeded, "report_confirm") == audit(runner, seeded, "report_dismiss") == []


def test_ids_beyond_64_bits_find_nothing(runner: CliRunner, seeded: str) -> None:
    """Not a database error (a PostgreSQL bigint, an SQLite integer overflow)."""
    assert listed(runner, seeded, "--station-id", str(2**70)) == []
    assert listed(runner, seeded, "--station-id", "-1") == []
    assert listed(runner, seeded, "--before-id", str(2**70)) == [4, 3, 2, 1]
    assert listed(runner, seeded, "--before-id", str(-(2**70))) == []


# -- add ---------------------------------------------------------------------------------


def test_add_reports_as_one_courier_and_answers_as_the_api(
    runner: CliRunner, db_url: str, clock: ManualClock
) -> None:
    run(runner, db_url, "stations", "add", *CHAOYANG)
    doc = as_json(runner, db_url, "reports", "add", "1", "--kind", "停车位已满", "--note", "满了")
    assert doc["report"]["id"] == 1
    assert doc["report"]["times"] == 1
    assert doc["station"] == {
        "id": 1,
        "reports": [{"kind": "parking_full", "count": 1, "last_at": "2026-11-23T04:00:00Z",
                     "label_zh": "停车位已满", "label_en": "Parking is full"}],
        "last_verified_at": None, "reopens_at": None,
    }  # fmt: skip
    clock.advance(60)
    text = run(runner, db_url, "reports", "add", "1", "--kind", "parking_full").stdout
    assert text.splitlines() == [
        "已记录反馈 / report 1 stored: 停车位已满 Parking is full (parking_full), "
        "驿站 / station 1: 建国路驿站",
        "  第 2 次 / times 2; 到期 / expires 2026-11-23 06:01:00Z",
        "  驿站现显示 / the station shows: 停车位已满（1）",
    ]
    far = as_json(
        runner, db_url, "reports", "add", "1", "--kind", "wrong_location",
        "--lon", "116.5", "--lat", "39.9087", "--crs", "gcj02",
    )  # fmt: skip
    assert far["report"]["far"] is True
    with TestClient(make_app(db_url)) as api:
        sent = api.post("/v1/stations/1/reports", json={"kind": "all_good"}).json()
    assert set(sent) == set(doc)
    assert set(sent["report"]) == set(doc["report"])
    assert set(sent["station"]) == set(doc["station"])
    # all_good from a courier ends the short-lived reports and verifies the station
    assert listed(runner, db_url) == [2]
    verified = run(runner, db_url, "reports", "add", "1", "--kind", "all_good").stdout
    assert "last verified: 2026-11-23T04:01:00Z" in verified


# -- hostile text ------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEEDED)
def test_notes_print_as_data(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, db_url: str, name: str
) -> None:
    """A note as stored by an older version or by hand (past today's checks), a station
    named with it, and a verdict's note: every command shows them as text, never as
    markup or terminal control, and --json gives them back unchanged."""
    if not backend_holds(db_url, name):
        pytest.skip("PostgreSQL text cannot hold NUL: no PostGIS store has it to print")
    monkeypatch.setenv("COLUMNS", str(WIDE))
    monkeypatch.setattr(cli.reports, "out", console())  # as wide
    text = HOSTILE[name]
    station_id, _ = seed(db_url, text)
    registry = open_registry(db_url)
    try:
        for kind in ("parking_full", "wrong_info"):
            new = NewReport(BY_CODE[kind], note=text)
            registry.store.add_report(station_id, new, courier("a"), now=utc_now())
        registry.store.judge_report(
            2, Verdict.DISMISS, actor=Actor(actor_id(text), text), now=utc_now(), note=text
        )
    finally:
        registry.close()

    def shown(*args: str) -> str:
        result = run(runner, db_url, *args)
        assert_safe(result.stdout + result.stderr)
        return result.stdout

    assert_shows(shown("reports", "list"), name)
    verdicts = shown("reports", "list", "--status", "dismissed")
    assert_shows(verdicts, name)
    if name != "long_100k":
        assert f"cli:{SHOWN.get(name, text)}" in verdicts  # who judged it
    doc = as_json(runner, db_url, "reports", "list", "--status", "any")
    assert [(r["note"], r["moderation_note"]) for r in doc["reports"]] == [
        (text, text), (text, None)
    ]  # fmt: skip
    assert_shows(shown("reports", "confirm", "1"), name)  # the station's name
