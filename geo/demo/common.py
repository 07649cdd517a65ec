"""What every demo place shares, as the generator uses it: hosts, hours, shares.

The values come from ``data/demo/common.toml``, read and checked once by
:func:`geo.demo.tables.load_tables`; what differs between the places is each one's
:class:`~geo.demo.profile.Profile` (``data/demo/<place>.toml``). Per-host arrays
(``HOST_P``, the rows of ``HOURS_P``, the ``*_W`` weights) are in ``HOSTS`` order.
"""

from __future__ import annotations

from typing import Final

from geo.demo.tables import load_tables

__all__ = [
    "AMENITY_SHARES",
    "CAR_W",
    "EV_W",
    "GENERIC_ROADS",
    "HOSTS",
    "HOST_P",
    "HOURS",
    "HOURS_P",
    "LEGAL_W",
    "MOBILE_PREFIXES",
    "MOTO_W",
    "STATUSES",
    "STATUS_P",
]

_TABLES: Final = load_tables()

HOSTS: Final = _TABLES.hosts
HOST_P: Final = _TABLES.host_p  # share of stations per host
HOURS: Final = _TABLES.hours  # opening hours as written, then None (not given)
HOURS_P: Final = _TABLES.hours_p  # per host (row), the share of each of HOURS
# Share of stations offering each amenity, drawn independently per station. Car and
# motorcycle parking, EV charging and legal aid are placed as exact counts instead.
AMENITY_SHARES: Final = _TABLES.amenity_shares
# Which hosts get the exact-count amenities (relative weights, in HOSTS order).
CAR_W: Final = _TABLES.weights["car"]
EV_W: Final = _TABLES.weights["ev"]
MOTO_W: Final = _TABLES.weights["moto"]
LEGAL_W: Final = _TABLES.weights["legal_aid"]
STATUS_P: Final = _TABLES.status_p
STATUSES: Final = _TABLES.statuses
# Roads found in most Chinese towns, for districts without roads of their own.
GENERIC_ROADS: Final = _TABLES.generic_roads
MOBILE_PREFIXES: Final = _TABLES.mobile_prefixes
