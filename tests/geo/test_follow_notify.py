"""Writes seen at once (issue 18): on PostgreSQL a commit NOTIFYs every listening
server, whose follower syncs then rather than at its next poll; on SQLite, which
cannot, followers poll as before."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from geo.model import StationData
from geo.registry import Registry, open_registry
from tests.postgres import store_urls

POLL_S = 60.0  # so long that only a notification can make the reader see the write in time
SEEN_WITHIN_S = 1.0  # what the issue asks of a test; bench/bench_follow.py measures the lag
HANG_S = 60.0  # bounds a bug only


@pytest.fixture
def url(tmp_path) -> Iterator[Callable[[str], str]]:  # type: ignore[no-untyped-def]
    with store_urls("postgis", tmp_path) as make:
        yield make


def _following(
    registry: Registry, stop: threading.Event, listening: threading.Event
) -> list[threading.Thread]:
    """The follower and listener threads a server runs; ``listening`` is set at the
    listener's first wake, which it gives once its LISTEN is in place."""

    def wake() -> None:
        listening.set()
        registry.wake()

    threads = [
        threading.Thread(target=registry.follow, args=(stop,),
                         kwargs={"interval_s": POLL_S, "pushed": True}, daemon=True),
        threading.Thread(target=registry.store.listen, args=(wake, stop), daemon=True),
    ]  # fmt: skip
    for t in threads:
        t.start()
    return threads


def test_a_commit_wakes_the_other_servers_follower(url: Callable[[str], str]) -> None:
    writer, reader = open_registry(url("n")), open_registry(url("n"))
    stop, listening = threading.Event(), threading.Event()
    threads = _following(reader, stop, listening)
    try:
        assert listening.wait(HANG_S)  # a commit from now on is notified
        made = writer.create(data=StationData(name="通知驿站", lon=116.40, lat=39.90))
        deadline = time.monotonic() + SEEN_WITHIN_S
        while made.id not in reader.index and time.monotonic() < deadline:
            time.sleep(0.01)
        assert made.id in reader.index  # long before the next poll, 60 s away
    finally:
        stop.set()
        reader.wake()
        for t in threads:
            t.join(10)
        writer.close()
        reader.close()
    assert not any(t.is_alive() for t in threads)


def test_sqlite_cannot_tell_and_returns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    registry = open_registry(f"sqlite:///{tmp_path}/s.db")
    try:
        woken: list[bool] = []
        registry.store.listen(lambda: woken.append(True), threading.Event())  # returns
        assert woken == []
    finally:
        registry.close()
