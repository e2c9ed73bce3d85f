"""Where a mapping's values come from and how they translate: the value models of a mapping.

A *source* is a column (an XES attribute key), several columns joined, or a constant, with its
own missing markers, a default, and whether a missing value keeps the case's previous value.
A *mapped* source adds a value table and patterns. Timestamps add their formats and time zone.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from tierline.domain.vocabulary import Channel, Severity
from tierline.importer.timestamps import check_format, zone
from tierline.policy.fields import Model


def _scalar_text(value: Any) -> Any:
    """YAML reads ``-100`` as a number; a log's values are text, so numbers become text.
    Booleans are refused by the validator (``true`` in YAML is not the text ``true``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_scalar_text)]
LIFECYCLE = ("new", "open", "resolved", "closed")
#: In a value table: "this value says nothing about the fact; the case keeps what it had" (an
#: activity log's "Update" row says nothing about the status).
KEEP_WORD = "keep"


def check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"'{value}' is not a regular expression ({exc})") from None
    return value


class Condition(Model):
    """``when``: only the rows whose ``column`` holds one of ``values`` give the fact; other rows
    say nothing about it (the case keeps what it had). For logs of one row per changed field
    (``field;new_value``): ``status: {column: new_value, when: {column: field, values: [status]}}``.
    """

    column: Text
    values: list[Text]

    @field_validator("values")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("values is empty; expected the values that select the rows")
        return value


class Source(Model):
    """Where a value comes from: one column, several columns joined, or a constant.

    Written as a plain string, a source is a column name (``team: assignment_group``).
    """

    column: Text | None = None
    columns: list[Text] | None = None
    join: str = "/"
    constant: Text | None = None
    #: Extra markers of "no value" for this source, besides the mapping's ``missing`` list.
    missing: list[Text] = Field(default_factory=list)
    #: The value to use when the source has none (before any value map applies).
    default: Text | None = None
    #: A missing value keeps the case's previous value (``keep``) or clears it (``clear``).
    if_missing: Literal["keep", "clear"] = "keep"
    #: Only rows meeting this condition give the value; the others say nothing about it.
    when: Condition | None = None

    @model_validator(mode="before")
    @classmethod
    def _column_shorthand(cls, data: Any) -> Any:
        return {"column": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_origin(self) -> Source:
        given = [k for k in ("column", "columns", "constant") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"{' and '.join(given) if given else 'no origin'} given; expected exactly one "
                "of column, columns or constant"
            )
        if self.columns is not None and not self.columns:
            raise ValueError("columns is empty; expected at least one column name")
        return self

    def names(self) -> list[str]:
        """The columns (or XES keys) this source reads, its condition's included."""
        out = [self.column] if self.column is not None else list(self.columns or [])
        if self.when is not None:
            out.append(self.when.column)
        return out


class ValueRule(Model):
    """One pattern of a value table: a value in which ``match`` (a regular expression) is found
    translates to ``value``. Patterns are tried in order, after the exact ``values``."""

    match: str
    value: Text
    ignore_case: bool = False

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        return check_regex(value)


class Mapped(Source):
    """A source whose values are translated: first the exact ``values`` table, then the
    ``rules`` (patterns, first match wins), then ``other`` for anything else.

    With a table or rules but no ``other``, an unlisted value makes its row bad (reported with
    its line)."""

    values: dict[Text, Text] | None = None
    rules: list[ValueRule] = Field(default_factory=list)
    other: Text | None = None

    @property
    def translated(self) -> bool:
        """Whether values go through a table (else the value itself is the result)."""
        return self.values is not None or bool(self.rules)

    def targets(self) -> list[str]:
        """Every Tierline value the table (or the source itself) can give."""
        out = list((self.values or {}).values()) + [r.value for r in self.rules]
        out += [self.other] if self.other is not None else []
        if not self.values and not self.rules:  # without a table the value must be a target
            out += [v for v in (self.constant, self.default) if v is not None]
        return [v for v in out if v != KEEP_WORD]


def _check_targets(spec: Mapped, allowed: set[str], what: str) -> None:
    for value in spec.targets():
        if value not in allowed:
            shown = ", ".join(repr(a) if a == "" else a for a in sorted(allowed))
            raise ValueError(f"{what} '{value}' is unknown; expected one of: {shown}")


class SeveritySpec(Mapped):
    """Source priority or severity → S1 (most severe) … S4."""

    @model_validator(mode="after")
    def _severities(self) -> SeveritySpec:
        _check_targets(self, {s.value for s in Severity}, "severity")
        return self


class ChannelSpec(Mapped):
    """Source contact channel → email, phone, chat, web, social, api, or '' for none."""

    @model_validator(mode="after")
    def _channels(self) -> ChannelSpec:
        _check_targets(self, {c.value for c in Channel} | {""}, "channel")
        return self


class TimestampSpec(Source):
    format: list[str] = Field(default_factory=lambda: ["iso"])
    timezone: str = "UTC"

    @field_validator("format", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("format")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(
                "no format given; expected iso, epoch_s, epoch_ms or a strptime format"
            )
        for fmt in value:
            check_format(fmt)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value


class OpenedAtSpec(Source):
    """An instant of the case recorded apart from the rows' times (opened, resolved, closed);
    format and time zone default to the event timestamp's."""

    format: list[str] | None = None
    timezone: str | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("format")
    @classmethod
    def _formats(cls, value: list[str] | None) -> list[str] | None:
        for fmt in value or ():
            check_format(fmt)
        return value
