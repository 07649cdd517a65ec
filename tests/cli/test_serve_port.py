"""``stationfinder serve`` on a port another program holds (issue 14): a message in both
languages that says how to choose another, exit 2, and no URL printed before it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cli.main import app
from cli.usage import run


def test_a_busy_port_is_named_with_the_option_to_change_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as other:  # another program, listening
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        db = tmp_path / "s.db"
        with pytest.raises(SystemExit) as info:
            run(app, ["serve", "--port", str(port), "--database-url", f"sqlite:///{db}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    first, second = err.splitlines()
    assert first == (
        f"错误 / error (port_unavailable): 端口 127.0.0.1:{port} 已被其他程序占用；"
        "换一个端口：stationfinder serve --port 8001（或 ./scripts/serve --port 8001）"
    )
    assert second.strip() == (
        f"port 127.0.0.1:{port} is in use by another program; choose another: "
        "stationfinder serve --port 8001 (or ./scripts/serve --port 8001)"
    )
    assert "http://" not in err  # the URL was never announced
    assert not db.exists()  # nor the store opened
