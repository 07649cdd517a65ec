"""Coverage answers: cached by question and registry version, a few computed at a time.

One coverage question (``GET /v1/coverage/stats``, ``GET``/``POST /v1/maps/coverage``)
costs seconds to tens of seconds of CPU: every open station buffered by every radius,
unioned and cut by every district, then ~0.2-0.5 s more to draw the HTML map. Anyone may
ask (reads are public), so before this a few concurrent requests took every core from
the nearest searches of riders (8 at once raised search p50 from 10 to 44 ms).

- **Cache.** Answers are kept by the *normalised* question (city or bbox, the districts
  it resolves to, the amenity filters, the sorted radii), the output (format, language)
  and the store's change sequence (``last_change``): any write, through any worker or
  the command line, moves the sequence, so the next request computes afresh. Two LRU
  caches, both bounded: computed results by count (a city's result holds its stations
  and geometries, ~10 MB), rendered answers by bytes. The stats ask for figures only
  and compute no drawings, unless a map of the same question already did.
- **Caps.** A question not in the cache needs a slot: at most ``per_client`` at once per
  client address (``api.clients.ClientAddress``: trusted proxies respected) and ``total``
  at once in the worker; beyond them the answer is 429 ``concurrency_limited`` or 503
  ``server_busy`` with ``Retry-After``, at once, without queueing. A request asking what
  is being computed already waits for that computation instead of starting another.
- **Slots follow the CPU.** The computation runs in a thread owned by a task of its own:
  a request that times out (``RequestTimeout``) or goes away leaves it running, still
  holding its slot, and its answer still fills the cache.

Everything here except the computation itself runs on the event loop, so the caches and
counters need no locks.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api import conditional
from api.clients import ClientAddress
from api.errors import error_response
from api.settings import ApiSettings
from geo.coverage import CoverageResult, build_coverage, parse_filters, parse_radii, resolve_area
from geo.registry import Registry
from geo.reports.kinds import parse_kinds
from geo.search import parse_bbox

RETRY_AFTER_S: Final = 5  # a coverage computation takes a few seconds
MAX_ANSWERS: Final = 1000  # rendered answers kept, whatever their size (bytes bound them too)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A least-recently-used cache bounded by entries and, optionally, by total weight."""

    def __init__(self, *, max_entries: int, max_weight: int | None = None) -> None:
        self.max_entries = max_entries
        self.max_weight = max_weight
        self.weight = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        """The value cached for ``key`` (now the most recently used), or None."""
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: K, value: V, *, weight: int = 0) -> None:
        """Cache ``value``; the least recently used go while over the entry or weight limit."""
        if self.max_entries <= 0 or (self.max_weight is not None and weight > self.max_weight):
            return  # caching off, or one value larger than the whole cache
        old = self._items.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self._items[key] = (value, weight)
        self.weight += weight
        while len(self._items) > self.max_entries or (
            self.max_weight is not None and self.weight > self.max_weight
        ):
            _, (_, dropped) = self._items.popitem(last=False)
            self.weight -= dropped


class Slots:
    """Counts of computations running, per client and in all; 0 means no cap."""

    def __init__(self, *, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.running = 0
        self.by_client: dict[str, int] = {}

    def take(self, client: str) -> JSONResponse | None:
        """Take a slot for ``client``, or return the refusal to answer instead."""
        mine = self.by_client.get(client, 0)
        if self.per_client > 0 and mine >= self.per_client:
            return error_response(
                429,
                "concurrency_limited",
                f"you already have {mine} coverage computation(s) running, the most one "
                f"client may have at once; retry in {RETRY_AFTER_S} s, when it has finished "
                "(its answer is then cached)",
                f"您已有 {mine} 个覆盖统计正在计算，已达每个客户端同时计算的上限；"
                f"请 {RETRY_AFTER_S} 秒后重试（算完的结果会被缓存）",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        if self.total > 0 and self.running >= self.total:
            return error_response(
                503,
                "server_busy",
                f"the server is computing {self.running} coverage answers already, the most "
                f"it computes at once; retry in {RETRY_AFTER_S} s",
                f"服务器正在计算 {self.running} 个覆盖统计，已达同时计算的上限；"
                f"请 {RETRY_AFTER_S} 秒后重试",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        self.running += 1
        self.by_client[client] = mine + 1
        return None

    def give_back(self, client: str) -> None:
        """End one of ``client``'s computations."""
        self.running -= 1
        left = self.by_client[client] - 1
        if left:
            self.by_client[client] = left
        else:
            del self.by_client[client]


@dataclass(frozen=True, slots=True)
class Question:
    """A coverage question as the routes take it (validated by :meth:`key`)."""

    city: str
    district: str | None
    amenities: tuple[str, ...] | None
    radius_m: str | None
    exclude_confirmed: str | None = None

    def key(self) -> Hashable:
        """The question normalised: equal for questions with the same answer (``朝阳`` and
        ``Chaoyang``, ``1000,500`` and ``500,1000``). Raises what an invalid parameter
        raises (``InvalidParameter``, ``UnknownAmenity``: a 422)."""
        filters = parse_filters(self.amenities)
        radii = parse_radii(self.radius_m)
        area = resolve_area(self.city, self.district)
        bbox = parse_bbox(self.city) if area.key == "bbox" else None
        adcodes = tuple(str(a) for a in area.districts["adcode"])
        left_out = tuple(
            k.code for k in parse_kinds(self.exclude_confirmed, field="exclude_confirmed")
        )
        return (area.key, area.name, adcodes, bbox, tuple(f.key for f in filters), radii, left_out)


Compute = Callable[..., CoverageResult]
Render = Callable[[CoverageResult], Response]


@dataclass(frozen=True, slots=True)
class Stored:
    """A rendered answer, kept as bytes (a Response object is sent once)."""

    body: bytes
    status: int
    media_type: str | None
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, response: Response) -> Stored:
        """What a response holds: its body, status, media type and headers."""
        framing = ("content-length", "content-type")  # Response sets them from the body
        kept = tuple((k, v) for k, v in response.headers.items() if k not in framing)
        return cls(bytes(response.body), response.status_code, response.media_type, kept)

    def response(self) -> Response:
        """A new response with what was stored."""
        return Response(
            self.body, self.status, headers=dict(self.headers), media_type=self.media_type
        )


def _tagged(response: Response, tag: str) -> Response:
    if response.status_code == 200:
        response.headers.update(conditional.headers(tag))
    return response


class CoverageAnswers:
    """The cache and the slots of one app (one worker process)."""

    def __init__(
        self,
        *,
        client_address: ClientAddress,
        max_results: int,
        max_answer_bytes: int,
        total: int,
        per_client: int,
        compute: Compute = build_coverage,
    ) -> None:
        self.client_address = client_address
        self.results: Lru[Hashable, CoverageResult] = Lru(max_entries=max_results)
        self.answers: Lru[Hashable, Stored] = Lru(
            max_entries=MAX_ANSWERS if max_answer_bytes > 0 else 0, max_weight=max_answer_bytes
        )
        self.slots = Slots(total=total, per_client=per_client)
        # Questions as asked -> normalised (the boundaries are fixed: never stale).
        self.questions: Lru[Question, Hashable] = Lru(max_entries=MAX_ANSWERS)
        # build_coverage's signature; tests replace it to count or hold computations.
        self.compute = compute
        self._running: dict[Hashable, asyncio.Task[Stored]] = {}
        self.waiting = 0  # requests waiting for a computation another request started

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> CoverageAnswers:
        """The caches and caps the settings ask for."""
        return cls(
            client_address=ClientAddress(
                [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
            ),
            max_results=settings.coverage_cache_results,
            max_answer_bytes=settings.coverage_cache_bytes,
            total=settings.coverage_max_concurrent,
            per_client=settings.coverage_max_concurrent_per_client,
        )

    async def answer(
        self,
        request: Request,
        registry: Registry,
        question: Question,
        *,
        output: Hashable,
        render: Render,
        drawing: bool = True,
    ) -> Response:
        """The answer to ``question`` drawn by ``render`` (``output`` names the drawing:
        format, language...), from the cache, or from a computation if a slot is free.

        Without ``drawing`` (figures only, as the stats ask) a result computed with its
        drawings serves as well; otherwise one is computed without them (a Beijing
        question's figures: ~0.5 s, against ~1.3 s with the drawings)."""
        normalised = self.questions.get(question)  # a bbox takes ~0.1 s to resolve

        def key() -> tuple[Hashable, int]:
            # Version first: a write after it makes a newer version, never a stale hit.
            version = registry.store.last_change()
            return (question.key() if normalised is None else normalised), version

        normal, version = await run_in_threadpool(key)
        self.questions.put(question, normal)
        # The same URL at the same version is the same answer (conditional GET).
        drawn = hashlib.sha256(repr(output).encode()).hexdigest()[:12]
        tag = conditional.etag(version, drawn)
        if (unchanged := conditional.not_modified(request, tag)) is not None:
            return unchanged
        question_key = (normal, version)
        answer_key = (question_key, output)
        stored = self.answers.get(answer_key)
        if stored is not None:
            return _tagged(stored.response(), tag)

        # Another output of the same result; a drawn result answers figures too.
        result_key = (question_key, True)
        known = self.results.get(result_key)
        if known is None and not drawing:
            result_key = (question_key, False)
            known = self.results.get(result_key)
        if known is None:
            result_key = (question_key, drawing)

        def work() -> tuple[Stored, CoverageResult]:
            result = known
            if result is None:
                more: dict[str, Any] = {}
                if question.exclude_confirmed is not None:
                    more["exclude_confirmed"] = question.exclude_confirmed
                if not drawing:
                    more["drawing"] = False
                result = self.compute(
                    registry,
                    city=question.city,
                    district=question.district,
                    amenities=question.amenities,
                    radius_m=question.radius_m,
                    **more,
                )
            return Stored.of(render(result)), result

        def keep(made: tuple[Stored, CoverageResult]) -> None:
            stored, result = made
            self.results.put(result_key, result)
            self.answers.put(answer_key, stored, weight=len(stored.body))

        return _tagged(await self._run(request, answer_key, work, keep), tag)

    async def uncached(self, request: Request, work: Callable[[], Response]) -> Response:
        """``work()`` (a coverage answer that cannot be cached, such as one with uploaded
        demand points) in a thread, if a slot is free."""
        return await self._run(request, None, lambda: (Stored.of(work()), None), None)

    async def _run(
        self,
        request: Request,
        key: Hashable | None,
        work: Callable[[], tuple[Stored, Any]],
        keep: Callable[[Any], None] | None,
    ) -> Response:
        task = self._running.get(key) if key is not None else None
        if task is not None:  # the same answer is being computed: wait for it, no slot
            self.waiting += 1
            try:
                stored = await asyncio.shield(task)
            finally:
                self.waiting -= 1
            return stored.response()
        client = self.client_address(request.scope)
        refusal = self.slots.take(client)
        if refusal is not None:
            return refusal
        task = asyncio.ensure_future(self._compute(client, key, work, keep))
        task.add_done_callback(_retrieve)
        if key is not None:
            self._running[key] = task
        # Shielded: a request that goes away does not stop the computation.
        stored = await asyncio.shield(task)
        return stored.response()

    async def _compute(
        self,
        client: str,
        key: Hashable | None,
        work: Callable[[], tuple[Stored, Any]],
        keep: Callable[[Any], None] | None,
    ) -> Stored:
        try:
            made = await run_in_threadpool(work)
            if keep is not None:
                keep(made)
            return made[0]
        finally:
            self.slots.give_back(client)
            if key is not None:
                self._running.pop(key, None)


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Consume the outcome of a computation nobody waits for any more (timed out)."""
    if not task.cancelled():
        task.exception()


def coverage_answers(app: FastAPI) -> CoverageAnswers:
    """The app's :class:`CoverageAnswers`, made on first use from its settings."""
    answers: CoverageAnswers | None = getattr(app.state, "coverage_answers", None)
    if answers is None:
        answers = CoverageAnswers.from_settings(app.state.settings)
        app.state.coverage_answers = answers
    return answers
