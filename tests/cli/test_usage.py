"""The command line's usage errors in Chinese and English, printed as data (issue 14)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cli.main import app
from cli.usage import run

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        run(app, args)
    code = info.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def test_the_installed_command_runs_through_run() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"stationfinder": "cli.main:main"}


@pytest.mark.parametrize(
    ("args", "code", "zh", "en"),
    [
        (
            ["nearest", "--lon", "116.4", "--lat", "39.9", "--amenitiez", "toilet"],
            "unknown_option",
            "没有选项 --amenitiez，是否想用 --amenities？",
            "No such option: --amenitiez",
        ),
        (
            ["nearest", "--lon", "abc", "--lat", "39.9"],
            "invalid_parameter",
            "选项 '--lon' 的值无效：不是有效的数字。",
            "Invalid value for '--lon'",
        ),
        (
            ["nearest", "--lon", "1", "--lat", "2", "--k", "x"],
            "invalid_parameter",
            "选项 '--k' 的值无效：不是有效的整数。",
            "Invalid value for '--k'",
        ),
        (["nearest", "--lat", "3"], "missing_parameter", "缺少选项 '--lon'", "Missing option"),
        (["import"], "missing_parameter", "缺少参数 'PATH'", "Missing argument"),
        (
            ["nearst"],
            "unknown_command",
            "没有子命令 'nearst'，是否想用 'nearest'？",
            "No such command 'nearst'",
        ),
        (
            ["stations", "add", "--name", "x", "--lon", "1", "--lat", "2", "extra"],
            "unexpected_argument",
            "多余的参数：extra",
            "Got unexpected extra argument",
        ),
    ],
)
def test_usage_errors_in_both_languages(
    args: list[str], code: str, zh: str, en: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err = _run(args, capsys)
    assert status == 2
    first, second, third = err.splitlines()
    assert first == f"错误 / error ({code}): {zh}"
    assert second.strip().startswith(en)
    assert third.strip().startswith("用法 / usage: stationfinder")


def test_nothing_is_written_by_a_refused_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.db"
    monkeypatch.setenv("STATIONFINDER_DATABASE_URL", f"sqlite:///{db}")
    args = [
        "stations",
        "add",
        "--name",
        "新驿站",
        "--lon",
        "116.4",
        "--lat",
        "39.9",
        "--crs",
        "gps",
    ]
    status, _ = _run([*args, "--amenitiez", "toilet"], capsys)
    assert status == 2
    assert not db.exists()  # refused before the store was opened


def test_what_the_user_typed_is_data(capsys: pytest.CaptureFixture[str]) -> None:
    """An option name is printed as typed: no rich markup, no terminal escapes."""
    status, err = _run(["nearest", "--[bold red]x\x1b[2J"], capsys)
    assert status == 2
    assert "--[bold red]x\\x1b[2J" in err
    assert "\x1b" not in err


def test_the_command_alone_shows_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run(app, ["stations"])
    assert info.value.code == 2  # as click's own no_args_is_help
    shown = capsys.readouterr()
    assert "add" in shown.out + shown.err
    assert "错误" not in shown.out + shown.err


def test_help_and_success_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run(app, ["--help"])
    assert info.value.code == 0
    assert "Usage" in capsys.readouterr().out
