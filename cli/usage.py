"""The command's usage errors (an unknown option, a missing or bad value) in Chinese and
English, printed as data.

click refuses an option a command does not take (``--amenitiez``) and suggests the
closest one, but in English only, in a rich panel that reads what the user typed as
markup. :func:`run` runs the command line and prints those errors the way every other
CLI error is printed (``错误 / error (code): 中文`` then the English, through
:mod:`cli.safe`), with exit status 2.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Final, NoReturn

import typer

from cli.common import err
from cli.safe import line

# typer 0.2x runs a copy of click of its own (typer._click); older ones ran click.
try:
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover - typer before it vendored click
    import click  # type: ignore[no-redef]

__all__ = ["run", "usage_messages"]

# click's English, as far as it has a Chinese reading here; what is left stays English.
_ZH: Final = (
    (re.compile(r"'(.*)' is not a valid integer( range)?\."), r"'\1' 不是有效的整数。"),
    (re.compile(r"'(.*)' is not a valid float( range)?\."), r"'\1' 不是有效的数字。"),
    (re.compile(r"'(.*)' is not one of (.*)\."), r"'\1' 不是以下之一：\2。"),
    (re.compile(r"'(.*)' is not a valid boolean\."), r"'\1' 不是有效的布尔值。"),
    (re.compile(r"(?:File|Path|Directory) '(.*)' does not exist\."), r"文件 '\1' 不存在。"),
    (re.compile(r"(.*) is not in the range (.*)\."), r"\1 不在范围 \2 内。"),
    (re.compile(r"Input should be a valid number.*"), "不是有效的数字。"),
    (re.compile(r"Input should be a valid integer.*"), "不是有效的整数。"),
)


def _zh(message: str) -> str:
    for pattern, zh in _ZH:
        if pattern.fullmatch(message):
            return pattern.sub(zh, message)
    return message


def _hint(exc: click.BadParameter) -> str:
    """``选项 '--lon' ``, ``参数 'PATH' ``: what a bad or missing value was for."""
    param = exc.param
    opts = getattr(param, "opts", None)
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "argument" or not opts:
        return f"参数 '{(param.name or '').upper()}' "
    return f"选项 {' / '.join(repr(o) for o in opts)} "


def usage_messages(exc: click.ClickException) -> tuple[str, str, str]:
    """(code, Chinese, English) for one of click's errors."""
    en = exc.format_message()
    if isinstance(exc, click.NoSuchOption):
        guess = exc.possibilities or []
        hint = f"，是否想用 {'、'.join(guess)}？" if guess else ""
        return "unknown_option", f"没有选项 {exc.option_name}{hint}", en
    if isinstance(exc, click.MissingParameter):
        return "missing_parameter", f"缺少{_hint(exc).rstrip()}", en
    if isinstance(exc, click.BadParameter):
        return "invalid_parameter", f"{_hint(exc)}的值无效：{_zh(exc.message)}", en
    if isinstance(exc, click.UsageError):
        if m := re.fullmatch(r"No such command '(.*?)'\.(?: Did you mean '(.*)'\?)?", exc.message):
            guess = f"，是否想用 '{m.group(2)}'？" if m.group(2) else ""
            return "unknown_command", f"没有子命令 '{m.group(1)}'{guess}", en
        if m := re.fullmatch(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", exc.message):
            return "unexpected_argument", f"多余的参数：{m.group(1)}", en
        return "usage_error", f"用法错误：{en}", en
    return "error", en, en


def run(app: typer.Typer, args: Sequence[str] | None = None) -> NoReturn:
    """Run the command line and exit with its status; usage errors in both languages."""
    command = typer.main.get_command(app)
    try:
        status = command.main(args=args, prog_name="stationfinder", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:  # the command alone: its help
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        code, zh, en = usage_messages(exc)
        err.print(line(("错误 / error", "red"), f" ({code}): {zh}"))
        err.print(line(f"  {en}"))
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            err.print(line(f"  用法 / usage: {exc.ctx.command_path} --help"))
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print(line(("已中止 / aborted", "red")))
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
