"""Policy data for clock targets: how long each clock may run, per severity and tier, and what
pauses it.

Kept apart from the rest of the policy because nearly every other part refers to a ``Target``
(tiers, escalation types, communication standards, obligations), while targets refer to nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from tierline.domain.vocabulary import ClockKind, Severity, TimeBasis


@dataclass(frozen=True)
class Target:
    """One clock target: how long, counted in business or calendar time, on which calendar.

    ``calendar`` None means "the calendar of the team that owns the case", resolved when a plan is
    frozen, so the same policy row serves teams in different time zones.
    """

    duration: timedelta
    basis: TimeBasis = TimeBasis.BUSINESS
    calendar: str | None = None

    def describe(self) -> str:
        from tierline.domain.durations import format_duration

        where = f" ({self.calendar})" if self.calendar and self.basis is TimeBasis.BUSINESS else ""
        return f"{format_duration(self.duration)} {self.basis.value}{where}"


@dataclass(frozen=True)
class TierTargets:
    """Targets for one severity at one tier; a missing target means that clock does not run."""

    first_response: Target | None = None
    update_interval: Target | None = None
    resolution: Target | None = None
    acceptance: Target | None = None

    def for_clock(self, kind: ClockKind) -> Target | None:
        return {
            ClockKind.FIRST_RESPONSE: self.first_response,
            ClockKind.NEXT_UPDATE: self.update_interval,
            ClockKind.RESOLUTION: self.resolution,
            ClockKind.ACCEPTANCE: self.acceptance,
        }.get(kind)


@dataclass(frozen=True)
class SeverityLevel:
    id: Severity
    label: str
    description: str = ""
    #: Base priority (1 = highest) before account value, exposure and urgency raise it.
    priority: int = 3
    targets: Mapping[str, TierTargets] = field(default_factory=dict)  # tier id → targets


@dataclass(frozen=True)
class PauseStatus:
    id: str
    label: str = ""
    pauses: frozenset[ClockKind] = frozenset()
