"""Opening hours: read the texts Chinese registries use, and answer "open at time T?".

Station lists write hours as free Chinese text ("24小时", "周一至周五 9:00-17:00，周末休息").
:func:`normalize_opening_hours` (``chinese``) turns such text into an OSM ``opening_hours``
expression (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification), which
is what a station stores; :func:`is_open_at` (``evaluate``) evaluates that expression.
Times are Asia/Shanghai wall-clock times: China has one time zone and no daylight saving
time. :func:`parse_when` (``when``) reads the API's ``open_at``.
"""

from geo.hours.chinese import normalize_opening_hours
from geo.hours.evaluate import HOLIDAY_COUNTRY, compile_opening_hours, is_open_at
from geo.hours.when import MAX_YEAR, MIN_YEAR, SHANGHAI, parse_when

__all__ = [
    "HOLIDAY_COUNTRY",
    "MAX_YEAR",
    "MIN_YEAR",
    "SHANGHAI",
    "compile_opening_hours",
    "is_open_at",
    "normalize_opening_hours",
    "parse_when",
]
