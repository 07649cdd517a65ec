"""Bounds on the process that imports a file: CPU priority, memory, CPU time.

An import's cost is set by its file, and a small file can be built to cost a lot (a 1 MB
workbook whose shared strings inflate 100-fold took 83 s and 560 MB). Each import made
through the API therefore runs in a process of its own (``geo.imports.job_process``)
that lowers its priority and then limits itself with POSIX resource limits, so the
operating system stops it at the limit whatever the file does:

- **memory**: ``RLIMIT_AS`` (the address space) at the size the process has when the
  import begins, after the interpreter, its libraries and the registry's index, plus
  the allowance: the limit measures what the file costs, not the libraries or the size
  of the registry. Past it an allocation fails (``MemoryError``);
- **CPU time**: ``RLIMIT_CPU`` at the CPU seconds used so far plus the allowance: the
  kernel sends ``SIGXCPU`` there, which ends the process, and ``SIGKILL``
  :data:`CPU_GRACE_S` later if it was caught. CPU time, not wall time: an import that
  waits for the CPU, because searches come first, is not charged for waiting.

Linux: the address space is read from ``/proc/self/statm``; elsewhere the memory limit
is not applied. The command line's ``stationfinder import`` applies the same limits to
itself for the length of the import (:func:`bounded`).
"""

from __future__ import annotations

import math
import os
import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Final

from geo.errors import ImportTooCostly
from geo.imports.jobs import too_costly

CPU_GRACE_S: Final = 5  # from SIGXCPU (soft limit) to SIGKILL (hard limit)


def lower_priority(nice: int) -> None:
    """Make this process yield the CPU to the servers' (``nice`` 1-19; 0 leaves it)."""
    if nice > 0:
        os.nice(nice)


def no_core_dumps() -> None:
    """A process stopped at its CPU limit would dump core (SIGXCPU's default action): of
    an import, that is hundreds of megabytes nobody wants."""
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))


def limit_cpu(seconds: int) -> None:
    """Let this process use ``seconds`` more CPU seconds (0: no limit)."""
    if seconds <= 0:
        return
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)  # an ignored SIGXCPU is inherited
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    else:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + CPU_GRACE_S))


def address_space_bytes() -> int | None:
    """The size of this process's address space (Linux), None where unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def limit_memory(megabytes: int) -> bool:
    """Let this process grow by ``megabytes`` more (0: no limit); whether a limit was set.

    Only the soft limit is set, so :func:`lift_memory_limit` can give the process room
    again to record why it stopped.
    """
    size = address_space_bytes()
    if megabytes <= 0 or size is None:
        return False
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = size + megabytes * (1 << 20)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return True


def lift_memory_limit() -> None:
    """Undo :func:`limit_memory` (after the import, to write its outcome)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def ran_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a ``MemoryError``: a reader that
    reports every failure as an unreadable file still hides the real cause here."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, MemoryError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextmanager
def bounded(*, max_memory_mb: int, max_cpu_s: int) -> Iterator[None]:
    """The memory and CPU limits for the block (an import in this very process, as the
    command line runs it), as ``ImportTooCostly`` errors, all undone afterwards.

    Only soft limits are set, so the process gets its room back: past the CPU limit a
    ``SIGXCPU`` handler raises the error (in the main thread; elsewhere CPU time is not
    limited).
    """
    saved = {r: resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU)}
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGXCPU) if main else None

    def over_cpu(signum: int, frame: FrameType | None) -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))  # no second signal
        raise too_costly("cpu", max_cpu_s)

    try:
        if main and max_cpu_s > 0:
            signal.signal(signal.SIGXCPU, over_cpu)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            soft = math.ceil(usage.ru_utime + usage.ru_stime) + max_cpu_s
            hard = saved[resource.RLIMIT_CPU][1]
            if hard == resource.RLIM_INFINITY or soft < hard:
                resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        limit_memory(max_memory_mb)
        try:
            yield
        except ImportTooCostly:
            raise
        except BaseException as exc:
            if ran_out_of_memory(exc):
                resource.setrlimit(resource.RLIMIT_AS, saved[resource.RLIMIT_AS])
                raise too_costly("memory", max_memory_mb) from None
            raise
    finally:
        for limit, values in saved.items():
            resource.setrlimit(limit, values)
        if main and previous is not None:
            signal.signal(signal.SIGXCPU, previous)
