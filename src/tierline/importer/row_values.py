"""The values a mapped row carries and how a source's text becomes one: KEEP, row problems,
the first-sight tables, value tables with patterns, and the tier rules on team names.

Kept apart from :mod:`tierline.importer.rows` (which compiles a mapping into per-row
functions) because these are the pieces the compiled code and the case translation share.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

from tierline.importer.mapping import Mapping
from tierline.importer.mapping_fields import KEEP_WORD, Mapped


class Keep(enum.Enum):
    """A one-member enum, so that ``value is KEEP`` narrows the type."""

    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


#: "No value on this row: the case keeps its previous one."
KEEP: Final = Keep.KEEP
#: A value that may change over a case's life: text, nothing (cleared), or KEEP.
Value = str | Literal[Keep.KEEP] | None

Getter = Callable[[Sequence[str | None]], Any]
#: The raw text of a source on one row: one column's text, a tuple of texts, or None.
Key = Any

TABLE_LIMIT = 1 << 18  # distinct texts remembered per fact (then the table starts over)


class RowProblem(ValueError):
    """A row that cannot be translated; the message says what is wrong and what was expected."""


class NoCase(RowProblem):
    """A row that names no case."""

    def __init__(self) -> None:
        super().__init__("the case id is missing; expected every row to name its case")


class Table(dict[Key, Any]):
    """Raw text → translated value, computed on first sight. A text that cannot be translated
    raises :class:`RowProblem` every time it is seen (errors are not remembered)."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[Key], Any]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Key) -> Any:
        value = self.compute(key)
        if len(self) >= TABLE_LIMIT:
            self.clear()
        self[key] = value
        return value


def same(value: Any) -> Any:
    return value


def plain(value: Any) -> str | None:
    return None if value is KEEP else value


def translator(spec: Mapped, what: str) -> Callable[[str], Any]:
    """Text → the mapping's value for it (KEEP for ``keep``); RowProblem if it has none."""
    if not spec.translated:
        return same
    table = spec.values or {}
    rules = [
        (re.compile(r.match, re.IGNORECASE if r.ignore_case else 0), r.value) for r in spec.rules
    ]
    other = spec.other
    listed = sorted(table)
    known = ", ".join(listed[:12]) + (", ..." if len(listed) > 12 else "")
    if rules:
        known += (
            (", " if known else "")
            + "or a value matching "
            + ", ".join(f"/{r.match}/" for r in spec.rules[:6])
        )

    def translate(x: str) -> Any:
        hit = table.get(x)
        if hit is None:
            for pattern, value in rules:
                if pattern.search(x):
                    hit = value
                    break
            else:
                hit = other
        if hit is not None:
            return KEEP if hit == KEEP_WORD else hit
        raise RowProblem(f"{what} '{x}' is not in the mapping; expected one of: {known}")

    return translate


def compile_rules(mapping: Mapping) -> Callable[[str | None], str | None]:
    """The tier of a team value from the mapping's ordered patterns (first match wins)."""
    spec = mapping.tier
    if spec is None:
        return lambda team: None
    rules = [
        (re.compile(r.match, re.IGNORECASE if r.ignore_case else 0), r.tier) for r in spec.rules
    ]
    default = spec.default
    cache: dict[str | None, str | None] = {}

    def tier_of(team: str | None) -> str | None:
        hit = cache.get(team, KEEP)
        if hit is not KEEP:
            return hit
        found = default
        if team is not None:
            for pattern, tier in rules:
                if pattern.search(team):
                    found = tier
                    break
        cache[team] = found
        return found

    return tier_of
