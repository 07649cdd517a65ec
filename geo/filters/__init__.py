"""Filtering stations by their properties: the queryables (``queryables``), filters as a
typed tree (``nodes``), CQL2 read into that tree (``cql2_read``, with ``cql2_guard``
keeping hostile text away from the parser) and ``sortby`` (``sorting``).

The tree is all the storage sees (``geo.storage.filter_sql`` turns it into SQL with
bound parameters on both backends): a filter is data, never SQL text.
"""

from __future__ import annotations

from geo.filters.cql2_read import FILTER_LANGS, read_filter
from geo.filters.nodes import Filter, every
from geo.filters.queryables import QUERYABLES, Kind, Queryable
from geo.filters.sorting import SortKey, parse_sortby

__all__ = [
    "FILTER_LANGS", "QUERYABLES", "Filter", "Kind", "Queryable", "SortKey", "every",
    "parse_sortby", "read_filter",
]  # fmt: skip
