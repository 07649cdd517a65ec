"""Duplicate detection inside one file, and matching rows to stations already stored.

An import must remember every row it has seen to report a later copy, so this state
grows with the file. It is kept compact: 64-bit keys in sorted numpy arrays (about 60
bytes a row in all), not Python objects per row (about 660 bytes before), and looked up
a chunk at a time. Keys are Python's 64-bit hashes of the row content, the external id
and the normalised name: two different rows share a key with probability about
n^2 / 2^65 (6e-10 for 150,000 rows), and a collision would report a row as a duplicate
(with the row it collides with), never drop it silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from geo.access import Actor
from geo.geodesy import GEOD
from geo.idmap import IdMap
from geo.imports.report import Issue
from geo.model import STATION_FIELD_ORDER, Station, StationData
from geo.registry_tx import RegistryTransaction

MATCH_RADIUS_M = 30.0
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_DATA_FIELDS = tuple(f for f in STATION_FIELD_ORDER if f in StationData.model_fields)


def normalise_name(name: str) -> str:
    """Name key for matching: NFKC, case-folded, without spaces and punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", name).casefold())


def content_key(data: StationData) -> int:
    """64-bit key of every field of a row's station."""
    return hash(tuple(getattr(data, f) for f in _DATA_FIELDS))


class KeyTable:
    """64-bit keys, each with the first row it was seen on, plus per-key payload columns.

    Sorted numpy arrays hold the keys of earlier chunks (equal keys in row order); a dict
    holds the current chunk's until :meth:`flush`.
    """

    def __init__(self) -> None:
        self.keys = np.empty(0, dtype=np.int64)
        self.rows = np.empty(0, dtype=np.int64)
        self._new: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.keys) + len(self._new)

    def earlier(self, keys: Sequence[int]) -> NDArray[np.int64]:
        """For each key, the row (>= 1) it was first seen on in an earlier chunk, else 0."""
        if not len(self.keys) or not keys:
            return np.zeros(len(keys), dtype=np.int64)
        wanted = np.fromiter(keys, dtype=np.int64, count=len(keys))
        pos = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return np.where(self.keys[pos] == wanted, self.rows[pos], 0)

    def current(self, key: int) -> int | None:
        """The row this key was first seen on in the current chunk."""
        return self._new.get(key)

    def add(self, key: int, row: int) -> None:
        """Remember ``key`` for ``row`` in the current chunk (the first row wins)."""
        self._new.setdefault(key, row)

    def flush(self) -> None:
        """Move the current chunk's keys into the sorted arrays (O(n) merge)."""
        if not self._new:
            return
        keys = np.fromiter(self._new.keys(), dtype=np.int64, count=len(self._new))
        rows = np.fromiter(self._new.values(), dtype=np.int64, count=len(self._new))
        fresh = self.earlier(list(self._new)) == 0  # an earlier chunk's row stays first
        keys, rows = keys[fresh], rows[fresh]
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self.keys, keys[order], side="right")
        self.keys = np.insert(self.keys, at, keys[order])
        self.rows = np.insert(self.rows, at, rows[order])
        self._new.clear()


@dataclass
class _Names:
    """Rows by normalised-name key with their positions, for "same name within 30 m"."""

    keys: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    lon: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    lat: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    rows: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    has_id: NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, dtype=bool))
    new: dict[int, list[tuple[float, float, int, bool]]] = field(default_factory=dict)

    def ranges(self, keys: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        wanted = np.fromiter(keys, dtype=np.int64, count=len(keys))
        lo = np.searchsorted(self.keys, wanted, side="left")
        return lo, np.searchsorted(self.keys, wanted, side="right")

    def first_near(
        self, key: int, lo: int, hi: int, lon: float, lat: float, has_id: bool
    ) -> int | None:
        """The first earlier row with this name within 30 m (rows that both carry an id
        are two stations by the file's own word)."""
        if hi > lo:
            sel = slice(lo, hi)
            usable = ~(self.has_id[sel] & has_id)
            if usable.any():
                olon, olat = self.lon[sel][usable], self.lat[sel][usable]
                dist = GEOD.inv(olon, olat, np.full(len(olon), lon), np.full(len(olon), lat))[2]
                near = np.flatnonzero(dist <= MATCH_RADIUS_M)
                if len(near):
                    return int(self.rows[sel][usable][near[0]])
        for olon_, olat_, row, other_has_id in self.new.get(key, ()):
            if has_id and other_has_id:
                continue
            if GEOD.inv(olon_, olat_, lon, lat)[2] <= MATCH_RADIUS_M:
                return row
        return None

    def add(self, key: int, lon: float, lat: float, row: int, has_id: bool) -> None:
        self.new.setdefault(key, []).append((lon, lat, row, has_id))

    def flush(self) -> None:
        if not self.new:
            return
        items = [(k, *entry) for k, entries in self.new.items() for entry in entries]
        keys = np.array([i[0] for i in items], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(self.keys, keys[order], side="right")
        self.keys = np.insert(self.keys, at, keys[order])
        self.lon = np.insert(self.lon, at, np.array([i[1] for i in items])[order])
        self.lat = np.insert(self.lat, at, np.array([i[2] for i in items])[order])
        self.rows = np.insert(self.rows, at, np.array([i[3] for i in items])[order])
        self.has_id = np.insert(self.has_id, at, np.array([i[4] for i in items])[order])
        self.new.clear()


@dataclass
class ChunkKeys:
    """One chunk's keys, with what earlier chunks already hold for them."""

    content: list[int]
    ids: list[int | None]
    names: list[int]
    content_first: NDArray[np.int64]
    id_first: NDArray[np.int64]
    name_lo: NDArray[np.int64]
    name_hi: NDArray[np.int64]


@dataclass
class Matcher:
    """In-file duplicate detection and registry matching for one import."""

    tx: RegistryTransaction
    id_header: str | None = None  # the file's header for external_id, for issues
    contents: KeyTable = field(default_factory=KeyTable)
    ids: KeyTable = field(default_factory=KeyTable)
    names: _Names = field(default_factory=_Names)
    # Station id -> the row that took it: 8 bytes a station, whatever the file.
    claimed: IdMap = field(default_factory=IdMap)

    def chunk_keys(self, items: Sequence[StationData]) -> ChunkKeys:
        """The keys of a chunk's rows: their content, and their external id with district."""
        content = [content_key(d) for d in items]
        # an external id is unique within a district: the same id in two districts of
        # one file is two stations
        ids = [
            None if d.external_id is None else hash((d.adcode or "", d.external_id)) for d in items
        ]
        names = [hash(normalise_name(d.name)) for d in items]
        lo, hi = self.names.ranges(names)
        return ChunkKeys(
            content,
            ids,
            names,
            self.contents.earlier(content),
            self.ids.earlier([0 if i is None else i for i in ids]),
            lo,
            hi,
        )

    def duplicate_of(self, k: ChunkKeys, i: int, row: int, data: StationData) -> Issue | None:
        """Issue for item ``i`` of the chunk (file row ``row``) if an earlier row has it."""
        first = int(k.content_first[i]) or self.contents.current(k.content[i])
        if first:
            en, zh = f"same as row {first}", f"与第 {first} 行相同"
            return Issue(row, None, "duplicate_row", "error", en, zh, None)
        self.contents.add(k.content[i], row)
        id_key = k.ids[i]
        if id_key is not None:
            first = int(k.id_first[i]) or self.ids.current(id_key)
            if first:
                return Issue(
                    row,
                    self.id_header,
                    "duplicate_external_id",
                    "error",
                    f"external_id {data.external_id!r} is also on row {first}",
                    f"编号 {data.external_id!r} 与第 {first} 行重复",
                    data.external_id,
                )
        has_id = data.external_id is not None
        lo, hi = int(k.name_lo[i]), int(k.name_hi[i])
        first = self.names.first_near(k.names[i], lo, hi, data.lon, data.lat, has_id)
        if first is not None:
            return Issue(
                row,
                None,
                "duplicate_station",
                "error",
                f"same name within {MATCH_RADIUS_M:.0f} m of row {first}",
                f"与第 {first} 行同名且相距不足 {MATCH_RADIUS_M:.0f} 米",
                data.name,
            )
        self.names.add(k.names[i], data.lon, data.lat, row, has_id)
        if id_key is not None:
            self.ids.add(id_key, row)
        return None

    def claimed_by(self, station_id: int) -> int | None:
        """The row that already matched this station, if any."""
        return self.claimed.get(station_id)

    def claim(self, station_id: int, row: int) -> None:
        """Give ``station_id`` to ``row`` unless an earlier row of the file has it."""
        if self.claimed.get(station_id) is None:  # the first row keeps it
            self.claimed.set(station_id, row)

    def end_chunk(self) -> None:
        """Fold the chunk's keys into the tables of the rows seen so far."""
        for table in (self.contents, self.ids):
            table.flush()
        self.names.flush()

    def existing(
        self,
        row: int,
        data: StationData,
        by_external_id: Mapping[str, Sequence[Station]],
        actor: Actor,
    ) -> Station | Issue | None:
        """The stored station this row describes: the station with its external id in its
        district, or (without one) the nearest station of the same normalised name within
        30 m that no row took yet. An Issue when the row's external id is ambiguous."""
        if data.external_id is not None:
            candidates = by_external_id.get(data.external_id, ())
            return self._by_external_id(row, data, candidates, actor)
        hits = self.tx.near(data.lon, data.lat, radius_m=MATCH_RADIUS_M)
        if not hits:
            return None
        name = normalise_name(data.name)
        stations = self.tx.get_many([h.id for h in hits])
        for hit in hits:  # nearest first; a station an earlier row took is not free
            station = stations.get(hit.id)
            if (
                station is not None
                and self.claimed_by(station.id) is None
                and normalise_name(station.name) == name
            ):
                return station
        return None

    def _by_external_id(
        self, row: int, data: StationData, candidates: Sequence[Station], actor: Actor
    ) -> Station | Issue | None:
        """An external id is unique within a district, the one the row's position is in
        (``geo.places``): the row updates the station with its id there. Failing that,
        the row may have moved its station into another district: it updates the one
        station of that id and name that the actor may change (stations of districts not
        theirs never stand in an editor's way). Where several could be meant the row is
        refused rather than guessed; where none, it is a new station."""
        same = next((s for s in candidates if s.adcode == data.adcode), None)
        if same is not None:
            return same
        name = normalise_name(data.name)
        moved = [
            s for s in candidates if normalise_name(s.name) == name and actor.may_write(s.adcode)
        ]
        if len(moved) <= 1:
            return moved[0] if moved else None
        where = ", ".join(f"{s.adcode or '-'} (id {s.id})" for s in moved[:5])
        here = data.adcode or "-"
        return Issue(
            row, self.id_header, "ambiguous_external_id", "error",
            f"external_id {data.external_id!r} with this name is not in the row's district "
            f"({here}) but in several others: {where}; edit the station you mean instead; "
            "row not written",
            f"编号 {data.external_id!r} 及该名称的驿站不在此行所在的行政区划（{here}），而在多个"
            f"其他行政区划中：{where}；请直接编辑要修改的驿站，该行未写入",
            data.external_id,
        )  # fmt: skip
