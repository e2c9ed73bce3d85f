"""The escalation policy as the domain sees it: immutable, validated, cross-referenced data.

The policy layer (``tierline.policy``) reads YAML, reports problems with their location and builds
these objects; nothing here knows about YAML or Pydantic. Every object is frozen so a policy (or a
plan frozen from it) can be shared between threads and never changes under a running escalation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from tierline.domain.calendar import CalendarSpec
from tierline.domain.vocabulary import (
    AccountValue,
    ActionKind,
    Channel,
    ClockKind,
    EscalationType,
    OwnershipModel,
    Severity,
    TimeBasis,
    TriggerKind,
)


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
class AuthorityLimits:
    """What a role may decide alone (R-AUTH-1). Money is in the policy's currency."""

    credit: Decimal = Decimal(0)
    refund: Decimal = Decimal(0)
    fee_waiver: Decimal = Decimal(0)
    policy_exception: bool = False
    timeline_commitment: timedelta = timedelta(0)

    def covers(self, kind: ActionKind, amount: Decimal | timedelta | bool) -> bool:
        if kind is ActionKind.POLICY_EXCEPTION:
            return self.policy_exception
        if kind is ActionKind.TIMELINE_COMMITMENT:
            assert isinstance(amount, timedelta)
            return amount <= self.timeline_commitment
        assert isinstance(amount, Decimal)
        limit = {
            ActionKind.CREDIT: self.credit,
            ActionKind.REFUND: self.refund,
            ActionKind.FEE_WAIVER: self.fee_waiver,
        }[kind]
        return amount <= limit

    def limit_of(self, kind: ActionKind) -> Decimal | timedelta | bool:
        limits: dict[ActionKind, Decimal | timedelta | bool] = {
            ActionKind.CREDIT: self.credit,
            ActionKind.REFUND: self.refund,
            ActionKind.FEE_WAIVER: self.fee_waiver,
            ActionKind.POLICY_EXCEPTION: self.policy_exception,
            ActionKind.TIMELINE_COMMITMENT: self.timeline_commitment,
        }
        return limits[kind]


#: Permissions a role can be granted; the API checks them (R-AUTH-4).
PERMISSIONS: frozenset[str] = frozenset(
    {
        "case.read",  # see cases of one's own team
        "case.read_all",  # see every case
        "case.write",  # open cases, add messages, change status
        "case.escalate",
        "case.accept",
        "case.resolve",
        "approval.decide",
        "policy.read",
        "policy.write",
        "user.admin",
        "sensitive.read",
        "report.read",
    }
)


@dataclass(frozen=True)
class Role:
    id: str
    label: str = ""
    #: Seniority; approvals go to the lowest-ranked role whose limit covers the action.
    rank: int = 0
    limits: AuthorityLimits = field(default_factory=AuthorityLimits)
    permissions: frozenset[str] = frozenset()


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


@dataclass(frozen=True)
class PauseStatus:
    id: str
    label: str = ""
    pauses: frozenset[ClockKind] = frozenset()


@dataclass(frozen=True)
class EscalationLevel:
    """Who hears about a clock at warning, at breach, and at breach + N (R-TRIG-2)."""

    at: str  # "warning" or "breach"
    after: timedelta = timedelta(0)  # only for "breach": breach + after
    notify: tuple[str, ...] = ()  # role ids, or owner / team_lead / coordinator / account_manager
    escalate: bool = False  # move the case to the next tier (an SLA escalation)
    clocks: frozenset[ClockKind] = frozenset()  # empty: every clock

    @property
    def stage(self) -> str:
        """A stable name for the level, used to record that it has fired."""
        if self.at == "warning":
            return "warning"
        return "breach" if not self.after else f"breach+{int(self.after.total_seconds())}s"

    def applies_to(self, kind: ClockKind) -> bool:
        return not self.clocks or kind in self.clocks


#: Names that may appear in ``notify`` lists besides role ids.
NOTIFY_RELATIONS: frozenset[str] = frozenset(
    {"owner", "team_lead", "coordinator", "account_manager", "next_comm_owner", "previous_owner"}
)


@dataclass(frozen=True)
class Condition:
    """A typed test of one case fact: ``severity in [S1, S2]``, ``repeat_contacts >= 3``."""

    field: str
    op: str  # eq, ne, in, not_in, gt, gte, lt, lte, contains
    value: object


@dataclass(frozen=True)
class TriggerAction:
    escalate_to: RouteTarget | None = None
    #: Escalate one tier up from wherever the case is, instead of a fixed target.
    next_tier: bool = False
    escalation_type: EscalationType = EscalationType.TIER
    notify: tuple[str, ...] = ()
    raise_priority: int = 0


@dataclass(frozen=True)
class TriggerRule:
    """An explicit escalation rule (R-TRIG-1): a built-in kind, its parameters, extra conditions."""

    id: str
    kind: TriggerKind
    action: TriggerAction
    description: str = ""
    conditions: tuple[Condition, ...] = ()
    # Parameters; each kind reads the ones it needs (validated by the policy layer).
    threshold: int = 0  # repeat_contacts, many_affected
    wait: timedelta = timedelta(0)  # customer_wait (calendar time)
    values: tuple[str, ...] = ()  # account_value: value flags; time_sensitive: categories
    min_score: float = 0.0  # frustration
    enabled: bool = True


@dataclass(frozen=True)
class EscalationTypeRule:
    """Defaults per escalation type (SPEC §2)."""

    type: EscalationType
    label: str = ""
    default_owner: RouteTarget | None = None
    #: Overrides the acceptance target of the receiving tier for this type.
    acceptance: Target | None = None
    #: Overrides the escalation notice deadline (R-COMM-1) for this type.
    notice_within: Target | None = None
    follow_up: bool = False
    pausable: bool = True  # always False for regulatory: the policy layer refuses True
    raise_priority: int = 0


@dataclass(frozen=True)
class RegulatoryObligation:
    """An external obligation: its deadline comes from the rule, never from an SLA, never pauses."""

    id: str
    label: str
    deadline: Target
    acknowledge_within: Target | None = None
    reference: str = ""  # e.g. the rule's citation


@dataclass(frozen=True)
class FollowUpRule:
    after: timedelta = timedelta(hours=48)
    within: timedelta = timedelta(hours=72)
    severities: tuple[Severity, ...] = (Severity.S1,)
    types: tuple[EscalationType, ...] = (EscalationType.CUSTOMER_INITIATED,)


#: The parts a resolution message must contain (R-COMM-3).
RESOLUTION_PARTS: tuple[str, ...] = (
    "what_was_done",
    "impact_acknowledged",
    "root_cause",
    "recurrence_prevention",
    "apology",
)


@dataclass(frozen=True)
class CommunicationStandards:
    escalation_notice: Target = Target(timedelta(hours=1), TimeBasis.CALENDAR)
    #: A proactive update every business day once the case is open longer than ``daily_after``.
    daily_updates: bool = True
    daily_after: Target = Target(timedelta(hours=8), TimeBasis.BUSINESS)
    resolution_parts: tuple[str, ...] = RESOLUTION_PARTS
    follow_up: FollowUpRule = field(default_factory=FollowUpRule)
    #: A customer-initiated escalation's commitment may not be further away than this.
    max_commitment: Target = Target(timedelta(days=2), TimeBasis.BUSINESS)
    #: A resolved case not confirmed by the customer within this window is process-closed.
    confirmation_window: timedelta = timedelta(days=7)
    reopen_window: timedelta = timedelta(days=14)
    repeat_escalation_window: timedelta = timedelta(days=30)
    repeat_contact_window: timedelta = timedelta(days=7)
    templates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # kind → lang → text
    #: A customer who asks for a manager is acknowledged within this, before any transfer.
    acknowledge_within: Target = Target(timedelta(minutes=15), TimeBasis.CALENDAR)
    #: A case resolved without its resolution message must send it within this.
    resolution_message_within: Target = Target(timedelta(hours=1), TimeBasis.CALENDAR)
    #: Communication kinds Tierline sends itself from their template when they come due
    #: (e.g. the follow-up when its window opens, a daily update nobody wrote).
    auto_send: tuple[str, ...] = ("follow_up",)
    #: The contact type of a case opened by an inbound e-mail that matches no case.
    inbound_contact_type: str = ""


#: Kinds of required customer communication (R-COMM-1..5), each a clock of its own.
COMMUNICATION_KINDS: tuple[str, ...] = (
    "acknowledgement",
    "escalation_notice",
    "daily_update",
    "resolution",
    "follow_up",
    "commitment",
)


@dataclass(frozen=True)
class AlertRules:
    """Staff alerts without fatigue: repeat until acknowledged, on duty only, deduplicated,
    batched into digests for the kinds the policy names."""

    repeat_every: timedelta = timedelta(minutes=15)
    max_repeats: int = 3
    dedupe_window: timedelta = timedelta(minutes=10)
    digest_kinds: tuple[str, ...] = ("warning",)
    digest_every: timedelta = timedelta(minutes=30)
    route_to_on_duty: bool = True


@dataclass(frozen=True)
class OwnershipRules:
    model: OwnershipModel = OwnershipModel.RELAY
    coordinator_role: str | None = None
    #: Who hears about an ownership vacuum (acceptance overdue).
    vacuum_notify: tuple[str, ...] = ("coordinator", "team_lead")


@dataclass(frozen=True)
class RootCause:
    id: str
    label: str = ""
    signal: str = "product"  # product, training, capacity, policy, customer
    at_fault: bool = True  # the organisation was at fault: the resolution must apologise


@dataclass(frozen=True)
class HandoffRules:
    required: tuple[str, ...] = (
        "issue_summary",
        "steps_taken",
        "reason",
        "customer_told",
        "emotional_state",
        "stated_urgency",
    )
    #: Below this many characters a text field counts as missing ("n/a", "see notes").
    min_text: int = 12


@dataclass(frozen=True)
class PriorityRules:
    """R-TRIG-5: how much each fact raises priority (subtracted from the base, 1 is highest)."""

    vip_boost: int = 1
    strategic_boost: int = 1
    regulatory_boost: int = 1
    time_sensitive_boost: int = 1
    affected_customers_boost_at: int = 10
    affected_customers_boost: int = 1


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
