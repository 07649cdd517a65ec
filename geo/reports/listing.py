"""Which reports a moderator may list, and the listing's filters, checked.

An editor sees the reports of the stations in their districts (their key's areas may
be districts, cities or provinces); an admin sees every report. ``adcode`` narrows the
listing to one area, by adcode or Chinese name, and must lie within the editor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from geo.access import Actor, Role
from geo.errors import ForbiddenDistrict, InvalidParameter
from geo.outlines.areas import district_codes, districts_of
from geo.reports.kinds import parse_kinds

__all__ = ["MAX_LIMIT", "STATES", "ReportFilter", "report_filter"]

STATES: Final = ("open", "expired", "confirmed", "dismissed", "cleared", "any")
MAX_LIMIT: Final = 500


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """A checked listing request: the districts (None: all), state and kinds."""

    adcodes: frozenset[str] | None
    state: str
    kinds: tuple[str, ...]


def report_filter(
    actor: Actor, *, adcode: str | None, state: str = "open", kind: str | None = None
) -> ReportFilter:
    """Check a listing's filters against what ``actor`` may see.

    Raises ``InvalidParameter`` for an unknown state or kind or area, and
    ``ForbiddenDistrict`` for an area outside an editor's.
    """
    if state not in STATES:
        raise InvalidParameter(
            f"status={state[:40]!r} is invalid: one of {', '.join(STATES)}",
            f"参数 status={state[:40]!r} 无效：须为 {'、'.join(STATES)} 之一",
            details=[{"parameter": "status", "value": state[:40], "accepted": list(STATES)}],
        )
    kinds = tuple(k.code for k in parse_kinds(kind, field="kind"))
    wanted = None if adcode is None else districts_of(adcode, field="adcode")
    if actor.role is Role.ADMIN:
        return ReportFilter(wanted, state, kinds)
    mine = frozenset().union(*(district_codes(a) for a in actor.adcodes))
    if wanted is not None and not wanted <= mine:
        raise _outside(actor, adcode or "")
    return ReportFilter(wanted if wanted is not None else mine, state, kinds)


def _outside(actor: Actor, area: str) -> ForbiddenDistrict:
    from geo.boundaries import district_name

    mine = ", ".join(f"{district_name(a)} ({a})" for a in sorted(actor.adcodes)) or "none"
    shown = area[:40]
    return ForbiddenDistrict(
        f"adcode={shown!r} is not within your districts ({mine}): you see their reports only",
        f"参数 adcode={shown!r} 不在您的辖区（{mine}）内：只能查看辖区内的反馈",
        details=[{"parameter": "adcode", "value": shown, "reason": "outside_your_districts"}],
    )
