"""An editor's verdict on couriers' reports: confirm or dismiss, and what confirming does.

A verdict is given on one report and applies to every open report of the same kind at
the same station (they say the same thing). It is an editor's for the station's
district, or an admin's; it is written in the audit log with the reports it closed.

Confirming changes the station's record where the kind says how
(:class:`~geo.reports.kinds.ReportKind`): ``closed_now`` makes an open station
``temporarily_closed``, until a date if the editor gives one (``reopens_at``:
:mod:`geo.reports.reopen`), else until an editor sets ``status`` back; a broken or
missing piece of equipment removes its amenities (with the count that implies each: a
station without parking lists no parking spaces) until an editor restores them.
Confirming a kind that says nothing about the record (``parking_full``, ``wrong_info``...)
only closes the reports: the editor fixes the record by editing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from geo.clock import iso
from geo.model import COUNT_AMENITY, Station, StationData, Status
from geo.reports.kinds import ReportKind

__all__ = ["Verdict", "VerdictResult", "confirmed_station"]

_COUNT_OF = {code: field for field, code in COUNT_AMENITY.items()}


class Verdict(StrEnum):
    """What an editor says of a report."""

    CONFIRM = "confirm"
    DISMISS = "dismiss"


@dataclass(frozen=True, slots=True)
class VerdictResult:
    """What a verdict did: the reports it closed, and the station as it is after."""

    verdict: Verdict
    kind: ReportKind
    report_ids: tuple[int, ...]
    station: Station
    changed: dict[str, Any]  # the station's fields the verdict changed, as they are now
    reopens_at: datetime | None = None  # when the station it closed opens again

    def as_dict(self) -> dict[str, Any]:
        """The answer of ``POST /v1/reports/{id}/confirm`` and ``/dismiss``."""
        return {
            "verdict": self.verdict.value,
            "kind": self.kind.code,
            "reports": list(self.report_ids),
            "station_id": self.station.id,
            "changed": self.changed,
            "reopens_at": None if self.reopens_at is None else iso(self.reopens_at),
        }


def confirmed_station(station: Station, kind: ReportKind) -> StationData | None:
    """The station as confirming a report of ``kind`` leaves it (None: unchanged)."""
    update: dict[str, Any] = {}
    if kind.closes and station.status is Status.OPEN:
        update["status"] = Status.TEMPORARILY_CLOSED
    gone = [a for a in kind.amenities if a in station.amenities]
    if gone:
        update["amenities"] = [a for a in station.amenities if a not in gone]
        for code in gone:
            if (field := _COUNT_OF.get(code)) is not None:
                update[field] = None
    if not update:
        return None
    return StationData.model_validate(
        station.model_dump(exclude={"id", "created_at", "updated_at"}) | update
    )
