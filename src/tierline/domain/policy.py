"""The escalation policy as the domain sees it: immutable, validated, cross-referenced data.

The policy layer (``tierline.policy``) reads YAML, reports problems with their location and builds
these objects; nothing here knows about YAML or Pydantic. Every object is frozen so a policy (or a
plan frozen from it) can be shared between threads and never changes under a running escalation.

This module holds the root, :class:`Policy`, and its lookups. The parts it is made of live in
modules by theme — ``policy_targets`` (clock targets and pauses), ``policy_routing`` (tiers,
teams, routing), ``policy_authority`` (roles and limits), ``policy_escalation`` (levels, triggers,
escalation types, obligations, priority, alerts), ``policy_comms`` (communication standards) and
``policy_casework`` (ownership, handoffs, root causes) — and are re-exported here, so
``from tierline.domain.policy import X`` works for every one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from tierline.domain.calendar import CalendarSpec
from tierline.domain.policy_authority import PERMISSIONS, AuthorityLimits, Role
from tierline.domain.policy_casework import HandoffRules, OwnershipRules, RootCause
from tierline.domain.policy_comms import (
    COMMUNICATION_KINDS,
    RESOLUTION_PARTS,
    CommunicationStandards,
    FollowUpRule,
)
from tierline.domain.policy_escalation import (
    NOTIFY_RELATIONS,
    AlertRules,
    Condition,
    EscalationLevel,
    EscalationTypeRule,
    PriorityRules,
    RegulatoryObligation,
    TriggerAction,
    TriggerRule,
)
from tierline.domain.policy_routing import (
    ContactType,
    RouteTarget,
    RoutingRow,
    Situation,
    Team,
    Tier,
)
from tierline.domain.policy_targets import PauseStatus, SeverityLevel, Target, TierTargets
from tierline.domain.vocabulary import ClockKind, EscalationType, Severity, TimeBasis

__all__ = [
    "COMMUNICATION_KINDS",
    "NOTIFY_RELATIONS",
    "PERMISSIONS",
    "RESOLUTION_PARTS",
    "AlertRules",
    "AuthorityLimits",
    "CommunicationStandards",
    "Condition",
    "ContactType",
    "EscalationLevel",
    "EscalationTypeRule",
    "FollowUpRule",
    "HandoffRules",
    "OwnershipRules",
    "PauseStatus",
    "Policy",
    "PriorityRules",
    "RegulatoryObligation",
    "Role",
    "RootCause",
    "RouteTarget",
    "RoutingRow",
    "SeverityLevel",
    "Situation",
    "Target",
    "Team",
    "Tier",
    "TierTargets",
    "TriggerAction",
    "TriggerRule",
]


@dataclass(frozen=True)
class Policy:
    name: str
    version: str  # content hash of the validated document
    label: str = ""
    currency: str = "EUR"
    default_calendar: str = ""
    calendars: Mapping[str, CalendarSpec] = field(default_factory=dict)
    tiers: tuple[Tier, ...] = ()  # ordered by level
    teams: Mapping[str, Team] = field(default_factory=dict)
    roles: Mapping[str, Role] = field(default_factory=dict)
    contact_types: Mapping[str, ContactType] = field(default_factory=dict)
    situations: Mapping[str, Situation] = field(default_factory=dict)
    routing: tuple[RoutingRow, ...] = ()
    severities: Mapping[Severity, SeverityLevel] = field(default_factory=dict)
    pause_statuses: Mapping[str, PauseStatus] = field(default_factory=dict)
    warning_fractions: tuple[float, ...] = (0.75,)
    escalation_levels: tuple[EscalationLevel, ...] = ()
    triggers: tuple[TriggerRule, ...] = ()
    escalation_types: Mapping[EscalationType, EscalationTypeRule] = field(default_factory=dict)
    regulatory_obligations: Mapping[str, RegulatoryObligation] = field(default_factory=dict)
    communication: CommunicationStandards = field(default_factory=CommunicationStandards)
    ownership: OwnershipRules = field(default_factory=OwnershipRules)
    root_causes: Mapping[str, RootCause] = field(default_factory=dict)
    handoff: HandoffRules = field(default_factory=HandoffRules)
    priority: PriorityRules = field(default_factory=PriorityRules)
    approval_target: Target = Target(timedelta(hours=4), TimeBasis.BUSINESS)
    alerts: AlertRules = field(default_factory=AlertRules)
    frustration_terms: tuple[str, ...] = ()
    sensitive_fields: tuple[str, ...] = ()

    # ----------------------------------------------------------------- lookups

    def tier(self, tier_id: str) -> Tier:
        for t in self.tiers:
            if t.id == tier_id:
                return t
        raise KeyError(tier_id)

    def tier_level(self, tier_id: str | None) -> int:
        if tier_id is None:
            return 0
        for t in self.tiers:
            if t.id == tier_id:
                return t.level
        return 0

    def next_tier(self, tier_id: str | None) -> Tier | None:
        """The tier above ``tier_id`` (the lowest tier when the case has none)."""
        level = self.tier_level(tier_id)
        above = [t for t in self.tiers if t.level > level]
        return min(above, key=lambda t: t.level) if above else None

    def team_for_tier(self, tier_id: str) -> Team | None:
        """The default team of a tier: the first team at that tier without a special function."""
        candidates = [t for t in self.teams.values() if t.tier == tier_id]
        plain = [t for t in candidates if not t.function]
        chosen = plain or candidates
        return chosen[0] if chosen else None

    def tier_of_team(self, team_id: str | None) -> str | None:
        team = self.teams.get(team_id) if team_id else None
        return team.tier if team else None

    def resolve_route(self, route: RouteTarget) -> tuple[str | None, str | None]:
        """(tier, team) for a route: a team implies its tier, a tier its default team."""
        if route.team:
            team = self.teams[route.team]
            return (route.tier or team.tier, team.id)
        if route.tier:
            default = self.team_for_tier(route.tier)
            return (route.tier, default.id if default else None)
        return (None, None)

    def targets(self, severity: Severity, tier_id: str | None) -> TierTargets:
        level = self.severities.get(severity)
        if level is None or tier_id is None:
            return TierTargets()
        return level.targets.get(tier_id, TierTargets())

    def calendar_for_team(self, team_id: str | None) -> str:
        team = self.teams.get(team_id) if team_id else None
        return (team.calendar if team and team.calendar else None) or self.default_calendar

    def role_limits(self, role_id: str) -> AuthorityLimits:
        return self.roles[role_id].limits

    def pausing_statuses(self, kind: ClockKind) -> frozenset[str]:
        return frozenset(s.id for s in self.pause_statuses.values() if kind in s.pauses)

    def type_rule(self, etype: EscalationType) -> EscalationTypeRule:
        rule = self.escalation_types.get(etype)
        if rule is None:  # defaults; a regulatory deadline is never pausable
            rule = EscalationTypeRule(type=etype, pausable=etype is not EscalationType.REGULATORY)
        return rule
