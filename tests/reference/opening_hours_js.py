"""The reference implementation of OSM ``opening_hours``, the npm package, as a test peer.

``scripts/test`` installs the package (pinned by ``tests/reference/package-lock.json``)
with ``npm ci`` into the cache directory (``STATIONFINDER_CACHE_DIR``, else
``$XDG_CACHE_HOME/stationfinder``, else ``~/.cache/stationfinder``), under
``node/opening_hours-<hash of the lock file>``: :func:`install_dir`, which the script asks
this module for (``python -m tests.reference.opening_hours_js where``). Nothing here
downloads: when node or the package is missing, :func:`missing` says why and which
command installs it, and the tests skip (or fail under ``CI``, where scripts/test installs
it).

:func:`evaluate` runs many (expression, instant) pairs through ONE node process
(``evaluate.js``, JSON over stdin/stdout), in Asia/Shanghai local time (``TZ``: the
package evaluates in the process's local time), with a Beijing position so that ``PH``
means the package's public holidays of China (:func:`public_holidays`). Each pair gives
``True`` (open), ``False`` (closed), ``None`` (unknown: an ``unknown`` rule, or a rule
carrying a comment such as ``"by appointment"`` or ``Mo-Fr 09:00-17:00 "call"``), or
:class:`Refused` when the package refuses the expression.

The package's holidays of China (3.15.0) are fixed dates only, every year: 01-01 元旦,
03-08 妇女节, 05-01 劳动节, 05-04 青年节, 06-01 儿童节, 10-01 国庆节, 10-02 and 10-03
国庆节休息日. No Spring Festival, Qingming, Dragon Boat or Mid-Autumn, no bridge days, no
make-up working days; and 03-08, 05-04 and 06-01 are days off only for women, youths and
children. Compare with our calendar only on days whose status both share.

How the reference combines rules (measured; ``test_semantics.py`` checks this model
against the package on generated expressions). A rule is a *main* part (its selectors,
its times cut at midnight) and, when a time range passes midnight (``22:00-02:00``,
``20:00-26:00``), a *spill* part placed right after it: the times after midnight, on the
day after each day the rule selects. For a date d the rules are walked in order,
keeping a list of the parts that apply to d:

- a main part whose rule selects d is appended; before that, it empties the list when
  the rule *overrides*: it is not ``off`` (open, ``unknown``, or carrying a comment) and
  it has a weekday/``PH`` selector, or it has none but neither has the rule before it
  and it is open without a comment;
- a spill part whose rule selects d-1 is appended, never emptying the list.

The instant's state is then that of the LAST part in the list whose times contain it (a
part without times, ``off``/``unknown``/comment-only, contains the whole day), closed if
none. So, on d:

1. The last overriding rule that selects d sets the day: its own times on d, and its
   own spill from d-1 when it also selects d-1 (``Mo-Th 10:00-22:00; Fr-Su 10:00-02:00``
   is open on Monday 01:00: the Sunday spill).
2. An earlier rule's spill into d is dropped (``Fr-Su 10:00-02:00; Mo-Th 10:00-22:00`` is
   closed on Monday 01:00).
3. A later rule that selects d-1 but not d adds its spill (``22:00-02:00; PH off`` is
   open on 10-04 01:00, the day after the 10-03 holiday: the first rule selects both).
4. ``off`` never empties the list, but a whole-day ``off`` closes everything before it:
   ``Su 10:00-02:00; Mo off`` is closed on Monday 01:00; parts after it still apply.
5. Unlike "the last rule selecting d sets the day": a rule WITHOUT a selector after a
   rule with one does not override, it adds: ``Mo 08:00-10:00; 12:00-14:00`` is open on
   Monday at 09:00 and 13:00, and ``10:00-12:00; Mo 08:00-09:00; 14:00-16:00`` is open on
   Tuesday at 11:00. Two selector-less rules in a row override as usual
   (``10:00-12:00; 14:00-16:00`` is closed at 11:00).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from geo.outlines.build import cache_dir

HERE: Final = Path(__file__).resolve().parent
LOCK: Final = HERE / "package-lock.json"
SCRIPT: Final = HERE / "evaluate.js"
PACKAGE: Final = "opening_hours"
VERSION: Final = "3.15.0"
TIMEZONE: Final = "Asia/Shanghai"
INSTALL_COMMAND: Final = "scripts/test (it installs nodejs and npm, then npm ci into the cache)"
TIMEOUT_S: Final = 600.0

State = bool | None


@dataclass(frozen=True)
class Refused:
    """The reference refused ``expression`` (a syntax it does not accept)."""

    expression: str
    message: str


def install_dir() -> Path:
    """Where ``npm ci`` puts the pinned package: a new lock file means a new directory."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:12]
    return cache_dir() / "node" / f"{PACKAGE}-{VERSION}-{digest}"  # the outlines' cache


def _node() -> str | None:
    return shutil.which("node")


def missing() -> str | None:
    """Why the reference cannot run here (naming the command that installs it), or None."""
    if _node() is None:
        return f"node is not installed: run {INSTALL_COMMAND}"
    manifest = install_dir() / "node_modules" / PACKAGE / "package.json"
    if not manifest.is_file():
        return f"npm {PACKAGE}@{VERSION} is not installed in {install_dir()}: run {INSTALL_COMMAND}"
    return None


def _epoch_ms(instant: datetime) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instant {instant.isoformat()} has no time zone")
    return round(instant.timestamp() * 1000)


def _run(queries: list[dict[str, Any]], holiday_years: Sequence[int] = ()) -> dict[str, Any]:
    reason = missing()
    if reason is not None:
        raise RuntimeError(reason)
    node = _node()
    assert node is not None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "TZ": TIMEZONE,
        "NODE_PATH": str(install_dir() / "node_modules"),
        "LANG": "C.UTF-8",
    }
    request = json.dumps({"queries": queries, "holiday_years": list(holiday_years)})
    proc = subprocess.run(
        [node, str(SCRIPT)],
        input=request.encode(),
        capture_output=True,
        env=env,
        timeout=TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} failed ({proc.returncode}): {proc.stderr.decode()}")
    answer: dict[str, Any] = json.loads(proc.stdout)
    return answer


def evaluate(pairs: Iterable[tuple[str, datetime]]) -> list[State | Refused]:
    """The reference's state for each (expression, instant), in order.

    Parameters
    ----------
    pairs
        Expressions with time-zone-aware instants (any zone; evaluated in Asia/Shanghai).
        Each distinct expression is parsed once.

    Returns
    -------
    list
        ``True`` open, ``False`` closed, ``None`` unknown, or :class:`Refused` for every
        pair whose expression the reference refuses.
    """
    pairs = list(pairs)
    slots: dict[str, list[int]] = defaultdict(list)
    instants: dict[str, list[int]] = defaultdict(list)
    for i, (expression, instant) in enumerate(pairs):
        slots[expression].append(i)
        instants[expression].append(_epoch_ms(instant))
    expressions = list(slots)
    if not expressions:
        return []
    queries = [{"expression": e, "instants_ms": instants[e]} for e in expressions]
    results = _run(queries)["results"]
    out: list[State | Refused] = [None] * len(pairs)
    for expression, result in zip(expressions, results, strict=True):
        if result["error"] is not None:
            refused = Refused(expression, result["error"])
            for i in slots[expression]:
                out[i] = refused
        else:
            for i, state in zip(slots[expression], result["states"], strict=True):
                out[i] = state
    return out


def public_holidays(*years: int) -> dict[date, str]:
    """The days the reference takes for ``PH`` in China (``PH`` holds at noon), with names."""
    holidays = _run([], years)["holidays"]
    return {date.fromisoformat(day): name for year in years for day, name in holidays[str(year)]}


if __name__ == "__main__":
    # scripts/test asks where to install: python -m tests.reference.opening_hours_js where
    if sys.argv[1:] == ["where"]:
        print(install_dir())
    else:
        sys.exit("usage: python -m tests.reference.opening_hours_js where")
