"""Reading a demo data file: typed values whose errors name the file and the key.

:class:`TomlTable` wraps one table of a TOML file (``tomllib``) and reads its values
with their types checked; a missing, unknown or malformed value raises
:class:`DemoDataError` with the file and the dotted key, e.g.
``data/demo/common.toml: hours.shares."银行网点": 7 values, expected 8``.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["DemoDataError", "TomlTable", "read_toml"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOLERANCE = 1e-9  # shares that must sum to 1


class DemoDataError(ValueError):
    """A demo data file is missing, unreadable or malformed; the message names the file
    and the key."""


def read_toml(path: Path) -> TomlTable:
    """The top-level table of a TOML file, or :class:`DemoDataError` naming the file."""
    try:
        with path.open("rb") as f:
            return TomlTable(path, tomllib.load(f))
    except OSError as e:
        raise DemoDataError(f"{path}: cannot be read ({e.strerror or e})") from e
    except tomllib.TOMLDecodeError as e:
        raise DemoDataError(f"{path}: not valid TOML ({e})") from e


def key_text(key: str) -> str:
    """A key as TOML writes it: ``hosts`` bare, ``"银行网点"`` quoted."""
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


class TomlTable:
    """One table of a TOML file, with its file and dotted key for the messages."""

    def __init__(self, path: Path, data: dict[str, Any], key: str = "") -> None:
        self.path = path
        self.data = data
        self.key = key

    def __iter__(self) -> Iterator[str]:
        """The table's keys, in the file's order."""
        return iter(self.data)

    def __contains__(self, name: object) -> bool:
        """Whether the table has key `name`."""
        return name in self.data

    def __len__(self) -> int:
        """How many keys the table has."""
        return len(self.data)

    def where(self, name: str | None = None) -> str:
        """The dotted key of this table, or of its key `name`."""
        parts = [self.key, key_text(name) if name is not None else ""]
        return ".".join(p for p in parts if p) or "(top level)"

    def fail(self, name: str | None, problem: str) -> NoReturn:
        """Raise :class:`DemoDataError`: file, key and what is wrong."""
        raise DemoDataError(f"{self.path}: {self.where(name)}: {problem}")

    def keys_are(self, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        """Refuse a missing required key, and any key not listed (a misspelt one)."""
        required = list(required)
        for name in required:
            if name not in self.data:
                self.fail(name, "missing")
        known = [*required, *optional]
        for name in self.data:
            if name not in known:
                self.fail(name, f"unknown key (known: {', '.join(known)})")

    def _get(self, name: str, kind: type | tuple[type, ...], what: str) -> Any:
        if name not in self.data:
            self.fail(name, "missing")
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            self.fail(name, f"expected {what}, got {value!r}")
        return value

    def table(self, name: str) -> TomlTable:
        """The table at key `name`."""
        return TomlTable(self.path, self._get(name, dict, "a table"), self.where(name))

    def optional_table(self, name: str) -> TomlTable:
        """The table at key `name`, empty if there is none."""
        return self.table(name) if name in self.data else TomlTable(self.path, {}, self.where(name))

    def text(self, name: str, pattern: str | None = None) -> str:
        """A non-empty string, matching `pattern` (a regular expression) if given."""
        value: str = self._get(name, str, "a string")
        if not value.strip():
            self.fail(name, "empty string")
        if pattern is not None and not re.fullmatch(pattern, value):
            self.fail(name, f"{value!r} does not match {pattern}")
        return value

    def texts(self, name: str, *, empty: bool = False) -> tuple[str, ...]:
        """A list of distinct non-empty strings; empty only if `empty`."""
        values: list[Any] = self._get(name, list, "a list of strings")
        if not values and not empty:
            self.fail(name, "empty list")
        for v in values:
            if not isinstance(v, str) or not v.strip():
                self.fail(name, f"expected non-empty strings, got {v!r}")
        if len(set(values)) != len(values):
            twice = next(v for v in values if values.count(v) > 1)
            self.fail(name, f"{twice!r} listed twice")
        return tuple(values)

    def tables(self, name: str) -> list[TomlTable]:
        """A non-empty list of tables (``[{ name = "国贸", ... }, ...]``)."""
        values: list[Any] = self._get(name, list, "a list of tables")
        if not values:
            self.fail(name, "empty list")
        for v in values:
            if not isinstance(v, dict):
                self.fail(name, f"expected tables, got {v!r}")
        return [TomlTable(self.path, v, f"{self.where(name)}[{i}]") for i, v in enumerate(values)]

    def integer(self, name: str, low: int = 0) -> int:
        """An integer of at least `low`."""
        value: int = self._get(name, int, "an integer")
        if value < low:
            self.fail(name, f"{value} is less than {low}")
        return value

    def number(self, name: str, low: float = 0.0, high: float = math.inf) -> float:
        """A number (integer or float) from `low` to `high`, as a float."""
        value = float(self._get(name, (int, float), "a number"))
        if not low <= value <= high:
            self.fail(name, f"{value} is not between {low} and {high}")
        return value

    def numbers(
        self, name: str, length: int, low: float = 0.0, high: float = 1.0, *, of: str = ""
    ) -> list[float]:
        """A list of `length` numbers from `low` to `high`, as floats; `of` says what
        the length counts, for the message."""
        values: list[Any] = self._get(name, list, "a list of numbers")
        if len(values) != length:
            self.fail(name, f"{len(values)} values, expected {length}{of}")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float) or not low <= v <= high:
                self.fail(name, f"expected numbers from {low} to {high}, got {v!r}")
        return [float(v) for v in values]

    def shares(self, name: str | None = None) -> dict[str, float]:
        """A table of shares from 0 to 1 that sum to 1 (this table if `name` is None)."""
        table = self if name is None else self.table(name)
        if not table.data:
            self.fail(name, "empty table")
        values = {k: table.number(k, 0.0, 1.0) for k in table}
        sum_to_one(self, name, list(values.values()))
        return values


def sum_to_one(table: TomlTable, name: str | None, values: list[float]) -> None:
    """Refuse `values` (table's key `name`) unless they sum to 1."""
    total = math.fsum(values)
    if abs(total - 1.0) > _TOLERANCE:
        table.fail(name, f"the shares sum to {total:.6g}, not 1")
