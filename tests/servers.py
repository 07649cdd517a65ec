"""Real server processes for tests that need more than one process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


# Bounds on waits for a real process. They only turn a hang into a failure: a server that
# starts is seen as soon as it answers, so the bound can be far above any plausible start-up
# on a loaded 2-core machine (5-10 s at worst) without slowing a passing run.
START_S = 180.0
STOP_S = 30.0
# A port found free can be taken before the server binds it (another test's server, or an
# outgoing connection's ephemeral port); the server then exits, and we try another.
BIND_TRIES = 5
_IN_USE = (b"address already in use", b"Address already in use")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = START_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not answer {url} within {timeout_s} s")


def spawn_server(
    command: Callable[[int], list[str]],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    ready_path: str = "/readyz",
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``command(port)`` on a free port of 127.0.0.1 and wait until it is ready.

    If the port was taken between finding it and the server binding it, the server exits
    saying so, and another port is tried. Returns the process and its base URL.
    """
    for attempt in range(BIND_TRIES):
        port = free_port()
        start = log.stat().st_size if log.exists() else 0
        with log.open("ab") as out:
            proc = subprocess.Popen(
                command(port), cwd=ROOT, env=os.environ | (env or {}),
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{base}{ready_path}", proc)
        except AssertionError:
            stop(proc)
            said = log.read_bytes()[start:]
            if attempt + 1 < BIND_TRIES and any(text in said for text in _IN_USE):
                continue
            raise
        return proc, base
    raise AssertionError("unreachable")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop; kill it if it has not within ``STOP_S``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serve(
    database_url: str, log: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``stationfinder serve`` on a free port of 127.0.0.1; yields its base URL."""

    def command(port: int) -> list[str]:
        return [sys.executable, "-c", "from cli.main import app; app()", "serve", "--no-demo",
                "--port", str(port), "--database-url", database_url, *args]  # fmt: skip

    proc, base = spawn_server(command, log, env=env)
    try:
        yield base
    finally:
        stop(proc)


def chongqing_registry(url: str, seed: int, *, by: str) -> list[Any]:
    """Write the Chongqing demo stations (5,606) into a fresh store at ``url``, marked
    initialised (``by`` names the test), for a live server to serve; every station."""
    from geo.registry import open_registry
    from geo.startup import load_demo

    registry = open_registry(url)
    try:
        load_demo(registry, seed=seed, cities=("chongqing",))
        registry.store.set_meta("initialised", f"by {by}")
        return list(registry.list_stations(limit=100_000).items)
    finally:
        registry.close()
