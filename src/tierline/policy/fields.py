"""Value types of the policy file: names, durations, money, clock targets, opening hours.

Each type validates one value and normalises it, so two files that mean the same thing produce
the same validated document (and so the same version): ``"24h"`` and ``"1d"`` are both ``"1d"``,
``50.00`` and ``50`` are both ``"50"``, a target written ``"4h"`` spells out its time basis.
Error messages follow the domain's style, ``"what is wrong; what is expected"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from tierline.domain.calendar import parse_interval
from tierline.domain.durations import format_duration, parse_duration
from tierline.domain.policy import PERMISSIONS
from tierline.domain.vocabulary import TimeBasis
from tierline.policy.errors import one_of, suggest


class Model(BaseModel):
    """Every section of the file: unknown keys are errors, values are immutable, no NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- names

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"'{value[:80]}' is not a valid name; expected letters, digits, '_' or '-', "
            "starting with a letter, at most 64 characters"
        )
    return value


#: An id: a team, calendar, role, tier, contact type… (``frontline``, ``T2``, ``emea_support``).
Name = Annotated[str, AfterValidator(_name)]


def _text(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"the text is {len(value)} characters long; expected at most {limit}")
        return value

    return check


Label = Annotated[str, AfterValidator(_text(200))]
LongText = Annotated[str, AfterValidator(_text(20_000))]


def _permission(value: str) -> str:
    if value not in PERMISSIONS:
        raise ValueError(f"unknown permission '{value}'; {one_of(PERMISSIONS, value)}")
    return value


Permission = Annotated[str, AfterValidator(_permission)]

T = TypeVar("T")


def _unique_sorted(items: list[T]) -> list[T]:
    """Lists that are sets in meaning: refuse repeats; sort, so order does not change versions."""
    seen: set[Any] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"'{item}' is listed twice; expected each value once")
        seen.add(item)
    return sorted(items, key=str)


def _unique(items: list[T]) -> list[T]:
    seen: set[Any] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"'{item}' is listed twice; expected each value once")
        seen.add(item)
    return items


UniqueSorted = AfterValidator(_unique_sorted)
Unique = AfterValidator(_unique)


# --------------------------------------------------------------------------- durations


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)  # DurationError is a ValueError with a "; expected" message


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("the duration is zero; expected more than zero, such as '30m' or '4h'")
    return value


_as_text = PlainSerializer(format_duration, return_type=str)
Duration = Annotated[timedelta, BeforeValidator(_duration), _as_text]
PositiveDuration = Annotated[
    timedelta, BeforeValidator(_duration), AfterValidator(_positive), _as_text
]


# --------------------------------------------------------------------------- money

#: Larger amounts are typos; refusing them keeps arithmetic and storage ordinary.
MAX_MONEY = Decimal(10) ** 12


def _money(value: Any) -> Decimal:
    expected = "expected an amount such as 250 or 99.50"
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{value!r} is not an amount; {expected}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite amount; {expected}")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"'{value}' is not an amount; {expected}") from None
    if not amount.is_finite():
        raise ValueError(f"'{value}' is not a finite amount; {expected}")
    if amount < 0:
        raise ValueError(f"{value} is negative; expected zero or more")
    if amount > MAX_MONEY:
        shown = str(value) if len(str(value)) <= 20 else str(value)[:20] + "..."
        raise ValueError(f"{shown} is too large; expected at most 1000000000000")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"{value} has more than two decimal places; {expected}")
    return amount


def _money_text(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(_money_text, return_type=str)]


# --------------------------------------------------------------------------- clock targets


class TargetSpec(Model):
    """How long a clock runs: a duration, business or calendar time, optionally on one calendar.

    ``calendar`` left out means "the calendar of the team that owns the case".
    """

    duration: PositiveDuration
    time: TimeBasis | None = None
    calendar: Name | None = None


_BASES = ("business", "calendar")


def coerce_target(default: TimeBasis | None) -> Callable[[Any], Any]:
    """Read ``"4h"``, ``"4h business"`` or a mapping, filling in the basis when it is implied."""

    def coerce(value: Any) -> Any:
        if isinstance(value, str):
            parts = value.split()
            basis: str | None = None
            if len(parts) > 1 and parts[-1].lower() in _BASES:
                basis = parts.pop().lower()
            elif len(parts) > 1 and parts[-1].isalpha():
                word = parts[-1]
                close = suggest(word.lower(), _BASES)
                hint = f" (did you mean '{close}'?)" if close else ""
                raise ValueError(
                    f"'{word}' is not a time basis{hint}; expected '4h', '4h business' "
                    "or '30m calendar'"
                )
            value = {"duration": " ".join(parts) or value, "time": basis}
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = {"duration": value}
        if isinstance(value, dict) and value.get("time") is None and default is not None:
            value = {**value, "time": default.value}
        return value

    return coerce


def _needs_basis(target: TargetSpec) -> TargetSpec:
    if target.time is None:
        raise ValueError(
            f"'{format_duration(target.duration)}' does not say whether it counts business or "
            "calendar time; expected e.g. '15d business' or '8w calendar' (regulatory deadlines "
            "must state it)"
        )
    return target


#: A target whose bare form (``"4h"``) counts business hours.
BusinessTarget = Annotated[
    TargetSpec, BeforeValidator(coerce_target(TimeBasis.BUSINESS)), AfterValidator(_needs_basis)
]
#: A target whose bare form counts calendar (wall-clock) time.
CalendarTarget = Annotated[
    TargetSpec, BeforeValidator(coerce_target(TimeBasis.CALENDAR)), AfterValidator(_needs_basis)
]
#: A target that must say its basis (regulatory deadlines: the difference is weeks).
ExplicitTarget = Annotated[
    TargetSpec, BeforeValidator(coerce_target(None)), AfterValidator(_needs_basis)
]


# --------------------------------------------------------------------------- opening hours

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _interval(value: str) -> str:
    start, end = parse_interval(value)  # ValueError with a "; expected" message
    return f"{start // 3600:02d}:{start % 3600 // 60:02d}-{end // 3600:02d}:{end % 3600 // 60:02d}"


def _no_overlap(intervals: list[str]) -> list[str]:
    spans = sorted((parse_interval(text), text) for text in intervals)
    for (a, a_text), (b, b_text) in pairwise(spans):
        if b[0] < a[1]:
            raise ValueError(
                f"'{a_text}' and '{b_text}' overlap; expected separate intervals in one day"
            )
    return [text for _, text in spans]


Interval = Annotated[str, AfterValidator(_interval)]
DayHours = Annotated[list[Interval], AfterValidator(_no_overlap)]


def _timezone(value: str) -> str:
    if value.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = suggest(value, available_timezones())
        tail = f"did you mean '{hint}'?" if hint else "expected an IANA name such as Europe/Berlin"
        raise ValueError(f"unknown time zone '{value[:80]}'; {tail}") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_timezone)]


# --------------------------------------------------------------------------- condition values

_SCALAR = str | int | float | bool


def _plain_value(value: Any) -> Any:
    """A condition's value: a string, number, boolean, or a flat list of them."""
    expected = "expected a string, a number, a boolean or a list of them"
    items = value if isinstance(value, list) else [value]
    if len(items) > 500:
        raise ValueError(f"the list has {len(items)} values; expected at most 500")
    for item in items:
        if not isinstance(item, _SCALAR):
            raise ValueError(f"{type(item).__name__} values cannot be compared; {expected}")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{item} is not a finite number; {expected}")
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > 10**12:
            raise ValueError(f"{str(item)[:30]} is too large; expected a realistic number")
    return value


ConditionValue = Annotated[Any, AfterValidator(_plain_value)]


# --------------------------------------------------------------------------- escalation levels

_LEVEL_AT = re.compile(r"^\s*(warning|breach)\s*(?:\+\s*(.+?))?\s*$")


def parse_level_at(text: str) -> tuple[str, timedelta]:
    """``"breach + 2h"`` → ``("breach", 2h)``; ``"warning"`` → ``("warning", 0)``."""
    match = _LEVEL_AT.match(text)
    if match is None:
        raise ValueError(
            f"'{text[:60]}' is not an escalation level; expected 'warning', 'breach' or "
            "'breach + 2h'"
        )
    stage, after = match.group(1), match.group(2)
    if after is None:
        return stage, timedelta(0)
    if stage == "warning":
        raise ValueError(
            f"'{text[:60]}' adds time to a warning; expected 'warning', 'breach' or 'breach + 2h'"
        )
    return stage, _positive(parse_duration(after))


def _level_at(text: str) -> str:
    stage, after = parse_level_at(text)
    return f"{stage} + {format_duration(after)}" if after else stage


#: When an escalation level fires: ``warning``, ``breach`` or ``breach + <duration>``.
LevelAt = Annotated[str, AfterValidator(_level_at)]
