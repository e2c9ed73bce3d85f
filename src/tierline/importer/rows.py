"""One log row → the facts a mapping names, in Tierline's words (:class:`MappedRow`).

A value that cannot be translated (a stamp in the wrong format, a status the mapping does not
list) raises :class:`RowProblem`; the caller counts the row as bad and drops its whole case,
never part of it. Values that may change over a case's life (status, team, severity, agent) can
be *missing* on a row; they come back as :data:`KEEP` when the mapping says a missing value keeps
the previous one.

How it is fast: logs repeat their values (a status, a team, the same minute) thousands of
times, so each fact has a ``Table`` (:mod:`.row_values`), a dict from the raw text (or tuple of
texts) to the translated value, filled the first time a text is seen: trimming, missing markers,
the value table, patterns and timestamp parsing run once per distinct text, not once per row.
The mapping is then compiled into one small Python function per use (``case_of``,
``map_row``, ``firsts``, ``attributes``) made of table look-ups such as ``C3[v[5]]``, so a row
costs one call and a dozen dict look-ups. The generated source holds only table names and column
positions, never a text from the mapping or the log; ``RowMapper.source`` shows it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tierline.importer.mapping import Mapping
from tierline.importer.mapping_fields import Mapped, OpenedAtSpec, Source
from tierline.importer.row_values import (
    KEEP,
    Key,
    NoCase,
    RowProblem,
    Table,
    Value,
    compile_rules,
    plain,
    same,
    translator,
)
from tierline.importer.timestamps import make_parser

__all__ = ["KEEP", "MappedRow", "NoCase", "RowMapper", "RowProblem", "Value", "compile_rules"]


_MISSING: Final = object()  # a source's text is absent or a missing marker


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
    #: The values of the attributes with a ``when`` condition (``RowMapper.attributes_when``)
    #: on this row, KEEP where the row does not meet it; None when the mapping has none.
    extra: tuple[Value, ...] | None


class RowMapper:
    """A mapping compiled for one log's column list (``Mapping.columns()``)."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.columns = mapping.columns()
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._missing = frozenset(mapping.missing)
        self._ns: dict[str, Any] = {"MappedRow": MappedRow, "KEEP": KEEP, "NoCase": NoCase}
        ts = mapping.timestamp
        self._parse_t = make_parser(ts.format, ts.timezone, cached=False)
        #: (name, take last) of the attributes with a ``when`` condition, whose values each
        #: row carries in ``MappedRow.extra``, in this order.
        self.attributes_when = [
            (name, a.take == "last") for name, a in mapping.attributes.items() if a.when
        ]
        self.source = "\n".join(
            [self._case_of_source(), self._map_source(), self._firsts_source()]
            + [self._attributes_source(last) for last in (False, True)]
        )
        exec(compile(self.source, f"<mapping {mapping.name}>", "exec"), self._ns)
        self.case_of: Callable[[Sequence[str | None]], str | None] = self._ns["case_of"]
        self._map: Callable[..., MappedRow] = self._ns["map_row"]
        #: contact_type, channel, account, contact_name, actor, product_area, subject of a row
        #: (read on a case's first row).
        self.firsts_of: Callable[[Sequence[str | None]], tuple[str | None, ...]]
        self.firsts_of = self._ns["firsts"]
        #: The attributes taken from a case's first row, and those taken from its last row.
        self.attributes_of: tuple[Callable[[Sequence[str | None]], dict[str, str | None]], ...]
        self.attributes_of = (self._ns["attributes_0"], self._ns["attributes_1"])

    def release(self) -> None:
        """Let go of the first-sight tables once the log is read. They and the generated
        functions refer to each other (a table's entries come from closures over this mapper),
        so without this they would wait for a full collection, which may be long in coming
        when the reader moved them to the oldest generation
        (:func:`~tierline.importer.log.collector_paused`)."""
        self._ns.clear()

    # ----------------------------------------------------------------- mapping a row

    def map(self, line: int, values: Sequence[str | None]) -> MappedRow:
        """Translate one row; raises :class:`RowProblem` with the reason it cannot be (first
        :class:`NoCase` when the row names no case)."""
        return self._map(line, values)

    @property
    def map_row(self) -> Callable[[int, Sequence[str | None]], MappedRow]:
        """``map`` without the method call, for the reading loop."""
        return self._map

    def firsts(self, values: Sequence[str | None]) -> tuple[str | None, ...]:
        """contact_type, channel, account, contact_name, actor, product_area, subject."""
        return self.firsts_of(values)

    def attributes(self, values: Sequence[str | None], last: bool) -> dict[str, str | None]:
        """The attributes taken from a case's first row (``last`` False) or its last row."""
        return self.attributes_of[last](values)

    # ----------------------------------------------------------------- generated functions

    def _case_of_source(self) -> str:
        def case(x: Any) -> str | None:
            return None if x is KEEP or x is None else str(x)

        self._case_expr = self._expr(
            self.mapping.case.id, self._sourced(self.mapping.case.id, case)
        )
        return f"def case_of(v):\n    return {self._case_expr}\n"

    def _map_source(self) -> str:
        m = self.mapping
        ts = m.timestamp

        def stamp(x: Any) -> float:
            if x is KEEP or x is None:
                raise RowProblem("the timestamp is missing; expected every row to have one")
            try:
                return self._parse_t(x)
            except ValueError as exc:
                raise RowProblem(f"timestamp: {exc}") from None

        tier = m.tier
        tier_col = (
            Mapped(column=tier.column, values=tier.values, other=tier.other)
            if tier is not None and tier.column
            else None
        )
        order = []
        for k in m.case.order_by:
            if k.special is not None:
                order.append("t" if k.special == "timestamp" else "line")
            else:
                assert k.column is not None
                order.append(self._order_expr(k.column, k.type))
        args = {
            "line": "line",
            "case": "case",
            "t": "t",
            "opened_t": self._instant(m.case.opened_at, "opened_at"),
            "resolved_t": self._instant(m.case.resolved_at, "resolved_at"),
            "closed_t": self._instant(m.case.closed_at, "closed_at"),
            "status": self._mapped(m.status, "status"),
            "team": self._mapped(m.team, "team"),
            "tier": self._mapped(tier_col, "tier"),
            "severity": self._mapped(m.severity, "severity"),
            "agent": self._value(m.agent),
            "accept": self._accept_expr(),
            "order": "order",
            "actor": self._plain(m.actor),
            "values": "v",
            "extra": self._extra_expr(),
        }
        call = ", ".join(args[f.name] for f in dataclasses.fields(MappedRow))
        return (
            "def map_row(line, v):\n"
            f"    case = {self._case_expr}\n"
            "    if case is None:\n"
            "        raise NoCase()\n"
            f"    t = {self._expr(ts, self._sourced(ts, stamp))}\n"
            f"    order = ({', '.join(order)}, line)\n"
            f"    return MappedRow({call})\n"
        )

    def _firsts_source(self) -> str:
        m = self.mapping
        exprs = [
            self._plain(m.contact_type),
            self._mapped(m.channel, "channel", plain=True),
            self._plain(m.account),
            self._plain(m.contact_name),
            self._plain(m.actor),
            self._plain(m.product_area),
            self._plain(m.subject),
        ]
        return f"def firsts(v):\n    return ({', '.join(exprs)})\n"

    def _attributes_source(self, last: bool) -> str:
        items = []
        for name, a in self.mapping.attributes.items():
            if (a.take == "last") == last and a.when is None:
                items.append(f"{self._const(name)}: {self._plain(a)}")
        return f"def attributes_{int(last)}(v):\n    return {{{', '.join(items)}}}\n"

    def _extra_expr(self) -> str:
        """Attributes with a ``when`` condition are read on every row (the rows that meet it
        may be anywhere in the case), the others on the case's first or last row only."""
        when = [a for a in self.mapping.attributes.values() if a.when is not None]
        if not when:
            return "None"
        return "(" + "".join(f"{self._value(a)}, " for a in when) + ")"

    # ----------------------------------------------------------------- expressions

    def _const(self, value: Any) -> str:
        name = f"C{len(self._ns)}"
        self._ns[name] = value
        return name

    def _key(self, src: Source) -> str:
        """The expression of a source's raw text on the row ``v``."""
        if src.constant is not None:
            return "None"
        if src.column is not None:
            return f"v[{self._index[src.column]}]"
        return "(" + "".join(f"v[{self._index[c]}], " for c in src.columns or ()) + ")"

    def _expr(self, src: Source, compute: Callable[[Key], Any], nothing: str = "KEEP") -> str:
        """``T[key]``: the source's value through a new table; with a ``when`` condition, rows
        that do not meet it give ``nothing`` (the expression of a constant)."""
        table = self._const(Table(compute))
        expr = f"{table}[{self._key(src)}]"
        if src.when is None:
            return expr
        trim, wanted = self.mapping.trim, frozenset(src.when.values)

        def meets(x: str | None) -> bool:
            if x is not None and trim:
                x = x.strip()
            return x in wanted

        cond = self._const(Table(meets))
        return f"({expr} if {cond}[v[{self._index[src.when.column]}]] else {nothing})"

    def _clean(self, src: Source) -> Callable[[Key], Any]:
        """Raw text → the trimmed text, or _MISSING where it is absent or a missing marker."""
        missing = self._missing | frozenset(src.missing)
        trim = self.mapping.trim
        if src.constant is not None:
            const = src.constant
            return lambda key: const
        if src.column is not None:

            def one(x: str | None) -> Any:
                if x is None:
                    return _MISSING
                if trim:
                    x = x.strip()
                return _MISSING if x in missing else x

            return one
        sep = src.join

        def joined(parts: tuple[str | None, ...]) -> Any:
            if trim:
                parts = tuple(p.strip() if p is not None else p for p in parts)
            if all(p is None or p in missing for p in parts):
                return _MISSING
            return sep.join("" if p is None or p in missing else p for p in parts)

        return joined

    def _sourced(self, src: Source, then: Callable[[Any], Any]) -> Callable[[Key], Any]:
        """The source's value (its default where missing, else KEEP or None as the source
        says) passed to ``then``."""
        default = src.default
        none: Any = (KEEP if src.if_missing == "keep" else None) if default is None else default
        if src.column is not None:  # the common case in one function (timestamps miss often)
            missing, trim = self._missing | frozenset(src.missing), self.mapping.trim

            def column(x: str | None) -> Any:
                if x is None:
                    return then(none)
                if trim:
                    x = x.strip()
                return then(none if x in missing else x)

            return column
        clean = self._clean(src)

        def value(key: Key) -> Any:
            x = clean(key)
            return then(none if x is _MISSING else x)

        return value

    def _value(self, src: Source | None) -> str:
        """A fact that may change over a case's life: text, None (cleared) or KEEP."""
        if src is None:
            return "None"
        return self._expr(src, self._sourced(src, same))

    def _plain(self, src: Source | None) -> str:
        """A fact read once (contact type, account, attributes…): text or None."""
        if src is None:
            return "None"
        return self._expr(src, self._sourced(src, plain), nothing="None")

    def _mapped(self, spec: Mapped | None, what: str, plain: bool = False) -> str:
        """A fact translated by the mapping's table and patterns (status, team, severity…)."""
        if spec is None:
            return "None"
        clean = self._clean(spec)
        default, keep = spec.default, spec.if_missing == "keep"
        translate = translator(spec, what)

        def value(key: Key) -> Any:
            x = clean(key)
            if x is _MISSING:
                x = default
            if x is None:
                return None if plain or not keep else KEEP
            x = translate(x)
            return None if plain and x is KEEP else x

        return self._expr(spec, value, nothing="None" if plain else "KEEP")

    def _instant(self, spec: OpenedAtSpec | None, what: str) -> str:
        if spec is None:
            return "None"
        ts = self.mapping.timestamp
        parse = (
            make_parser(spec.format or ts.format, spec.timezone or ts.timezone, cached=False)
            if spec.format or spec.timezone
            else self._parse_t
        )
        clean, default = self._clean(spec), spec.default

        def instant(key: Key) -> float | None:
            x = clean(key)
            if x is _MISSING:
                x = default
            if x is None:
                return None
            try:
                return parse(x)
            except ValueError as exc:
                raise RowProblem(f"{what}: {exc}") from None

        return self._expr(spec, instant, nothing="None")

    def _order_expr(self, column: str, kind: str) -> str:
        missing = self._missing
        converters: dict[str, Callable[[str], Any]] = {
            "int": int,
            "float": float,
            "text": str,
            "timestamp": self._parse_t,
        }
        convert = converters[kind]
        last: tuple[int, Any] = (1, 0) if kind != "text" else (1, "")  # missing keys sort last

        def key(x: str | None) -> tuple[int, Any]:
            if x is None or x.strip() in missing:
                return last
            try:
                return (0, convert(x.strip()))
            except ValueError:
                raise RowProblem(f"order key {column}: '{x}' is not a valid {kind}") from None

        return f"{self._const(Table(key))}[v[{self._index[column]}]]"

    def _accept_expr(self) -> str:
        acc = self.mapping.acceptance
        if acc.when != "value" or not acc.column:
            return "False"
        wanted = frozenset(acc.values)
        return f"{self._const(Table(lambda x: x in wanted))}[v[{self._index[acc.column]}]]"
