"""Policy data for where a case goes: the tier ladder, teams, contact types, situations and the
routing matrix.

These describe the organisation a case moves through; routing (``domain.routing``) and the
``Policy`` lookups read them, and nothing here decides anything beyond matching one row.
"""

from __future__ import annotations

from dataclasses import dataclass

from tierline.domain.policy_targets import Target
from tierline.domain.vocabulary import AccountValue, Channel, EscalationType, Severity


@dataclass(frozen=True)
class Tier:
    id: str
    level: int
    label: str = ""
    #: Longest a case may stay at this tier before the time-in-tier trigger may move it up.
    max_time_in_tier: Target | None = None


@dataclass(frozen=True)
class Team:
    id: str
    label: str = ""
    tier: str | None = None  # None for a specialist function outside the tier ladder
    function: str | None = None  # e.g. finance, engineering, security, compliance
    calendar: str = ""
    skills: tuple[str, ...] = ()
    #: The role notified as "team_lead" for this team at escalation levels.
    lead_role: str | None = None


@dataclass(frozen=True)
class RouteTarget:
    """Where a case goes: a tier (its default team) and/or a named team."""

    tier: str | None = None
    team: str | None = None

    def describe(self) -> str:
        if self.team and self.tier:
            return f"team {self.team} ({self.tier})"
        return f"team {self.team}" if self.team else f"tier {self.tier}"


@dataclass(frozen=True)
class ContactType:
    id: str
    label: str = ""
    default_severity: Severity = Severity.S3
    #: Outage, fraud, security, urgent delivery… raise priority and may trigger at once.
    time_sensitive: bool = False
    #: A regulatory obligation that applies to every case of this type.
    regulatory_obligation: str | None = None


@dataclass(frozen=True)
class Situation:
    """Something said or found during a case that changes its path ("asks for a manager")."""

    id: str
    label: str = ""
    escalation_type: EscalationType = EscalationType.TIER
    route_to: RouteTarget | None = None
    regulatory_obligation: str | None = None


@dataclass(frozen=True)
class RoutingRow:
    """One row of the routing matrix; empty selectors match anything. First match wins."""

    id: str
    route_to: RouteTarget
    contact_types: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    situations: tuple[str, ...] = ()
    severities: tuple[Severity, ...] = ()
    min_account_value: AccountValue | None = None
    escalation_type: EscalationType | None = None
    #: Where the row is in the policy file, for explanations ("routing[3], line 120").
    source: str = ""

    def matches(
        self,
        contact_type: str,
        channel: Channel | None,
        situation: str | None,
        severity: Severity,
        account_value: AccountValue,
    ) -> bool:
        if self.contact_types and contact_type not in self.contact_types:
            return False
        if self.channels and channel not in self.channels:
            return False
        if self.situations and situation not in self.situations:
            return False
        if self.severities and severity not in self.severities:
            return False
        return not (self.min_account_value and account_value.rank < self.min_account_value.rank)
