"""One log row → the facts a mapping names, in Tierline's words (:class:`MappedRow`).

The mapping is compiled once into small getter functions over the row's value list, so each of
the log's rows costs a handful of function calls. A value that cannot be translated (a stamp in
the wrong format, a status the mapping does not list) raises :class:`RowProblem`; the caller
counts the row as bad and drops its whole case, never part of it.

Values that may change over a case's life (status, team, severity, agent) can be *missing* on a
row; they come back as :data:`KEEP` when the mapping says a missing value keeps the previous one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tierline.importer.mapping import Mapping
from tierline.importer.mapping_fields import KEEP_WORD, Mapped, OpenedAtSpec, Source
from tierline.importer.timestamps import make_parser


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: "No value on this row: the case keeps its previous one."
KEEP: Final = _Keep()
#: A value that may change over a case's life: text, nothing (cleared), or KEEP.
Value = str | _Keep | None

Getter = Callable[[Sequence[str | None]], Any]


class RowProblem(ValueError):
    """A row that cannot be translated; the message says what is wrong and what was expected."""


@dataclass(slots=True)
class MappedRow:
    line: int
    case: str
    t: float  # epoch seconds
    opened_t: float | None
    resolved_t: float | None
    closed_t: float | None
    status: Value
    team: Value
    tier: Value  # from a tier column; None when tiers come from team rules
    severity: Value
    agent: Value
    accept: bool  # the row satisfies a ``when: value`` acceptance rule
    order: tuple[Any, ...]  # the mapping's order keys, then the line
    actor: str | None
    #: The raw values, for the facts read on a case's first and last row only (the reader
    #: drops them from the rows in between, to keep memory small).
    values: Sequence[str | None]


class RowMapper:
    """A mapping compiled for one log's column list (``Mapping.columns()``)."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.columns = mapping.columns()
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._missing = frozenset(mapping.missing)
        ts = mapping.timestamp
        self._parse_t = make_parser(ts.format, ts.timezone)
        self._t = self._source(ts)
        self._case = self._source(mapping.case.id)
        self._opened = self._opened_getter(mapping.case.opened_at, "opened_at")
        self._resolved = self._opened_getter(mapping.case.resolved_at, "resolved_at")
        self._closed = self._opened_getter(mapping.case.closed_at, "closed_at")
        self._status = self._mapped(mapping.status, "status")
        self._team = self._source(mapping.team) if mapping.team else None
        tier = mapping.tier
        self._tier_col = (
            self._mapped(
                Mapped(column=tier.column, values=tier.values, default=tier.default), "tier"
            )
            if tier is not None and tier.column
            else None
        )
        self._severity = self._mapped(mapping.severity, "severity") if mapping.severity else None
        self._agent = self._source(mapping.agent) if mapping.agent else None
        acc = mapping.acceptance
        self._accept: Getter | None = None
        if acc.when == "value" and acc.column:
            pos, wanted = self._index[acc.column], frozenset(acc.values)
            self._accept = lambda v: v[pos] in wanted
        firsts: list[Source | None] = [
            mapping.contact_type,
            None,
            mapping.account,
            mapping.contact_name,
            mapping.actor,
            mapping.product_area,
            mapping.subject,
        ]
        self._firsts: list[Getter | None] = [self._source(s) if s else None for s in firsts]
        self._firsts[1] = self._mapped(mapping.channel, "channel") if mapping.channel else None
        self._attrs = [
            (name, self._source(a), a.take == "last") for name, a in mapping.attributes.items()
        ]
        self._actor = self._firsts[4]
        #: (getter, special) per order key; a special key (timestamp, line) has no getter.
        self._order = [
            (self._order_getter(k.special, k.column, k.type), k.special)
            for k in mapping.case.order_by
        ]

    # ----------------------------------------------------------------- compiling

    def _raw(self, src: Source) -> Getter:
        """The source's value with trimming and missing markers applied (None = missing)."""
        missing = self._missing | frozenset(src.missing)
        trim = self.mapping.trim
        default = src.default
        if src.constant is not None:
            const = src.constant
            return lambda v: const
        if src.column is not None:
            pos = self._index[src.column]

            def one(v: Sequence[str | None]) -> str | None:
                x = v[pos]
                if x is not None and trim:
                    x = x.strip()
                return default if x is None or x in missing else x

            return one
        positions = [self._index[c] for c in src.columns or ()]
        sep = src.join

        def joined(v: Sequence[str | None]) -> str | None:
            parts = [v[p] for p in positions]
            parts = [(p.strip() if trim and p is not None else p) for p in parts]
            if all(p is None or p in missing for p in parts):
                return default
            return sep.join("" if p is None or p in missing else p for p in parts)

        return joined

    def _source(self, src: Source) -> Getter:
        """The source's value; KEEP where it is missing and the case keeps its value."""
        keep = src.if_missing == "keep"
        if src.column is not None:  # the common case, in one function: this runs per row
            pos, trim, default = self._index[src.column], self.mapping.trim, src.default
            missing = self._missing | frozenset(src.missing)
            none: Any = (KEEP if keep else None) if default is None else default

            def column(v: Sequence[str | None]) -> Any:
                x = v[pos]
                if x is None:
                    return none
                if trim:
                    x = x.strip()
                return none if x in missing else x

            return column
        raw = self._raw(src)
        if not keep:
            return raw
        return lambda v: KEEP if (x := raw(v)) is None else x

    def _mapped(self, spec: Mapped, what: str) -> Getter:
        raw = self._raw(spec)
        table = spec.values
        other = spec.other
        keep = spec.if_missing == "keep"
        if table is None:

            def plain(v: Sequence[str | None]) -> Any:
                x = raw(v)
                return KEEP if x is None and keep else x

            return plain
        known = ", ".join(sorted(table)[:12]) + (", ..." if len(table) > 12 else "")

        def translate(v: Sequence[str | None]) -> Any:
            x = raw(v)
            if x is None:
                return KEEP if keep else None
            hit = table.get(x, other)
            if hit is not None:
                return KEEP if hit == KEEP_WORD else hit
            raise RowProblem(f"{what} '{x}' is not in the mapping; expected one of: {known}")

        return translate

    def _opened_getter(self, spec: OpenedAtSpec | None, what: str) -> Getter | None:
        if spec is None:
            return None
        ts = self.mapping.timestamp
        parse = (
            make_parser(spec.format or ts.format, spec.timezone or ts.timezone)
            if spec.format or spec.timezone
            else self._parse_t
        )
        raw = self._raw(spec)

        def opened(v: Sequence[str | None]) -> float | None:
            x = raw(v)
            if x is None:
                return None
            try:
                return parse(x)
            except ValueError as exc:
                raise RowProblem(f"{what}: {exc}") from None

        return opened

    def _order_getter(self, special: str | None, column: str | None, kind: str) -> Getter | None:
        if special is not None:
            return None  # timestamp and line are filled in by ``map``
        assert column is not None
        pos = self._index[column]
        parse_t = self._parse_t
        converters: dict[str, Callable[[str], Any]] = {
            "int": int,
            "float": float,
            "text": str,
            "timestamp": parse_t,
        }
        convert = converters[kind]

        def key(v: Sequence[str | None]) -> Any:
            x = v[pos]
            if x is None or x.strip() in self._missing:
                return (1, 0) if kind != "text" else (1, "")  # missing keys sort last
            try:
                return (0, convert(x.strip()))
            except ValueError:
                raise RowProblem(f"order key {column}: '{x}' is not a valid {kind}") from None

        return key

    # ----------------------------------------------------------------- mapping a row

    def case_of(self, values: Sequence[str | None]) -> str | None:
        x = self._case(values)
        return None if x is KEEP or x is None else str(x)

    def map(self, line: int, case: str, values: Sequence[str | None]) -> MappedRow:
        """Translate one row; raises :class:`RowProblem` with the reason it cannot be."""
        raw_t = self._t(values)
        if raw_t is KEEP or raw_t is None:
            raise RowProblem("the timestamp is missing; expected every row to have one")
        try:
            t = self._parse_t(raw_t)
        except ValueError as exc:
            raise RowProblem(f"timestamp: {exc}") from None
        order = (
            *(
                g(values) if g is not None else (t if special == "timestamp" else line)
                for g, special in self._order
            ),
            line,  # ties keep file order
        )
        return MappedRow(
            line=line,
            case=case,
            t=t,
            opened_t=self._opened(values) if self._opened else None,
            resolved_t=self._resolved(values) if self._resolved else None,
            closed_t=self._closed(values) if self._closed else None,
            status=self._status(values),
            team=self._team(values) if self._team else None,
            tier=self._tier_col(values) if self._tier_col else None,
            severity=self._severity(values) if self._severity else None,
            agent=self._agent(values) if self._agent else None,
            accept=self._accept(values) if self._accept else False,
            order=order,
            actor=_plain(self._actor(values)) if self._actor else None,
            values=values,
        )

    def firsts(self, values: Sequence[str | None]) -> tuple[str | None, ...]:
        """contact_type, channel, account, contact_name, actor, product_area, subject."""
        return tuple(_plain(g(values)) if g else None for g in self._firsts)

    def attributes(self, values: Sequence[str | None], last: bool) -> dict[str, str | None]:
        """The attributes taken from a case's first row (``last`` False) or its last row."""
        return {name: _plain(g(values)) for name, g, is_last in self._attrs if is_last == last}


def _plain(value: Any) -> str | None:
    return None if value is KEEP else value


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
            return hit  # type: ignore[return-value]
        found = default
        if team is not None:
            for pattern, tier in rules:
                if pattern.search(team):
                    found = tier
                    break
        cache[team] = found
        return found

    return tier_of
