"""Coverage answers are cached by question and registry version, and computed a few at a
time (issue 22, defect 15: one request cost 20-25 s of CPU, anyone could ask).

Nothing here measures time: computations are counted through the compute function the
app uses (``CoverageAnswers.compute``), and held open with an Event where a test needs
one running. Caching runs on SQLite and PostGIS (the version is each store's change log).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from api.coverage_cache import CoverageAnswers, Lru, Question, coverage_answers
from api.main import create_app
from api.settings import ApiSettings
from geo.coverage import CoverageResult, build_coverage
from geo.registry import open_registry
from tests.conftest import AUTH, TOKEN, assert_error, feature
from tests.maps.factories import DONGCHENG_INNER, scattered

STATS = "/v1/coverage/stats"
MAP = "/v1/maps/coverage"
DONGCHENG = {"city": "beijing", "district": "东城区", "radius_m": "300,800"}
WAIT_S = 60  # a safety net for a broken test, never the thing measured


def app_on(database_url: str, **overrides: Any) -> FastAPI:
    settings = {
        "database_url": database_url,
        "demo": False,
        "admin_token": TOKEN,
        "rate_limit_search_per_min": 0,
        "rate_limit_writes_per_min": 0,
    }
    return create_app(ApiSettings(**(settings | overrides)))


class Counted:
    """The real computation, counted; with ``hold``, each call waits for ``release``."""

    def __init__(self, *, hold: bool = False) -> None:
        self.calls = 0
        self.drawn: list[bool] = []  # whether each call computed the drawings
        self.hold = hold
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, registry: Any, **question: Any) -> CoverageResult:
        self.calls += 1
        self.drawn.append(question.get("drawing", True))
        if self.hold:
            self.entered.release()
            assert self.release.wait(WAIT_S), "the test never released the computation"
        return build_coverage(registry, **question)

    def wait_entered(self, n: int = 1) -> None:
        for _ in range(n):
            assert self.entered.acquire(timeout=WAIT_S), "the computation never started"


def polls() -> Iterator[None]:
    """Iterations of a polling loop, 10 ms apart, failing after ``WAIT_S`` seconds."""
    for _ in range(WAIT_S * 100):
        yield
        threading.Event().wait(0.01)
    raise AssertionError(f"not reached in {WAIT_S} s")


def counted(client: TestClient, *, hold: bool = False) -> Counted:
    answers = coverage_answers(client.app)  # type: ignore[arg-type]
    answers.compute = Counted(hold=hold)
    return answers.compute  # type: ignore[return-value]


def seeded(client: TestClient, n: int = 12) -> None:
    client.app.state.registry.create_many(items=scattered(n, DONGCHENG_INNER))  # type: ignore[attr-defined]


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """Stations in Dongcheng, on SQLite and PostGIS."""
    with TestClient(app_on(db_url)) as c:
        seeded(c)
        yield c


def stations_counted(response: httpx2.Response) -> int:
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]["stations"]
    return total


# -- caching ----------------------------------------------------------------------------


def test_the_same_question_is_computed_once(client: TestClient) -> None:
    compute = counted(client)
    first = client.get(STATS, params=DONGCHENG)
    second = client.get(STATS, params=DONGCHENG)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert compute.calls == 1


@pytest.mark.parametrize(
    "respelled",
    [
        {"district": "110101"},  # the adcode
        {"district": "Dongcheng"},  # the English name
        {"district": "东城"},  # without 区
        {"radius_m": "800, 300"},  # radii in another order, with a space
        {"radius_m": "300,800,300"},  # a radius repeated
        {"city": " Beijing "},
    ],
)
def test_one_question_spelled_differently_is_computed_once(
    client: TestClient, respelled: dict[str, str]
) -> None:
    compute = counted(client)
    first = client.get(STATS, params=DONGCHENG)
    again = client.get(STATS, params=DONGCHENG | respelled)
    assert again.content == first.content
    assert compute.calls == 1


def test_other_questions_are_computed_again(client: TestClient) -> None:
    compute = counted(client)
    for params in (
        DONGCHENG,
        DONGCHENG | {"radius_m": "300"},
        DONGCHENG | {"amenities": "microwave"},
        DONGCHENG | {"district": "西城区"},
        {"city": "116.40,39.90,116.42,39.92", "radius_m": "300,800"},
    ):
        assert client.get(STATS, params=params).status_code == 200
    assert compute.calls == 5


def test_every_output_of_one_question_shares_one_computation(client: TestClient) -> None:
    compute = counted(client)
    html = client.get(MAP, params=DONGCHENG)
    english = client.get(MAP, params=DONGCHENG | {"lang": "en"})
    assert html.status_code == english.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "Dongcheng" in english.text
    for fmt in ("json", "csv", "xlsx"):  # the map's result holds the figures too
        assert client.get(STATS, params=DONGCHENG | {"format": fmt}).status_code == 200
    assert compute.calls == 1
    assert compute.drawn == [True]
    # Each output is drawn once, then served as it was drawn, headers included.
    csv_again = client.get(STATS, params=DONGCHENG | {"format": "csv"})
    assert 'filename="coverage-beijing.csv"' in csv_again.headers["content-disposition"]
    assert csv_again.headers["content-type"].startswith("text/csv")


def test_the_stats_compute_no_drawings(client: TestClient) -> None:
    """Figures only for the stats (tests/geo/test_coverage.py checks they are the same
    figures); a later map of the same question computes its drawings once."""
    compute = counted(client)
    for fmt in ("json", "csv"):
        assert client.get(STATS, params=DONGCHENG | {"format": fmt}).status_code == 200
    assert compute.drawn == [False]
    assert client.get(MAP, params=DONGCHENG).status_code == 200
    assert client.get(MAP, params=DONGCHENG | {"lang": "en"}).status_code == 200
    assert client.get(STATS, params=DONGCHENG | {"format": "xlsx"}).status_code == 200
    assert compute.drawn == [False, True]


def test_a_write_through_the_api_invalidates(client: TestClient) -> None:
    compute = counted(client)
    before = stations_counted(client.get(STATS, params=DONGCHENG))
    body = feature(116.41, 39.915, name="新驿站", opening_hours="24小时")
    assert client.post("/v1/stations", json=body, headers=AUTH).status_code == 201
    after = stations_counted(client.get(STATS, params=DONGCHENG))
    assert after == before + 1
    assert compute.calls == 2


def test_a_write_by_another_process_invalidates(client: TestClient, db_url: str) -> None:
    """Another worker or the command line writes to the store, not through this app: the
    store's change sequence moves all the same."""
    compute = counted(client)
    before = stations_counted(client.get(STATS, params=DONGCHENG))
    other = open_registry(db_url)
    try:
        other.create_many(items=scattered(3, DONGCHENG_INNER, seed=99))
    finally:
        other.close()
    assert stations_counted(client.get(STATS, params=DONGCHENG)) == before + 3
    assert compute.calls == 2


def test_a_refused_question_is_not_computed(client: TestClient) -> None:
    compute = counted(client)
    response = client.get(STATS, params=DONGCHENG | {"radius_m": "300,-1"})
    assert_error(response, 422, "invalid_parameter")
    assert compute.calls == 0


def test_the_caches_are_bounded(tmp_path: Any) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'b.db'}", coverage_cache_results=2, coverage_cache_bytes=0)
    with TestClient(app) as c:
        seeded(c)
        compute = counted(c)
        radii = ["300", "400", "500"]
        for radius in [*radii, radii[0]]:  # the first was dropped to keep two
            assert c.get(STATS, params=DONGCHENG | {"radius_m": radius}).status_code == 200
        assert compute.calls == 4
        answers = coverage_answers(c.app)  # type: ignore[arg-type]
        assert len(answers.results) == 2
        assert len(answers.answers) == 0  # rendered answers off


def test_lru_drops_the_least_recently_used_by_count_and_by_weight() -> None:
    cache: Lru[str, str] = Lru(max_entries=3, max_weight=10)
    for key, weight in (("a", 2), ("b", 2), ("c", 2)):
        cache.put(key, key.upper(), weight=weight)
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("d", "D", weight=2)  # four entries: b goes
    assert (cache.get("b"), len(cache)) == (None, 3)
    cache.put("e", "E", weight=7)  # 2 + 2 + 2 + 7 > 10: c, then a, go
    assert [k for k in "acde" if cache.get(k) is not None] == ["d", "e"]
    assert cache.weight == 9
    cache.put("huge", "H", weight=11)  # larger than the whole cache: not kept
    assert cache.get("huge") is None
    assert cache.weight == 9


# -- caps --------------------------------------------------------------------------------


@pytest.fixture
def capped(tmp_path: Any) -> Iterator[TestClient]:
    """Two computations at once, one per client; clients named by a trusted proxy."""
    app = app_on(
        f"sqlite:///{tmp_path / 'c.db'}",
        coverage_max_concurrent=2,
        coverage_max_concurrent_per_client=1,
        trusted_proxies="10.0.0.0/8",
    )
    with TestClient(app, client=("10.0.0.1", 5000)) as c:
        seeded(c)
        yield c


def as_client(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


def radius(r: int) -> dict[str, str]:
    return DONGCHENG | {"radius_m": str(r)}


def test_one_client_gets_one_computation_at_a_time(capped: TestClient) -> None:
    compute = counted(capped, hold=True)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(capped.get, STATS, params=radius(300), headers=as_client("1.1.1.1"))
        compute.wait_entered()
        # Another question from the same client, while the first is computing.
        refused = capped.get(STATS, params=radius(400), headers=as_client("1.1.1.1"))
        error = assert_error(refused, 429, "concurrency_limited")
        assert refused.headers["Retry-After"] == "5"
        assert "同时" in error["message_zh"]
        compute.release.set()
        assert first.result(WAIT_S).status_code == 200
    # The slot is back: the same client may ask again.
    assert capped.get(STATS, params=radius(400), headers=as_client("1.1.1.1")).status_code == 200
    assert compute.calls == 2


def test_the_worker_computes_at_most_its_total_at_once(capped: TestClient) -> None:
    compute = counted(capped, hold=True)
    with ThreadPoolExecutor(2) as pool:
        running = [
            pool.submit(capped.get, STATS, params=radius(r), headers=as_client(ip))
            for r, ip in ((300, "1.1.1.1"), (400, "2.2.2.2"))
        ]
        compute.wait_entered(2)
        refused = capped.get(STATS, params=radius(500), headers=as_client("3.3.3.3"))
        assert_error(refused, 503, "server_busy")
        assert refused.headers["Retry-After"] == "5"
        # An answer already cached needs no slot.
        compute.release.set()
        assert [f.result(WAIT_S).status_code for f in running] == [200, 200]
    cached = capped.get(STATS, params=radius(300), headers=as_client("3.3.3.3"))
    assert cached.status_code == 200
    answers = coverage_answers(capped.app)  # type: ignore[arg-type]
    assert (answers.slots.running, answers.slots.by_client) == (0, {})
    assert compute.calls == 2


def test_asking_what_is_being_computed_waits_for_it(capped: TestClient) -> None:
    """The same question again, even from the same client, is not refused and not
    computed twice: it waits for the computation under way."""
    compute = counted(capped, hold=True)
    answers = coverage_answers(capped.app)  # type: ignore[arg-type]
    with ThreadPoolExecutor(3) as pool:
        asks = [pool.submit(capped.get, STATS, params=DONGCHENG, headers=as_client("1.1.1.1"))]
        compute.wait_entered()
        asks += [
            pool.submit(capped.get, STATS, params=DONGCHENG, headers=as_client(ip))
            for ip in ("1.1.1.1", "2.2.2.2")
        ]
        for _ in polls():  # until both wait for the first one's computation
            assert not any(f.done() for f in asks), [f.result().text for f in asks if f.done()]
            if answers.waiting == 2:
                break
        compute.release.set()
        bodies = [f.result(WAIT_S) for f in asks]
    assert [b.status_code for b in bodies] == [200, 200, 200]
    assert len({b.content for b in bodies}) == 1
    assert compute.calls == 1


def test_a_request_that_goes_away_leaves_its_computation_holding_the_slot(
    tmp_path: Any,
) -> None:
    """A request cancelled mid-computation (what ``RequestTimeout`` does to a read that
    has not answered in time, or a client leaving) frees the client, not the CPU: the
    computation keeps its slot until it ends, then its answer is cached."""
    registry = open_registry(f"sqlite:///{tmp_path / 'g.db'}")
    registry.create_many(items=scattered(12, DONGCHENG_INNER))
    answers = CoverageAnswers.from_settings(
        ApiSettings(coverage_max_concurrent=1, coverage_max_concurrent_per_client=1)
    )
    compute = Counted(hold=True)
    answers.compute = compute
    question = Question("beijing", "东城区", None, "300,800")

    def ask(q: Question = question) -> Any:
        request = Request({"type": "http", "client": ("1.1.1.1", 1), "headers": []})
        return answers.answer(
            request, registry, q, output="json", render=lambda r: JSONResponse(r.area.key)
        )

    async def scenario() -> None:
        abandoned = asyncio.ensure_future(ask())
        await asyncio.to_thread(compute.wait_entered)
        abandoned.cancel()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        assert answers.slots.running == 1  # still computing, still counted
        refused = await ask(Question("beijing", "东城区", None, "500"))
        assert refused.status_code == 429
        compute.release.set()
        for _ in polls():  # the computation ends and gives its slot back
            if not answers.slots.running:
                break
            await asyncio.sleep(0)
        cached = await ask()
        assert cached.status_code == 200
        assert cached.body == b'"beijing"'

    try:
        asyncio.run(scenario())
    finally:
        registry.close()
    assert compute.calls == 1


def test_a_map_with_uploaded_demand_takes_a_slot_too(capped: TestClient) -> None:
    compute = counted(capped, hold=True)
    demand = ("demand.csv", b"lon,lat,weight\n116.41,39.915,3\n")
    form = {"city": "beijing", "district": "东城区", "radius_m": "300"}
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(
            capped.post, MAP, files={"demand": demand}, data=form, headers=as_client("1.1.1.1")
        )
        compute.wait_entered()
        refused = capped.post(
            MAP, files={"demand": demand}, data=form, headers=as_client("1.1.1.1")
        )
        assert_error(refused, 429, "concurrency_limited")
        compute.release.set()
        assert first.result(WAIT_S).status_code == 200, first.result().text


def test_caps_of_zero_are_off() -> None:
    answers = CoverageAnswers.from_settings(
        ApiSettings(coverage_max_concurrent=0, coverage_max_concurrent_per_client=0)
    )
    assert [answers.slots.take("a") for _ in range(5)] == [None] * 5


def test_an_unchanged_answer_is_a_304_without_a_computation(client: TestClient) -> None:
    compute = counted(client)
    first = client.get(STATS, params=DONGCHENG)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(STATS, params=DONGCHENG, headers={"If-None-Match": tag})
    assert (again.status_code, again.content) == (304, b"")
    csv = client.get(STATS, params=DONGCHENG | {"format": "csv"}, headers={"If-None-Match": tag})
    assert csv.status_code == 200  # another drawing of the same result: another tag
    assert csv.headers["etag"] != tag
    body = feature(116.41, 39.915, name="又一个", opening_hours="24小时")
    assert client.post("/v1/stations", json=body, headers=AUTH).status_code == 201
    assert client.get(STATS, params=DONGCHENG, headers={"If-None-Match": tag}).status_code == 200
    assert compute.calls == 2  # once before the write, once after
