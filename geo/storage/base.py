"""The storage interfaces: small abstract classes, one implementation per backend.

``StationRecords`` (stations and their change log), ``AccessRecords`` (API keys and the
audit log), ``ImportJobRecords`` (import jobs) and ``ReportRecords`` (couriers' reports)
are what callers need; ``StationStore`` is all four and the store's own metadata and
health, what ``open_store`` returns.
A function that uses one part names that part in its signature.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from geo.access import SYSTEM, Actor, ApiKey, Role
from geo.audit import AuditEntry
from geo.filters import Filter, SortKey
from geo.imports.jobs import ImportJob
from geo.index import EntryColumns, IndexEntry
from geo.model import Station, StationData, Status
from geo.reports.live import StationLive
from geo.reports.model import NewReport, Report, ReportClient
from geo.reports.moderation import Verdict, VerdictResult
from geo.textsearch import Term

if TYPE_CHECKING:
    from geo.storage.jobs_sql import JobUpdate

BBox = tuple[float, float, float, float]  # (min_lon, min_lat, max_lon, max_lat), WGS84


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing and the number of stations matching the filters."""

    items: list[Station]
    total: int


class StoreTransaction(ABC):
    """Writes that become visible to other readers all at once, on ``commit``.

    Reads through the transaction see its own uncommitted writes; everyone else sees
    the store as it was until ``commit``. Used by imports (one transaction per file).
    Every write is checked against, and recorded in the audit log as, the actor the
    transaction was opened for (``StationStore.transaction``). After the commit,
    ``seqs`` holds the first and last seq of the change log entries it wrote (None if it
    changed nothing).
    """

    seqs: tuple[int, int] | None = None

    @abstractmethod
    def get_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, list[Station]]:
        """The stations with each source id, in every district (an external id is unique
        only within its district, ``adcode``), in id order, as this transaction sees
        them; missing ids are absent. Their rows stay locked until the transaction ends
        (see ``get_many``)."""

    @abstractmethod
    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        """Stations by id, as this transaction sees them.

        What is read here feeds a write (an import merges its file over it), so no other
        writer may change these stations until the transaction ends: their rows are
        locked (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite's transaction holds the
        database's write lock from its ``BEGIN IMMEDIATE``, before any read).
        """

    @abstractmethod
    def add_many(self, items: Sequence[StationData], *, now: datetime) -> list[int]:
        """Insert stations; returns their new ids in the order of ``items``.

        Raises ``DuplicateExternalId``. Returns ids, not records: an import of 150,000
        rows needs only the ids for the index, and building the records cost seconds.
        """

    @abstractmethod
    def update_many(
        self, items: Sequence[tuple[Station, StationData]], *, now: datetime
    ) -> list[Station]:
        """Change stations: each item is a station as the caller read it and what it
        should become. Only the fields in which the two differ are written (an UPDATE
        naming those columns alone), so a field the caller did not mean to change keeps
        its stored value. Returns the stations as stored afterwards, in item order."""

    @abstractmethod
    def commit(self, *, summary: dict[str, Any] | None = None) -> None:
        """Make every write visible; ``summary`` (an import's counts) becomes one more
        audit entry, written in the same transaction."""

    @abstractmethod
    def rollback(self) -> None:
        """Discard every write."""


class StationRecords(ABC):
    """Durable station records and their change log. Every method is one transaction.

    Every write takes the ``actor`` who makes it: the store refuses a write outside the
    actor's districts (``ForbiddenDistrict``) and appends audit entries (``geo.audit``)
    in the same transaction as the write. ``SYSTEM`` is for the product's own writes
    (the demo registry) and tests.

    ``shared``: other processes can write to this store (False for an in-memory SQLite
    database, which only its own process sees), so a server must follow its change log.

    ``quick_reads``: ``get_many`` of a few ids is a local read that does not wait for
    writers (SQLite in WAL mode), tens of microseconds: cheap enough for the API to run
    a search on its event loop rather than hand it to a worker thread. False when a read
    is a network round trip (PostgreSQL).
    """

    def check_writable(self) -> None:  # noqa: B027  (a no-op unless a backend can tell)
        """Raise ``StoreUnavailable`` if a write now could be acknowledged and then lost."""

    shared: bool = True
    quick_reads: bool = False

    @abstractmethod
    def last_change(self) -> int:
        """The seq of the last committed write (0 if none): see :meth:`changes_since`."""

    @abstractmethod
    def changes_since(self, seq: int) -> tuple[int, list[tuple[int, int]] | None]:
        """Writes committed after ``seq``: the new last seq, and the changed station ids
        as inclusive (first, last) runs; None instead of the runs if some were pruned
        (the caller must then reload everything)."""

    @abstractmethod
    def index_entries(self, station_ids: Sequence[int] | None = None) -> Iterator[IndexEntry]:
        """Stations (all, or those of these ids that exist) as the spatial index needs them."""

    def index_columns(self) -> EntryColumns:
        """Every station as the spatial index needs it, as columns: what a worker reads
        at start-up. Equal to ``EntryColumns.from_entries(self.index_entries())``;
        backends read it faster (see ``SqlStore.index_columns``)."""
        return EntryColumns.from_entries(self.index_entries())

    @abstractmethod
    def count(self) -> int:
        """Number of stations."""

    @abstractmethod
    def get(self, station_id: int) -> Station:
        """One station; raises ``StationNotFound``."""

    @abstractmethod
    def get_many(self, station_ids: Sequence[int]) -> dict[int, Station]:
        """Stations by id; missing ids are absent from the result."""

    @abstractmethod
    def get_by_external_id(self, external_id: str, adcode: str | None) -> Station | None:
        """The station with this source id in district ``adcode`` (None: among the
        stations without an adcode), if any; external ids are unique per district."""

    @abstractmethod
    def add(self, data: StationData, *, now: datetime, actor: Actor = SYSTEM) -> Station:
        """Insert a station; raises ``DuplicateExternalId``."""

    @abstractmethod
    def add_many(
        self, items: Iterable[StationData], *, now: datetime, actor: Actor = SYSTEM
    ) -> list[Station]:
        """Insert many stations in one transaction (all or nothing)."""

    @abstractmethod
    def replace(
        self,
        station_id: int,
        data: StationData | Callable[[Station], StationData],
        *,
        now: datetime,
        actor: Actor = SYSTEM,
    ) -> tuple[Station, bool]:
        """Overwrite a station's fields; ``updated_at`` moves only if something changed.

        ``data`` is the new fields, or a function of the stored station that gives them
        (a partial update): it is called inside the write transaction, on the row as
        locked for it, so no other writer, in this process or another, can change the
        station between the read and the write (no lost update). The actor's access to
        the stored station is checked before it is called.

        Returns the stored station and whether anything changed (nothing is logged if not).
        """

    @abstractmethod
    def delete(
        self, station_id: int, *, now: datetime | None = None, actor: Actor = SYSTEM
    ) -> Station:
        """Remove a station and return what it was; raises ``StationNotFound``."""

    @abstractmethod
    def list_stations(
        self,
        *,
        bbox: BBox | None,
        mask: int,
        statuses: frozenset[Status],
        limit: int,
        offset: int,
        adcodes: frozenset[str] | None = None,
        text: tuple[Term, ...] = (),
        where: Filter | None = None,
        order: tuple[SortKey, ...] = (),
    ) -> Page:
        """Stations inside a bbox with all amenities in ``mask``, ordered by id; with
        ``adcodes``, only stations whose district adcode is one of them; with ``text``,
        only those whose name or address holds every term (``geo.textsearch``); with
        ``where``, only those the filter keeps (``geo.filters``); with ``order``, sorted
        by those keys (unknown values last), then by id."""

    @abstractmethod
    def scan(
        self,
        *,
        page_size: int,
        on_damaged: Callable[[int, str], None] | None = None,
        adcodes: frozenset[str] | None = None,
        text: tuple[Term, ...] = (),
    ) -> Iterator[list[Station]]:
        """Every station in pages of ``page_size``, ordered by id, all from one snapshot
        (with ``adcodes``: only those whose district adcode is one of them; with
        ``text``: only those whose name or address holds every term).

        The pages are read in one read transaction (REPEATABLE READ on PostgreSQL; one
        WAL read transaction on SQLite), each after the last id of the one before (keyset
        paging), so writes committed meanwhile neither hide nor repeat a station: the
        pages are the registry as it was at the first. Yields at least one page (maybe
        empty). The transaction stays open until the iterator is exhausted or closed.

        A row that cannot be read back as a station (damaged in the database: say an
        ``updated_at`` that is not ISO text) is left out and reported to
        ``on_damaged(station_id, reason)``; without ``on_damaged`` it raises ValueError.
        """

    @abstractmethod
    def transaction(self, *, actor: Actor = SYSTEM) -> StoreTransaction:
        """Open a transaction for a batch of writes (commit or roll back when done)."""


class AccessRecords(ABC):
    """API keys (``geo.access``, ``geo.keys``) and the audit log (``geo.audit``)."""

    @abstractmethod
    def add_key(
        self,
        *,
        prefix: str,
        key_hash: str,
        name: str,
        role: Role,
        adcodes: frozenset[str],
        now: datetime,
        actor: Actor,
        rate_per_min: int | None = None,
    ) -> ApiKey:
        """Store a new API key (its hash, never the key) and log who made it."""

    @abstractmethod
    def list_keys(self) -> list[ApiKey]:
        """Every key ever made, revoked ones included, by id."""

    @abstractmethod
    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose SHA-256 (hex) this is, revoked or not."""

    @abstractmethod
    def revoke_key(self, key_id: int, *, now: datetime, actor: Actor) -> ApiKey:
        """Revoke a key for good (again: no change); raises ``KeyNotFound``."""

    @abstractmethod
    def touch_key(self, key_id: int, *, now: datetime) -> None:
        """Record that a key was used."""

    @abstractmethod
    def audit_log(
        self,
        *,
        station_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Audit entries matching every filter given, newest first; ``before_seq`` pages."""


class ImportJobRecords(ABC):
    """Import jobs (``geo.imports.jobs``): what runs where, how far it got."""

    @abstractmethod
    def add_import_job(
        self, job: ImportJob, *, admit: Callable[[Sequence[ImportJob]], None]
    ) -> None:
        """Store a new job; ``admit`` is first shown the queued and running jobs of its
        host, under a lock held until the job is stored, and raises to refuse it."""

    @abstractmethod
    def import_job(self, job_id: str) -> ImportJob | None:
        """A job as stored (not judged: see ``geo.imports.jobs.judged``)."""

    @abstractmethod
    def update_import_job(self, job_id: str, update: JobUpdate, *, if_active: bool) -> bool:
        """Change some fields of a job (with ``if_active``, only while it is queued or
        running); returns whether it changed."""


class ReportRecords(ABC):
    """Couriers' reports (``geo.reports``) and the log of their changes."""

    @abstractmethod
    def add_report(
        self, station_id: int, report: NewReport, client: ReportClient, *, now: datetime
    ) -> Report:
        """Store a report on a station (a client's repeat refreshes its open one);
        raises ``StationNotFound``."""

    @abstractmethod
    def live_states(
        self, now: datetime, station_ids: Sequence[int] | None = None
    ) -> dict[int, StationLive]:
        """The live state of stations (every station that has one, or these)."""

    @abstractmethod
    def last_report_change(self) -> int:
        """The seq of the last committed report change (0 if none)."""

    @abstractmethod
    def report_changes_since(self, seq: int) -> list[tuple[int, int]] | None:
        """Report changes committed after ``seq``: (seq, station id) in seq order, None
        if some were pruned (reload every station's state). Unlike ``changes_since``, a
        seq may commit after a larger one: a reader waits for the gaps it sees."""

    @abstractmethod
    def list_reports(
        self,
        *,
        now: datetime,
        state: str = "open",
        adcodes: frozenset[str] | None = None,
        kinds: Sequence[str] = (),
        station_id: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[Report]:
        """Reports newest first, by state (open, expired, confirmed, dismissed, cleared,
        any), districts (``adcodes``; None: everywhere), kinds and station."""

    @abstractmethod
    def confirmed_stations(self, kinds: Sequence[str], now: datetime) -> frozenset[int]:
        """Stations with a report of one of ``kinds`` confirmed within that kind's
        lifetime before ``now``."""

    @abstractmethod
    def open_report_counts(
        self, now: datetime, adcodes: frozenset[str] | None = None
    ) -> list[tuple[str | None, str, int, int]]:
        """Active reports by district and kind: (adcode, kind, reports, stations); a
        row of kind ``""`` per district counts every kind (stations once)."""

    @abstractmethod
    def get_report(self, report_id: int) -> Report:
        """One report; raises ``ReportNotFound``."""

    @abstractmethod
    def judge_report(
        self,
        report_id: int,
        verdict: Verdict,
        *,
        actor: Actor,
        now: datetime,
        note: str | None,
        reopens_at: datetime | None = None,
    ) -> VerdictResult:
        """Confirm or dismiss a report and the other open ones of its kind at its station
        (``geo.reports.moderation``), in one transaction with its audit entries; a
        confirmed ``closed_now`` with ``reopens_at`` opens the station again then
        (``geo.reports.reopen``). Raises ``ReportNotFound``, ``ReportClosed``,
        ``ForbiddenDistrict``, ``InvalidParameter`` (a date that means nothing here)."""

    @abstractmethod
    def reopen_due(self, now: datetime, *, actor: Actor) -> list[Station]:
        """Open again the stations whose reopening date has come and that are still
        ``temporarily_closed`` (at most a batch per call), with audit entries; returns
        them as they are now. Safe to run in every worker at once: each station is
        reopened by one."""


class StationStore(StationRecords, AccessRecords, ImportJobRecords, ReportRecords):
    """The whole store (``open_store``): stations, keys and audit, import jobs, couriers'
    reports, and the store's own key/value metadata and health."""

    url: str

    @abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A value from the store's key/value metadata."""

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""

    @abstractmethod
    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """Call ``wake`` soon after another process commits a write, until ``stop`` is
        set (run in a thread of its own). A store that cannot tell returns at once:
        its readers poll (``Registry.follow``)."""
