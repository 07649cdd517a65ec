"""What a courier can report about a station right now, and how long each report lasts.

This is the one place to extend the vocabulary of reports (``GET /v1/report-kinds``).
A kind's ``code`` is stored with every report, so a code is never renamed or reused.

How long a report stays active (``lifetime``) follows how long the thing it says stays
true: a full car park or an occupied charger changes within the hour (2 hours), a
station closed when it should be open reopens at its next opening (at most 12 hours;
:func:`geo.reports.expiry.expires_at`), broken equipment is repaired in days (7), and a
wrong position or wrong details stay wrong until an editor fixes them (30 days, or until
moderated). A new report of the same kind, from another courier or the same one, keeps
the station's flag alive for another lifetime.

``all_good`` is not a problem: it says the station was seen working. It ends every
active report of the short-lived kinds (``clears``) made before it, and sets the
station's ``last_verified_at``; it is never shown as a flag. One sent from far away
(:data:`geo.reports.model.FAR_M`) does neither: nobody there saw the station.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from geo.errors import InvalidParameter

__all__ = [
    "ALL_GOOD", "BY_CODE", "REPORT_KINDS", "ReportKind", "parse_kind", "parse_kinds",
]  # fmt: skip

HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ReportKind:
    """One kind of report.

    Attributes
    ----------
    code : str
        Stable machine code, e.g. ``"parking_full"``.
    zh, en : str
        What the courier says, in Chinese and English (the report sheet's buttons and
        the flag on a card: "停车位已满").
    lifetime : timedelta
        How long a report stays active without a new one (``closed_now``: at most this).
    until_opening : bool
        Whether the report ends earlier, when the station next opens by its hours.
    short_lived : bool
        Whether an ``all_good`` report ends it.
    amenities : tuple of str
        Amenities the report says are out of order: confirming it removes those the
        station lists until an editor restores them.
    closes : bool
        Whether confirming it makes the station ``temporarily_closed``.
    """

    code: str
    zh: str
    en: str
    lifetime: timedelta
    until_opening: bool = False
    short_lived: bool = False
    amenities: tuple[str, ...] = ()
    closes: bool = False

    @property
    def is_problem(self) -> bool:
        """Whether it reports a problem (every kind but ``all_good``)."""
        return self.code != ALL_GOOD

    def as_dict(self) -> dict[str, object]:
        """The kind as ``GET /v1/report-kinds`` lists it."""
        return {
            "code": self.code,
            "label_zh": self.zh,
            "label_en": self.en,
            "lifetime_hours": self.lifetime / HOUR,
            "until_opening": self.until_opening,
            "cleared_by_all_good": self.short_lived,
            "amenities": list(self.amenities),
            "confirm_closes_station": self.closes,
        }


ALL_GOOD: Final = "all_good"

REPORT_KINDS: Final = (
    ReportKind("closed_now", "驿站未开门", "Closed right now", 12 * HOUR,
               until_opening=True, short_lived=True, closes=True),
    ReportKind("parking_full", "停车位已满", "Parking is full", 2 * HOUR, short_lived=True),
    ReportKind("no_parking_space", "没有停车位", "No parking here", 30 * DAY,
               amenities=("car_parking", "motorcycle_parking")),
    ReportKind("microwave_broken", "微波炉坏了", "Microwave broken", 7 * DAY,
               amenities=("microwave",)),
    ReportKind("charger_broken", "充电设施坏了", "Charger broken", 7 * DAY,
               amenities=("ev_charging", "ebike_charging")),
    ReportKind("charger_occupied", "充电桩被占用", "Charger occupied", 2 * HOUR,
               short_lived=True),
    ReportKind("no_water", "没有饮用水", "No drinking water", 12 * HOUR, short_lived=True),
    ReportKind("toilet_unavailable", "卫生间不能用", "Toilet unavailable", 12 * HOUR,
               short_lived=True),
    ReportKind("wrong_location", "位置不对", "Wrong location", 30 * DAY),
    ReportKind("wrong_info", "信息有误", "Wrong details", 30 * DAY),
    ReportKind(ALL_GOOD, "一切正常", "All good", timedelta(0)),
)  # fmt: skip
BY_CODE: Final = {k.code: k for k in REPORT_KINDS}
_BY_LABEL: Final = {label.casefold(): k for k in REPORT_KINDS for label in (k.code, k.zh, k.en)}


def parse_kind(text: object, *, field: str = "kind") -> ReportKind:
    """The kind named by its code or either label (any case); else InvalidParameter
    naming the closest kind and every kind."""
    found = _BY_LABEL.get(text.strip().casefold()) if isinstance(text, str) else None
    if found is None:
        raise _unknown(field, text)
    return found


def parse_kinds(
    text: str | Iterable[str] | None, *, field: str = "exclude_reported"
) -> tuple[ReportKind, ...]:
    """Problem kinds from a comma-separated text or a list (``exclude_reported``), in
    vocabulary order without repeats; ``all_good`` is refused (it is not a problem)."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    kinds = {parse_kind(item, field=field) for item in items if str(item).strip()}
    if any(not k.is_problem for k in kinds):
        raise InvalidParameter(
            f"{field}: {ALL_GOOD!r} is not a problem a station can be left out for",
            f"参数 {field}：{ALL_GOOD!r}（一切正常）不是问题，不能据此排除驿站",
            details=[{"field": field, "value": ALL_GOOD}],
        )
    return tuple(k for k in REPORT_KINDS if k in kinds)


def _unknown(field: str, text: object) -> InvalidParameter:
    shown = repr(text if not isinstance(text, str) else text[:60])
    close = difflib.get_close_matches(
        str(text).strip().casefold(), list(_BY_LABEL), n=1, cutoff=0.6
    )
    guess = _BY_LABEL[close[0]] if close else None
    hint = f" (did you mean {guess.code!r}: {guess.zh}?)" if guess else ""
    hint_zh = f"（是否想用“{guess.zh}”，即 {guess.code}？）" if guess else ""
    known = ", ".join(k.code for k in REPORT_KINDS)
    known_zh = "、".join(f"{k.zh}（{k.code}）" for k in REPORT_KINDS)
    return InvalidParameter(
        f"{field}: unknown report kind {shown}{hint}; known (GET /v1/report-kinds): {known}",
        f"参数 {field}：未知的反馈类型 {shown}{hint_zh}；可用类型（见 GET /v1/report-kinds）："
        f"{known_zh}",
        details=[
            {"field": field, "value": str(text)[:60], "did_you_mean": guess.code if guess else None}
        ],
    )
