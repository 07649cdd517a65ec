"""Who may write what: roles, the acting principal, and the district rule.

Reads are public. Writes are made by an :class:`Actor`: an API key's holder, the
bootstrap ``STATIONFINDER_ADMIN_TOKEN``, or someone at the command line. An ``admin``
may change any station; an ``editor`` only stations in their areas (a district,
city or province each), both before and after the change, so an editor can neither
reach into another district nor move a station out of theirs. A station's district is
the one its position is in (``geo.places``), never a label. A station outside mainland
China belongs to no district and is left to admins.

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
    """What a key may do: ``admin`` everything, ``editor`` stations in its districts,
    ``reader`` nothing but read (a platform's backend, for its own search rate)."""

    ADMIN = "admin"
    EDITOR = "editor"
    READER = "reader"


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

        ``state`` carries the district its position is in (``geo.places`` sets it on
        every write, whatever label the client sent), so an editor cannot put a station
        into another district by its label (a 朝阳区 editor writing 110105 on a station
        at Chongqing's 解放碑) nor by moving it.
        """
        if self.role is Role.ADMIN or self.may_write(state.adcode):
            return None
        return forbidden_district(self, state)


def forbidden_district(actor: Actor, state: StationData) -> ForbiddenDistrict:
    """The refusal of a station outside the actor's districts."""
    from geo.boundaries import district_name

    mine = ", ".join(f"{district_name(a)} ({a})" for a in sorted(actor.adcodes)) or "none"
    at = f"({state.lon:.6f}, {state.lat:.6f})"
    detail = {
        "field": "geometry",
        "value": [state.lon, state.lat],
        "adcode": state.adcode,
        "reason": "outside_your_districts",
    }
    if state.adcode is None:
        return ForbiddenDistrict(
            f"the position {at} is in no district of mainland China, so only an admin may "
            f"hold a station there (your districts: {mine})",
            f"位置 {at} 不在中国大陆任何区县内，只有管理员可以管理该处的驿站（您的辖区：{mine}）",
            details=[detail],
        )
    where = f"{district_name(state.adcode)} ({state.adcode})"
    return ForbiddenDistrict(
        f"the position {at} is in {where}, which is not one of your districts ({mine})",
        f"位置 {at} 在{where}，不在您的辖区（{mine}）内",
        details=[detail],
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
    rate_per_min : int, optional
        Searches a minute the key may make, in place of the server's per-client rate
        (a platform backend proxying many riders from one address); None: that rate.
    """

    id: int
    prefix: str
    name: str
    role: Role
    adcodes: frozenset[str]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    rate_per_min: int | None = None

    @property
    def actor(self) -> Actor:
        """The actor this key writes as."""
        return Actor(f"key:{self.id}", self.name, self.role, self.adcodes)
