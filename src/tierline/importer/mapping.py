"""The mapping file: how the columns of one event log become Tierline case events (R-CASE-4).

A new log needs a new mapping, never new code. A mapping names, for each fact Tierline needs,
where the log keeps it (a CSV column or an XES attribute key, several columns joined, or a
constant) and how its values translate: the case id and the order of a case's rows, the event
timestamp with its format and time zone, the status (and which statuses are pauses, resolutions
and closures), the team and the tier it sits at, severity, contact type, channel, account,
agent, what counts as the receiving team's acceptance of a transfer, and attributes to keep.
``docs/import.md`` is the reference; ``examples/mappings/`` holds the mappings of the shared logs.

Every model forbids unknown keys, so a misspelt key is an error, not a silently ignored line.
Values checked here are those one key can check alone; ``load_mapping`` reports every problem
with its line and column.
"""

from __future__ import annotations

import codecs
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from tierline.importer.mapping_fields import (
    KEEP_WORD,
    LIFECYCLE,
    ChannelSpec,
    Mapped,
    OpenedAtSpec,
    SeveritySpec,
    Source,
    Text,
    TimestampSpec,
    check_regex,
)
from tierline.policy.fields import Model, Name


class OrderKey(Model):
    """One key of a case's row order: ``timestamp`` (the event time), ``line`` (file order) or
    ``{column: sys_mod_count, type: int}``."""

    special: Literal["timestamp", "line"] | None = None
    column: Text | None = None
    type: Literal["int", "float", "text", "timestamp"] = "text"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            if data in ("timestamp", "line"):
                return {"special": data}
            raise ValueError(
                f"'{data}' is not an order key; expected timestamp, line or "
                "{column: NAME, type: int|float|text|timestamp}"
            )
        return data

    @model_validator(mode="after")
    def _one(self) -> OrderKey:
        if (self.special is None) == (self.column is None):
            raise ValueError("expected either timestamp, line or a column")
        return self


class CaseSpec(Model):
    id: Source
    #: How rows of one case are ordered: ``timestamp`` (the event time), ``line`` (file
    #: order) or a column with its type. Ties keep file order.
    order_by: list[OrderKey] = Field(default_factory=lambda: [OrderKey(special="timestamp")])
    opened_at: OpenedAtSpec | None = None
    #: When the log records resolution and closure instants apart from the rows (one row per
    #: ticket exports): a resolution or closure is recorded then, not at the row's time.
    resolved_at: OpenedAtSpec | None = None
    closed_at: OpenedAtSpec | None = None


class StatusSpec(Mapped):
    """Source status → Tierline status: ``new``, ``open``, ``resolved``, ``closed`` or a pause
    status named in ``pauses`` (the policy decides which clocks each one pauses)."""

    values: dict[Text, Text] = Field(default_factory=dict)
    pauses: list[Name] = Field(default_factory=list)

    @model_validator(mode="after")
    def _targets(self) -> StatusSpec:
        allowed = set(LIFECYCLE) | set(self.pauses) | {KEEP_WORD}
        pairs = [*self.values.items(), *((f"/{r.match}/", r.value) for r in self.rules)]
        for source, target in [*pairs, ("(other)", self.other)]:
            if target is not None and target not in allowed:
                raise ValueError(
                    f"'{source}' maps to '{target}', which is neither a lifecycle status nor a "
                    f"listed pause; expected one of: {', '.join(sorted(allowed))} "
                    "(add pauses: [...] for waiting statuses)"
                )
        for name in self.pauses:
            if name in LIFECYCLE:
                raise ValueError(f"'{name}' is a lifecycle status; expected pause names only")
        return self


class TierRule(Model):
    match: str  # a regular expression searched in the team value
    tier: Name
    ignore_case: bool = False

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        return check_regex(value)


class TierSpec(Model):
    """The tier of each row: ordered patterns on the team value (first match wins, else
    ``default``), or a column with a value table (``other`` for values not listed; ``keep`` for
    "this row says nothing about the tier"). ``levels`` lists tiers from the front line up, so a
    transfer can be told to go up, down or across."""

    levels: list[Name]
    rules: list[TierRule] = Field(default_factory=list)
    default: Name | None = None
    column: Text | None = None
    values: dict[Text, Name] | None = None
    other: Name | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TierSpec:
        if not self.levels:
            raise ValueError("levels is empty; expected the tiers from the front line up")
        known = set(self.levels)
        used = [r.tier for r in self.rules] + list((self.values or {}).values())
        used += [t for t in (self.default, self.other) if t]
        for tier in used:
            if tier not in known and tier != KEEP_WORD:
                raise ValueError(
                    f"tier '{tier}' is not in levels; expected one of: {', '.join(self.levels)}"
                )
        if self.column is None and (self.values is not None or self.other is not None):
            raise ValueError("values and other translate a tier column; expected column: NAME")
        if self.column is None and not self.rules and self.default is None:
            raise ValueError("no way to find a tier; expected rules, a default or a column")
        return self


class AcceptanceSpec(Model):
    """When the receiving team has picked up a transfer (ownership moves then, R-OWN-2).

    * ``immediate``: the row that records the new team;
    * ``next_row``: the next row of the case after the transfer;
    * ``agent_set``: the first row, from the transfer on, naming an agent other than the one
      who held the case before the transfer;
    * ``value``: the first row, from the transfer on, whose ``column`` holds one of ``values``.
    """

    when: Literal["immediate", "next_row", "agent_set", "value"] = "immediate"
    column: Text | None = None
    values: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _needs(self) -> AcceptanceSpec:
        if self.when == "value" and (self.column is None or not self.values):
            raise ValueError("when: value needs a column and values; expected both")
        return self


class Attribute(Source):
    #: ``first``: the value on the case's first row; ``last``: on its last row (kept in a note
    #: at the end of the history, e.g. the source system's own SLA verdict).
    take: Literal["first", "last"] = "first"


class CsvOptions(Model):
    delimiter: str = ","
    quotechar: str = '"'
    #: Any Python codec name (``utf-8``, ``latin-1``, ``cp1252``, ``utf-16``…). A byte-order mark
    #: at the start of the file wins over it (UTF-8, UTF-16 and UTF-32 marks are recognised).
    encoding: str = "utf-8"
    #: The member to read inside a zip (default: the only CSV, ``__MACOSX/`` skipped).
    member: str | None = None
    #: Lines before the header to pass over (a title, Excel's ``sep=;``, a report date…).
    skip_lines: int = Field(default=0, ge=0)

    @field_validator("delimiter", mode="before")
    @classmethod
    def _tab(cls, value: Any) -> Any:
        return "\t" if value == "tab" else value

    @field_validator("delimiter", "quotechar")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError(
                f"'{value}' is not one character; expected e.g. ',' or ';' (a tab: tab or \"\\t\")"
            )
        if value in "\r\n":
            raise ValueError("a line break cannot separate fields; expected e.g. ',' or ';'")
        return value

    @field_validator("encoding")
    @classmethod
    def _codec(cls, value: str) -> str:
        try:
            text_codec = codecs.lookup(value)._is_text_encoding
        except LookupError:
            text_codec = False
        if not text_codec:
            raise ValueError(
                f"unknown encoding '{value}'; expected a codec name such as utf-8, latin-1, "
                "cp1252 or utf-16"
            )
        return value


class Mapping(Model):
    name: Name
    label: str = ""
    #: Recorded on each imported case as its ``source``; with the case id it makes an import
    #: idempotent. Defaults to ``name``.
    source: Name | None = None
    format: Literal["csv", "xes"] | None = None  # default: from the file name
    csv: CsvOptions = CsvOptions()
    missing: list[Text] = Field(default_factory=lambda: [""])
    #: Leading and trailing spaces are removed from every value before anything else.
    trim: bool = True
    case: CaseSpec
    timestamp: TimestampSpec
    status: StatusSpec
    team: Mapped | None = None
    tier: TierSpec | None = None
    severity: SeveritySpec | None = None
    contact_type: Source | None = None
    channel: ChannelSpec | None = None
    account: Source | None = None
    contact_name: Source | None = None
    agent: Source | None = None
    actor: Source | None = None
    product_area: Source | None = None
    subject: Source | None = None
    acceptance: AcceptanceSpec = AcceptanceSpec()
    closure: Literal["customer_accepted", "process_closed"] = "process_closed"
    attributes: dict[Name, Attribute] = Field(default_factory=dict)

    @property
    def source_name(self) -> str:
        return self.source or self.name

    def cross_problems(self) -> list[tuple[tuple[str, ...], str]]:
        """Problems that involve two keys, each with the key path to report it at."""
        out: list[tuple[tuple[str, ...], str]] = []
        if self.tier is not None and self.tier.column is None and self.team is None:
            out.append(
                (
                    ("tier", "rules"),
                    "tier rules read the team, but no team is mapped; "
                    "expected a team source or a tier column",
                )
            )
        for path, src in (("case", "id"), self.case.id), (("timestamp",), self.timestamp):
            if src.when is not None:
                out.append(
                    ((*path, "when"), "every row needs this; expected no when condition here")
                )
        if self.acceptance.when == "agent_set" and self.agent is None:
            out.append(
                (
                    ("acceptance", "when"),
                    "agent_set needs the agent, but no agent is mapped; "
                    "expected an agent source or another rule",
                )
            )
        return out

    def columns(self) -> list[str]:
        """Every column (or XES key) the mapping reads, in a stable order."""
        out: list[str] = []
        sources: list[Source | None] = [
            self.case.id,
            self.timestamp,
            self.case.opened_at,
            self.case.resolved_at,
            self.case.closed_at,
            self.status,
            self.team,
            self.severity,
            self.contact_type,
            self.channel,
            self.account,
            self.contact_name,
            self.agent,
            self.actor,
            self.product_area,
            self.subject,
            *self.attributes.values(),
        ]
        for src in sources:
            if src is not None:
                out.extend(src.names())
        out.extend(k.column for k in self.case.order_by if k.column is not None)
        if self.tier is not None and self.tier.column:
            out.append(self.tier.column)
        if self.acceptance.column:
            out.append(self.acceptance.column)
        return list(dict.fromkeys(out))
