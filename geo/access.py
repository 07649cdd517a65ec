"""Who may write what: roles, the acting principal, and the district rule.

Reads are public. Writes are made by an :class:`Actor`: an API key's holder, the
bootstrap ``STATIONFINDER_ADMIN_TOKEN``, or someone at the command line. An ``admin``
may change any station; an ``editor`` only stations whose district code (``adcode``,
6 digits) is in their list and whose position lies in that district, both before and
after the change, so an editor can neither reach into another district nor move a
station out of theirs, by its label or by its position. A station without an adcode
belongs to no district and is left to admins.

The store applies :meth:`Actor.check` inside the write's own transaction, and records
the actor in the audit log there too (``geo.audit``).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from geo.errors import ForbiddenDistrict
from geo.model import StationData


class Role(StrEnum):
    """What a key may do: ``admin`` everything, ``editor`` stations in its districts."""

    ADMIN = "admin"
    EDITOR = "editor"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a write, as the audit log names them, and what they may touch.

    Attributes
    ----------
    id : str
        Stable name in the audit log: ``key:12``, ``bootstrap``, ``cli:alice``, ``system``.
    name : str
        Human label (a key's name, the OS user...).
    role : Role
        ``admin`` or ``editor``.
    adcodes : frozenset of str
        An editor's districts (6-digit adcodes); ignored for admins.
    """

    id: str
    name: str
    role: Role = Role.ADMIN
    adcodes: frozenset[str] = field(default_factory=frozenset)

    def may_write(self, adcode: str | None) -> bool:
        """Whether this actor may change a station in district ``adcode``: an editor's
        areas may be districts, cities (all their districts) or provinces."""
        if self.role is Role.ADMIN:
            return True
        if adcode is None:
            return False
        if adcode in self.adcodes:
            return True
        from geo.outlines.areas import parents  # the outlines load on first use

        return any(code in self.adcodes for code in parents(adcode))

    def check(self, before: StationData | None, after: StationData | None) -> None:
        """Raise ``ForbiddenDistrict`` unless the actor may change ``before`` into ``after``
        (None: the station does not exist before a create, or after a delete)."""
        for state in (before, after):
            if state is not None and (refusal := self.refusal(state)) is not None:
                raise refusal

    def refusal(self, state: StationData) -> ForbiddenDistrict | None:
        """Why this actor may not hold ``state`` (None if it may).

        An editor's station must carry an adcode in the editor's areas *and* stand in
        that district: a label is only text, and a 朝阳区 editor must not be able to put
        a station at Chongqing's 解放碑 by writing 110105 on it. Where a district's
        outline covers the position (:mod:`geo.outlines`, every district of mainland
        China), the station's adcode must be that district's; a station whose district
        has an outline must stand in it.
        """
        if self.role is Role.ADMIN:
            return None
        if not self.may_write(state.adcode):
            return forbidden_district(self, state.adcode)
        from geo.boundaries import districts_at, has_outline  # outlines load on first use

        placed = districts_at(state.lon, state.lat)
        if (placed and state.adcode not in placed) or (not placed and has_outline(state.adcode)):
            return forbidden_position(self, state, placed)
        return None


def forbidden_district(actor: Actor, adcode: str | None) -> ForbiddenDistrict:
    mine = ", ".join(sorted(actor.adcodes)) or "none"
    if adcode is None:
        return ForbiddenDistrict(
            f"the station has no adcode, so only an admin may change it (your districts: {mine})",
            f"该驿站没有行政区划代码，只有管理员可以修改（您的辖区：{mine}）",
            details=[{"field": "adcode", "value": None, "reason": "outside_your_districts"}],
        )
    return ForbiddenDistrict(
        f"district {adcode} is not one of yours ({mine})",
        f"行政区划 {adcode} 不在您的辖区内（{mine}）",
        details=[{"field": "adcode", "value": adcode, "reason": "outside_your_districts"}],
    )


def forbidden_position(
    actor: Actor, state: StationData, placed: frozenset[str]
) -> ForbiddenDistrict:
    """The refusal of a station whose position is not in the district it names."""
    from geo.boundaries import district_name

    where = ", ".join(f"{district_name(a)} ({a})" for a in sorted(placed))
    at = f"({state.lon:.6f}, {state.lat:.6f})"
    mine = ", ".join(sorted(actor.adcodes)) or "none"
    return ForbiddenDistrict(
        f"the position {at} lies in {where or 'none of the known districts'}, not in "
        f"district {state.adcode} as the station says; an editor may only place stations "
        f"inside their own districts ({mine})",
        f"位置 {at} 位于{where or '已知行政区划之外'}，而不在驿站所标的行政区划 "
        f"{state.adcode} 内；编辑者只能在自己的辖区（{mine}）内放置驿站",
        details=[
            {
                "field": "geometry",
                "value": [state.lon, state.lat],
                "adcode": state.adcode,
                "located_in": sorted(placed),
                "reason": "position_outside_your_districts",
            }
        ],
    )


# Writes made by the product itself (the demo registry) and by tests.
SYSTEM = Actor("system", "stationfinder")
# The STATIONFINDER_ADMIN_TOKEN holder: an admin without a key row.
BOOTSTRAP = Actor("bootstrap", "STATIONFINDER_ADMIN_TOKEN")


def cli_actor() -> Actor:
    """Whoever runs the command line: it holds the database's credentials, so it is admin."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = "unknown"
    return Actor(f"cli:{user}", user)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as stored: never the key itself, only its SHA-256 and first characters.

    Attributes
    ----------
    id : int
    prefix : str
        The key's first characters, to recognise it in lists and logs.
    name : str
        Who holds it (a union office, a person).
    role : Role
    adcodes : frozenset of str
        An editor's districts.
    created_at, revoked_at, last_used_at : datetime
        UTC; ``revoked_at`` and ``last_used_at`` are None until that happens.
    """

    id: int
    prefix: str
    name: str
    role: Role
    adcodes: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def actor(self) -> Actor:
        """The actor this key writes as."""
        return Actor(f"key:{self.id}", self.name, self.role, self.adcodes)
