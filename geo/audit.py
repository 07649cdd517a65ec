"""The audit log: who changed which station, when, from what to what.

The store appends entries in the same transaction as the write they describe, so a
write that rolls back leaves no entry and a committed write always has one.

One entry per station changed, in a compact, bounded form:

- ``create``: ``after`` is the new station's fields; ``before`` is null;
- ``update``: ``before`` and ``after`` hold only the fields that changed;
- ``delete``: ``before`` is the station's fields as they were; ``after`` is null;
- ``import``: one more entry per committed import, with ``summary`` (file, mode, datum
  and the row counts, not the issues), after its per-station entries;
- ``key_create``, ``key_revoke``: API key management (``summary`` names the key);
- ``report_confirm``, ``report_dismiss``: an editor's verdict on couriers' reports of
  one kind at a station (``after``: the kind, the report ids, the editor's note, and
  the fields confirming changed, and ``reopens_at`` if the editor gave a date; the
  station's own change is an ``update`` entry before it);
- ``reopen``: a station closed on a report open again on its date, by ``system``
  (``after``: ``reopens_at``, the confirmed ``report``, who set the date and when; the
  status change is an ``update`` entry before it).

An import's creations are stored one row per batch rather than one row each
(``geo.storage.audit_batches``, migration 0013) and read back as the same entries.

Fields are the editable ones of ``StationData`` in their JSON form (lon/lat in WGS84);
``id``, ``created_at`` and ``updated_at`` are left out (the entry has its own time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from geo.errors import InvalidParameter
from geo.hours import parse_when
from geo.model import StationData
from geo.station_text import text_problem

# Most entries one read returns (API and CLI).
MAX_LIMIT = 1000
# Ids and seqs are 64-bit signed integers in both stores, and start at 1.
MAX_ID = 2**63 - 1

# Fields recorded, in the order they are written.
FIELDS: tuple[str, ...] = tuple(StationData.model_fields)


class Action(StrEnum):
    """What a change did to a station."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    IMPORT = "import"
    KEY_CREATE = "key_create"
    KEY_REVOKE = "key_revoke"
    REPORT_CONFIRM = "report_confirm"
    REPORT_DISMISS = "report_dismiss"
    REOPEN = "reopen"  # a station closed on a report, open again on its date


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log.

    Attributes
    ----------
    seq : int
        Position in the log (increasing, never reused).
    at : datetime
        When the write was made (UTC, whole seconds; the station's ``updated_at``).
    actor, actor_name : str
        Who (``key:12``, ``bootstrap``, ``cli:alice``, ``system``) and their label.
    action : Action
    station_id : int or None
    before, after : dict or None
        Fields before and after (see the module docstring for what each action holds).
    summary : dict or None
        An import's report counts, or the key an entry is about.
    """

    seq: int
    at: datetime
    actor: str
    actor_name: str
    action: Action
    station_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    summary: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the entry with its time in UTC (``...Z``)."""
        return {
            "seq": self.seq,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": self.actor,
            "actor_name": self.actor_name,
            "action": self.action.value,
            "station_id": self.station_id,
            "before": self.before,
            "after": self.after,
            "summary": self.summary,
        }


def station_record(data: StationData) -> dict[str, Any]:
    """A station's recorded fields as JSON values."""
    values = data.__dict__  # pydantic keeps every field there: no attribute lookups
    record = {f: values[f] for f in FIELDS}
    record["amenities"] = list(data.amenities)
    record["status"] = data.status.value
    return record


def changed_fields(
    before: StationData, after: StationData
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ, as (before, after) records."""
    old, new = station_record(before), station_record(after)
    keys = [f for f in FIELDS if old[f] != new[f]]
    return {k: old[k] for k in keys}, {k: new[k] for k in keys}


def parse_since(value: str | None) -> datetime | None:
    """The ``since`` filter: ISO 8601 (no offset: Asia/Shanghai time), or None for none;
    raises ``InvalidDateTime``."""
    if value is None or not value.strip() or value.strip().lower() == "any":
        return None
    return parse_when(value)


def check_filters(
    *, station_id: int | None = None, actor: str | None = None, before_seq: int | None = None
) -> None:
    """Refuse filters no entry can match and no database can be asked about: an id or seq
    outside 1..2^63-1 (SQLite and PostgreSQL refuse such integers outright), an actor with
    a control character (PostgreSQL refuses NUL in text). Raises one ``InvalidParameter``
    naming every bad filter.
    """
    problems: list[tuple[str, object, str, str]] = []
    for name, number in (("station_id", station_id), ("before_seq", before_seq)):
        if number is not None and not 1 <= number <= MAX_ID:
            problems.append(
                (name, number, f"must be from 1 to {MAX_ID}", f"须在 1 到 {MAX_ID} 之间")
            )
    if actor is not None and (found := text_problem(actor)) is not None:
        problems.append(("actor", actor, *found))
    if problems:
        shown = "; ".join(f"{n}={v!r}: {en}" for n, v, en, _ in problems)
        shown_zh = "; ".join(f"{n}={v!r}：{zh}" for n, v, _, zh in problems)
        raise InvalidParameter(
            f"invalid audit filter: {shown}",
            f"操作日志筛选条件无效：{shown_zh}",
            details=[{"parameter": n, "value": v, "message": en} for n, v, en, _ in problems],
        )
