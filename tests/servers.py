"""Real server processes for tests that need more than one process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not answer {url} within {timeout_s} s")


@contextmanager
def serve(
    database_url: str, log: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``stationfinder serve`` on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-c", "from cli.main import app; app()", "serve"]
    command += ["--no-demo", "--port", str(port), "--database-url", database_url, *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=os.environ | (env or {}), stdout=out, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/readyz", proc)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
