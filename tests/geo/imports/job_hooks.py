"""A job process with a hostile twist, for tests: ``python -m tests.geo.imports.job_hooks``.

It is ``geo.imports.job_process`` itself, limits and all, except that its import, once
the file's rows are written inside the import's transaction (the runner reports
progress after writing each chunk, before it commits), does what ``$SF_TEST_JOB_HOOK``
says:

- ``spin``: computes forever, so only the CPU limit can end it;
- ``allocate``: takes memory a megabyte at a time, for good, so only the memory limit
  can end it;
- ``block:PATH``: writes ``PATH.started`` and waits until ``PATH`` exists (a test holds
  a job's transaction open with this, and releases it);
- ``hold:PATH``: the same, but at once, before the import reads the file or opens its
  transaction.

Tests point ``geo.imports.job_runner.CHILD_MODULE`` here (``monkeypatch``); nothing in
the product knows this module.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geo.imports import job_process, runner

HOOK = "SF_TEST_JOB_HOOK"
_real_import_file = runner.import_file


def hostile(action: str) -> Callable[[], None]:
    def spin() -> None:
        n = 0
        while True:
            n += 1

    def allocate() -> None:
        hoard = []
        while True:
            hoard.append(bytearray(1 << 20))  # zero-filled: really in memory

    def block() -> None:
        release = Path(action.partition(":")[2])
        Path(f"{release}.started").touch()
        while not release.exists():
            time.sleep(0.01)

    return {"spin": spin, "allocate": allocate}.get(action, block)


def import_file(*args: Any, **kwargs: Any) -> Any:
    action = os.environ[HOOK]
    act = hostile(action)
    if action.startswith("hold:"):
        act()
        return _real_import_file(*args, **kwargs)
    report = kwargs["progress"]

    def progress(done: int, total: int | None) -> None:
        report(done, total)
        act()

    return _real_import_file(*args, **{**kwargs, "progress": progress})


runner.import_file = import_file

if __name__ == "__main__":
    sys.exit(job_process.main())
