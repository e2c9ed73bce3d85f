"""The routing matrix: who takes a case, how fast, and why (R-POL-4, R-ROUTE-1).

``route`` picks the tier and team for a contact; ``explain`` adds the clocks and deadlines that
would govern it and names every policy row that played a part, so the answer can be checked
against the policy file line by line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tierline.domain.decisions import Explanation
from tierline.domain.policy import Policy, RouteTarget, Target
from tierline.domain.priority import assess_priority
from tierline.domain.vocabulary import (
    AccountValue,
    Channel,
    ClockKind,
    EscalationType,
    Severity,
    TimeBasis,
    TriggerKind,
)


class RoutingError(ValueError):
    """A contact type, situation or severity the policy does not know."""


@dataclass(frozen=True)
class RouteDecision:
    tier: str | None
    team: str | None
    escalation_type: EscalationType | None
    severity: Severity
    regulatory_obligation: str | None
    reasons: tuple[str, ...]  # the policy rows that decided, in order
    explanation: Explanation


def route(
    policy: Policy,
    contact_type: str,
    severity: Severity | None = None,
    channel: Channel | None = None,
    account_value: AccountValue = AccountValue.STANDARD,
    situation: str | None = None,
) -> RouteDecision:
    ctype = policy.contact_types.get(contact_type)
    if ctype is None:
        known = ", ".join(sorted(policy.contact_types)) or "none"
        raise RoutingError(f"unknown contact type '{contact_type}'; expected one of: {known}")
    if situation is not None and situation not in policy.situations:
        known = ", ".join(sorted(policy.situations)) or "none"
        raise RoutingError(f"unknown situation '{situation}'; expected one of: {known}")
    sev = severity or ctype.default_severity
    reasons: list[str] = []
    if severity is None:
        reasons.append(f"contact_types.{ctype.id}: default severity {sev.value}")
    target: RouteTarget | None = None
    etype: EscalationType | None = None
    obligation = ctype.regulatory_obligation
    sit = policy.situations[situation] if situation is not None else None
    rows = policy.routing
    if sit is not None:
        # A row that names the situation wins; then the situation's own route; then the
        # contact type's row, with the situation's escalation type.
        rows = tuple(r for r in rows if situation in r.situations) + tuple(
            r for r in rows if situation not in r.situations
        )
    for row in rows:
        if not row.matches(contact_type, channel, situation, sev, account_value):
            continue
        if sit is not None and situation not in row.situations and sit.route_to is not None:
            target, etype = sit.route_to, sit.escalation_type
            reasons.append(f"situations.{sit.id}: {sit.label or sit.id}")
            break
        target, etype = row.route_to, row.escalation_type
        reasons.append(f"routing {row.id}{' (' + row.source + ')' if row.source else ''}")
        break
    if sit is not None:
        if target is None and sit.route_to is not None:
            target = sit.route_to
            reasons.append(f"situations.{sit.id}: {sit.label or sit.id}")
        etype = etype or sit.escalation_type
        obligation = sit.regulatory_obligation or obligation
    if target is None:
        lowest = min(policy.tiers, key=lambda t: t.level) if policy.tiers else None
        target = RouteTarget(tier=lowest.id if lowest else None)
        reasons.append("no routing row matched: the lowest tier takes it")
    tier, team = policy.resolve_route(target)
    facts: dict[str, Any] = {
        "contact_type": contact_type,
        "severity": sev.value,
        "channel": channel.value if channel else None,
        "account_value": account_value.value,
        "situation": situation,
    }
    summary = f"{target.describe()} takes a {sev.value} '{contact_type}' contact"
    return RouteDecision(
        tier=tier,
        team=team,
        escalation_type=etype,
        severity=sev,
        regulatory_obligation=obligation,
        reasons=tuple(reasons),
        explanation=Explanation("routing", policy.version, facts, summary),
    )


@dataclass(frozen=True)
class ClockPromise:
    clock: ClockKind
    target: str  # e.g. "4h business (emea_support)"
    seconds: float
    basis: TimeBasis
    calendar: str
    source: str


@dataclass(frozen=True)
class MatrixAnswer:
    """The full answer of ``policy explain``."""

    route: RouteDecision
    priority: int
    priority_reason: str
    clocks: tuple[ClockPromise, ...]
    triggers: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def to_data(self) -> dict[str, Any]:
        r = self.route
        return {
            "policy_version": r.explanation.policy_version,
            "contact_type": r.explanation.facts["contact_type"],
            "severity": r.severity.value,
            "tier": r.tier,
            "team": r.team,
            "escalation_type": r.escalation_type.value if r.escalation_type else None,
            "regulatory_obligation": r.regulatory_obligation,
            "priority": self.priority,
            "priority_reason": self.priority_reason,
            "clocks": [
                {
                    "clock": c.clock.value,
                    "target": c.target,
                    "seconds": c.seconds,
                    "basis": c.basis.value,
                    "calendar": c.calendar,
                    "source": c.source,
                }
                for c in self.clocks
            ],
            "triggers": list(self.triggers),
            "why": list(r.reasons),
            "notes": list(self.notes),
        }


def explain(
    policy: Policy,
    contact_type: str,
    severity: Severity | None = None,
    channel: Channel | None = None,
    account_value: AccountValue = AccountValue.STANDARD,
    situation: str | None = None,
) -> MatrixAnswer:
    decision = route(policy, contact_type, severity, channel, account_value, situation)
    sev = decision.severity
    ctype = policy.contact_types[contact_type]
    prio = assess_priority(
        policy,
        sev,
        account_value,
        regulatory=decision.regulatory_obligation is not None,
        time_sensitive=ctype.time_sensitive,
    )
    calendar = policy.calendar_for_team(decision.team)
    clocks: list[ClockPromise] = []
    targets = policy.targets(sev, decision.tier)
    for kind in (
        ClockKind.FIRST_RESPONSE,
        ClockKind.NEXT_UPDATE,
        ClockKind.RESOLUTION,
        ClockKind.ACCEPTANCE,
    ):
        t = targets.for_clock(kind)
        if t is not None:
            clocks.append(
                _promise(kind, t, calendar, f"severities.{sev.value}.targets.{decision.tier}")
            )
    notes: list[str] = []
    if decision.regulatory_obligation:
        ob = policy.regulatory_obligations[decision.regulatory_obligation]
        clocks.append(_promise(ClockKind.REGULATORY, ob.deadline, calendar, f"regulatory.{ob.id}"))
        notes.append(
            f"{ob.label}: deadline never pauses" + (f" ({ob.reference})" if ob.reference else "")
        )
    if decision.escalation_type is not None:
        rule = policy.type_rule(decision.escalation_type)
        notice = rule.notice_within or policy.communication.escalation_notice
        notes.append(
            f"escalation notice to the customer within {notice.describe()}"
            f" (escalation_types.{decision.escalation_type.value})"
        )
    triggers = tuple(_static_triggers(policy, ctype.time_sensitive, account_value, decision))
    return MatrixAnswer(
        route=decision,
        priority=prio.priority,
        priority_reason=prio.explanation.summary,
        clocks=tuple(clocks),
        triggers=triggers,
        notes=tuple(notes),
    )


def _promise(kind: ClockKind, t: Target, team_calendar: str, source: str) -> ClockPromise:
    cal = t.calendar or team_calendar if t.basis is TimeBasis.BUSINESS else "24x7"
    return ClockPromise(
        clock=kind,
        target=t.describe()
        if t.calendar or t.basis is TimeBasis.CALENDAR
        else f"{t.describe()} ({cal})",
        seconds=t.duration.total_seconds(),
        basis=t.basis,
        calendar=cal,
        source=source,
    )


def _static_triggers(
    policy: Policy, time_sensitive: bool, value: AccountValue, decision: RouteDecision
) -> list[str]:
    """Trigger rules that apply from the contact itself, before anything happens on the case."""
    out = []
    for rule in policy.triggers:
        if not rule.enabled:
            continue
        applies = (
            (rule.kind is TriggerKind.ACCOUNT_VALUE and value.value in rule.values)
            or (rule.kind is TriggerKind.TIME_SENSITIVE_CATEGORY and time_sensitive)
            or (rule.kind is TriggerKind.REGULATORY_FLAG and decision.regulatory_obligation)
        )
        if applies:
            out.append(f"{rule.id} ({rule.kind.value}): {rule.description or 'applies at once'}")
        elif rule.kind is TriggerKind.TIME_IN_TIER and decision.tier:
            tier = policy.tier(decision.tier)
            if tier.max_time_in_tier:
                out.append(
                    f"{rule.id} (time_in_tier): moves up after {tier.max_time_in_tier.describe()}"
                    f" at {tier.id}"
                )
    return out
