"""The validated document → the domain's frozen ``Policy``.

Only called on a document that passed every check, so this is plain mapping with no decisions
left, except two that keep the domain's guarantees whatever the file says: every target carries
an explicit time basis, and the regulatory escalation type never pauses even when the file does
not mention it (the domain's default rule for an unlisted type would be pausable).
"""

from __future__ import annotations

from datetime import timedelta

from tierline.domain.calendar import WEEKDAYS, CalendarSpec, DayHours, parse_interval
from tierline.domain.policy import (
    AlertRules,
    AuthorityLimits,
    CommunicationStandards,
    Condition,
    ContactType,
    EscalationLevel,
    EscalationTypeRule,
    FollowUpRule,
    HandoffRules,
    OwnershipRules,
    PauseStatus,
    Policy,
    PriorityRules,
    RegulatoryObligation,
    Role,
    RootCause,
    RouteTarget,
    RoutingRow,
    SeverityLevel,
    Situation,
    Target,
    Team,
    Tier,
    TierTargets,
    TriggerAction,
    TriggerRule,
)
from tierline.domain.vocabulary import EscalationType, Severity, TimeBasis
from tierline.policy import schema as m
from tierline.policy.fields import TargetSpec, parse_level_at
from tierline.policy.sourcemap import SourceMap


def to_policy(doc: m.PolicyDocument, version: str, source_map: SourceMap) -> Policy:
    default_calendar = doc.default_calendar
    return Policy(
        name=doc.name,
        version=version,
        label=doc.label,
        currency=doc.currency,
        default_calendar=default_calendar,
        calendars={name: _calendar(name, c) for name, c in doc.calendars.items()},
        tiers=tuple(sorted((_tier(t) for t in doc.tiers), key=lambda t: t.level)),
        teams={
            name: Team(
                id=name,
                label=t.label,
                tier=t.tier,
                function=t.function,
                calendar=t.calendar or default_calendar,
                skills=tuple(t.skills),
                lead_role=t.lead_role,
            )
            for name, t in doc.teams.items()
        },
        roles={name: _role(name, r) for name, r in doc.roles.items()},
        contact_types={
            name: ContactType(
                name, c.label, c.default_severity, c.time_sensitive, c.regulatory_obligation
            )
            for name, c in doc.contact_types.items()
        },
        situations={
            name: Situation(
                name, s.label, s.escalation_type, _route(s.route_to), s.regulatory_obligation
            )
            for name, s in doc.situations.items()
        },
        routing=tuple(_row(i, r, source_map) for i, r in enumerate(doc.routing)),
        severities={
            Severity(sev): _severity(Severity(sev), s) for sev, s in doc.severities.items()
        },
        pause_statuses={
            name: PauseStatus(name, p.label, frozenset(p.pauses))
            for name, p in doc.pause_statuses.items()
        },
        warning_fractions=tuple(doc.warning_fractions),
        escalation_levels=tuple(_level(lv) for lv in doc.escalation_levels),
        triggers=tuple(_trigger(t) for t in doc.triggers),
        escalation_types=_types(doc),
        regulatory_obligations={
            name: RegulatoryObligation(
                name, o.label, _target(o.deadline), _opt_target(o.acknowledge_within), o.reference
            )
            for name, o in doc.regulatory_obligations.items()
        },
        communication=_communication(doc.communication),
        ownership=OwnershipRules(
            doc.ownership.model, doc.ownership.coordinator_role, tuple(doc.ownership.vacuum_notify)
        ),
        root_causes={
            name: RootCause(name, rc.label, rc.signal, rc.at_fault)
            for name, rc in doc.root_causes.items()
        },
        handoff=HandoffRules(tuple(doc.handoff.required), doc.handoff.min_text),
        priority=PriorityRules(**doc.priority.model_dump()),
        approval_target=_target(doc.approval_target),
        alerts=AlertRules(
            repeat_every=doc.alerts.repeat_every,
            max_repeats=doc.alerts.max_repeats,
            dedupe_window=doc.alerts.dedupe_window,
            digest_kinds=tuple(doc.alerts.digest_kinds),
            digest_every=doc.alerts.digest_every,
            route_to_on_duty=doc.alerts.route_to_on_duty,
        ),
        frustration_terms=tuple(doc.frustration_terms),
        sensitive_fields=tuple(doc.sensitive_fields),
    )


def _target(spec: TargetSpec) -> Target:
    return Target(spec.duration, spec.time or TimeBasis.BUSINESS, spec.calendar)


def _opt_target(spec: TargetSpec | None) -> Target | None:
    return None if spec is None else _target(spec)


def _day(intervals: list[str]) -> DayHours:
    return tuple(sorted(parse_interval(text) for text in intervals))


def _calendar(name: str, cal: m.CalendarModel) -> CalendarSpec:
    hol = cal.holidays
    hours: dict[str, list[str]] = {str(day): spans for day, spans in (cal.hours or {}).items()}
    return CalendarSpec(
        name=name,
        timezone=cal.timezone,
        weekly=None if cal.always_open else tuple(_day(hours.get(day) or []) for day in WEEKDAYS),
        holiday_country=hol.country if hol else None,
        holiday_subdivision=hol.subdivision if hol else None,
        closed_dates=frozenset(hol.closed) if hol else frozenset(),
        open_dates=frozenset(hol.open) if hol else frozenset(),
        special_hours=tuple(sorted((d, _day(h)) for d, h in cal.special_hours.items())),
    )


def _tier(t: m.TierModel) -> Tier:
    return Tier(t.id, t.level, t.label, _opt_target(t.max_time_in_tier))


def _role(name: str, r: m.RoleModel) -> Role:
    lim = r.limits
    limits = AuthorityLimits(
        lim.credit, lim.refund, lim.fee_waiver, lim.policy_exception, lim.timeline_commitment
    )
    return Role(name, r.label, r.rank, limits, frozenset(r.permissions))


def _route(route: m.RouteTo | None) -> RouteTarget | None:
    return None if route is None else RouteTarget(route.tier, route.team)


def _row(index: int, row: m.RoutingRowModel, source_map: SourceMap) -> RoutingRow:
    return RoutingRow(
        id=row.id,
        route_to=RouteTarget(row.route_to.tier, row.route_to.team),
        contact_types=tuple(row.contact_types),
        channels=tuple(row.channels),
        situations=tuple(row.situations),
        severities=tuple(row.severities),
        min_account_value=row.min_account_value,
        escalation_type=row.escalation_type,
        source=f"line {source_map.line_of(('routing', index))}",
    )


def _severity(sev: Severity, s: m.SeverityModel) -> SeverityLevel:
    targets = {
        tier: TierTargets(
            _opt_target(t.first_response),
            _opt_target(t.update_interval),
            _opt_target(t.resolution),
            _opt_target(t.acceptance),
        )
        for tier, t in s.targets.items()
    }
    return SeverityLevel(sev, s.label, s.description, s.priority, targets)


def _level(lv: m.EscalationLevelModel) -> EscalationLevel:
    at, after = parse_level_at(lv.at)
    return EscalationLevel(at, after, tuple(lv.notify), lv.escalate, frozenset(lv.clocks))


def _trigger(t: m.TriggerModel) -> TriggerRule:
    act = t.action
    action = TriggerAction(
        _route(act.escalate_to), act.next_tier, act.type, tuple(act.notify), act.raise_priority
    )
    conditions = tuple(
        Condition(c.field, c.op, tuple(c.value) if isinstance(c.value, list) else c.value)
        for c in t.when
    )
    return TriggerRule(
        id=t.id,
        kind=t.kind,
        action=action,
        description=t.description,
        conditions=conditions,
        threshold=t.threshold or 0,
        wait=t.wait or timedelta(0),
        values=tuple(t.values or ()),
        min_score=t.min_score or 0.0,
        enabled=t.enabled,
    )


def _types(doc: m.PolicyDocument) -> dict[EscalationType, EscalationTypeRule]:
    out: dict[EscalationType, EscalationTypeRule] = {}
    for key, r in doc.escalation_types.items():
        etype = EscalationType(key)
        pausable = etype is not EscalationType.REGULATORY and r.pausable is not False
        out[etype] = EscalationTypeRule(
            type=etype,
            label=r.label,
            default_owner=_route(r.default_owner),
            acceptance=_opt_target(r.acceptance),
            notice_within=_opt_target(r.notice_within),
            follow_up=r.follow_up,
            pausable=pausable,
            raise_priority=r.raise_priority,
        )
    out.setdefault(
        EscalationType.REGULATORY,
        EscalationTypeRule(type=EscalationType.REGULATORY, pausable=False),
    )
    return out


def _communication(c: m.CommunicationModel) -> CommunicationStandards:
    f = c.follow_up
    return CommunicationStandards(
        escalation_notice=_target(c.escalation_notice),
        daily_updates=c.daily_updates,
        daily_after=_target(c.daily_after),
        resolution_parts=tuple(c.resolution_parts),
        follow_up=FollowUpRule(f.after, f.within, tuple(f.severities), tuple(f.types)),
        max_commitment=_target(c.max_commitment),
        confirmation_window=c.confirmation_window,
        reopen_window=c.reopen_window,
        repeat_escalation_window=c.repeat_escalation_window,
        repeat_contact_window=c.repeat_contact_window,
        templates={kind: dict(texts) for kind, texts in c.templates.items()},
        acknowledge_within=_target(c.acknowledge_within),
        resolution_message_within=_target(c.resolution_message_within),
        auto_send=tuple(c.auto_send),
        inbound_contact_type=c.inbound_contact_type or "",
    )
