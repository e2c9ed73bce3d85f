"""Which SLA clocks a case has, read off its history (the input of :mod:`tierline.domain.clocks`).

Each clock lives in a *slot* (``first_response``, ``resolution``, ``next_update``,
``acceptance:<escalation>``…); a slot holds at most one running clock, and a clock's key is
unique within the case (``next_update#3``) so a fired stage names exactly one clock. Customer
communication deadlines are read by :mod:`tierline.domain.communication` in the same form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tierline.domain.calendar import ALWAYS_OPEN
from tierline.domain.events import CaseEvent, EventKind, parse_instant
from tierline.domain.policy import Policy, Target
from tierline.domain.vocabulary import (
    PAUSABLE_CLOCKS,
    CaseStatus,
    ClockKind,
    EscalationType,
    MessageDirection,
    Severity,
    TimeBasis,
)

Span = tuple[float, float | None]  # epoch seconds; None = still going


@dataclass
class Spec:
    key: str
    kind: ClockKind
    start: datetime
    target: Target
    calendar: str
    pausable: bool
    stop: datetime | None = None
    cancelled: bool = False
    subject: str | None = None
    fixed_due: datetime | None = None  # a promised instant (commitments)
    opens_at: datetime | None = None  # a window's opening (follow-up): stage "open"
    warnings: bool = True  # warning stages at the policy's fractions
    levels: bool = True  # breach + N stages from the escalation levels
    missed: bool = False  # a window that closed without the required act


@dataclass
class Timeline:
    """What the clock specs need from the history, gathered in one pass."""

    statuses: list[tuple[float, str]] = field(default_factory=list)
    specs: list[Spec] = field(default_factory=list)
    fired: set[tuple[str, str]] = field(default_factory=set)
    severity: Severity = Severity.S3
    tier: str | None = None
    team: str | None = None


def acceptance_target(
    policy: Policy, escalated: Mapping[str, Any], severity: Severity
) -> Target | None:
    """How long the receiving side of a transfer has to accept it: the escalation type's own
    target, else the receiving tier's for the case's severity."""
    rule = policy.type_rule(EscalationType(escalated.get("type") or "tier"))
    to_tier = escalated.get("to_tier") or policy.tier_of_team(escalated.get("to_team"))
    return rule.acceptance or policy.targets(severity, to_tier).acceptance


def acceptance_spec(
    policy: Policy, escalated: CaseEvent, severity: Severity, team: str | None
) -> Spec | None:
    """The acceptance clock one ``escalated`` event starts, exactly as :func:`gather_sla` builds
    it; lets a caller that already holds a case's clocks add this one without re-reading the
    whole history (the replay does, for every transfer of a log)."""
    data = escalated.data
    target = acceptance_target(policy, data, severity)
    if target is None:
        return None
    esc_id = str(data.get("escalation_id"))
    return Spec(
        f"acceptance:{esc_id}",
        ClockKind.ACCEPTANCE,
        escalated.at,
        target,
        _calendar_of(policy, target, data.get("to_team") or team),
        ClockKind.ACCEPTANCE in PAUSABLE_CLOCKS,
        subject=esc_id,
    )


def _calendar_of(policy: Policy, t: Target, team: str | None) -> str:
    if t.basis is not TimeBasis.BUSINESS:
        return ALWAYS_OPEN.name
    return t.calendar or policy.calendar_for_team(team) or ALWAYS_OPEN.name


def gather_sla(history: Sequence[CaseEvent], policy: Policy) -> Timeline:
    """One pass over the history: status spans, clock specs, stages already acted on.

    Each clock lives in a *slot* (``first_response``, ``resolution``, ``next_update``,
    ``acceptance:<escalation>``…); a slot holds at most one running clock, and a clock's key is
    unique within the case (``next_update#3``) so a fired stage names exactly one clock.
    """
    line = Timeline()
    if not history:
        return line
    opened = history[0]
    d = opened.data
    line.severity = Severity(d.get("severity") or "S3")
    line.tier, line.team = d.get("tier"), d.get("team")
    line.statuses.append((opened.at.timestamp(), str(d.get("status") or CaseStatus.NEW.value)))
    slots: dict[str, Spec] = {}
    counters: dict[str, int] = {}
    first_response_done = False
    resolved = False

    def calendar_of(t: Target, team: str | None) -> str:
        return _calendar_of(policy, t, team)

    def begin(
        slot: str,
        kind: ClockKind,
        at: datetime,
        target: Target | None,
        team: str | None,
        *,
        pausable: bool = True,
        subject: str | None = None,
        fixed_due: datetime | None = None,
        repeating: bool = False,
    ) -> None:
        if target is None:
            return
        old = slots.get(slot)
        if old is not None and old.stop is None:
            old.stop, old.cancelled = at, True  # superseded
        if repeating:
            counters[slot] = counters.get(slot, 0) + 1
            key = f"{slot}#{counters[slot]}"
        else:
            key = slot
        spec = Spec(
            key,
            kind,
            at,
            target,
            calendar_of(target, team),
            pausable and kind in PAUSABLE_CLOCKS,
            subject=subject,
            fixed_due=fixed_due,
        )
        slots[slot] = spec
        line.specs.append(spec)

    def end(slot: str, at: datetime, *, cancelled: bool = False) -> None:
        spec = slots.get(slot)
        if spec is not None and spec.stop is None:
            spec.stop, spec.cancelled = at, cancelled

    def retarget(slot: str) -> None:
        spec = slots.get(slot)
        if spec is not None and spec.stop is None:
            t = policy.targets(line.severity, line.tier).for_clock(spec.kind)
            if t is not None:
                if (t.basis, t.calendar) != (spec.target.basis, spec.target.calendar):
                    # A calendar-time target (S1) must not keep counting business hours, and
                    # vice versa: the calendar follows the new target's basis.
                    spec.calendar = calendar_of(t, line.team)
                spec.target = t

    def begin_regulatory(ob_id: str, at: datetime) -> None:
        ob = policy.regulatory_obligations.get(ob_id)
        if ob is None or f"regulatory:{ob_id}" in slots:
            return
        begin(
            f"regulatory:{ob_id}",
            ClockKind.REGULATORY,
            at,
            ob.deadline,
            line.team,
            pausable=False,
            subject=ob_id,
        )
        begin(
            f"regulatory_ack:{ob_id}",
            ClockKind.REGULATORY,
            at,
            ob.acknowledge_within,
            line.team,
            pausable=False,
            subject=ob_id,
        )

    def targets(kind: ClockKind, tier: str | None) -> Target | None:
        return policy.targets(line.severity, tier).for_clock(kind)

    begin(
        "first_response",
        ClockKind.FIRST_RESPONSE,
        opened.at,
        targets(ClockKind.FIRST_RESPONSE, line.tier),
        line.team,
    )
    begin(
        "resolution",
        ClockKind.RESOLUTION,
        opened.at,
        targets(ClockKind.RESOLUTION, line.tier),
        line.team,
        repeating=True,
    )
    if d.get("regulatory_obligation"):
        begin_regulatory(str(d["regulatory_obligation"]), opened.at)

    for ev in history[1:]:
        at, kind, data = ev.at, ev.kind, ev.data
        if kind is EventKind.MESSAGE:
            # A message Tierline sent by itself (a template on a timer) is not a person
            # answering: it meets communication deadlines, not response clocks or promises.
            human = not data.get("auto")
            if data.get("direction") == MessageDirection.OUTBOUND and not resolved and human:
                if not first_response_done:
                    first_response_done = True
                    end("first_response", at)
                for slot in [s for s in slots if s.startswith(("regulatory_ack:", "commitment"))]:
                    end(slot, at)
                begin(
                    "next_update",
                    ClockKind.NEXT_UPDATE,
                    at,
                    targets(ClockKind.NEXT_UPDATE, line.tier),
                    line.team,
                    repeating=True,
                )
        elif kind is EventKind.STATUS_CHANGED:
            line.statuses.append((at.timestamp(), str(data["to"])))
        elif kind is EventKind.SEVERITY_CHANGED:
            line.severity = Severity(data["to"])
            for slot in ("first_response", "resolution", "next_update"):
                retarget(slot)
        elif kind is EventKind.ESCALATED:
            esc_id = str(data.get("escalation_id"))
            begin(
                f"acceptance:{esc_id}",
                ClockKind.ACCEPTANCE,
                at,
                acceptance_target(policy, data, line.severity),
                data.get("to_team") or line.team,
                subject=esc_id,
            )
        elif kind is EventKind.ACCEPTED:
            end(f"acceptance:{data.get('escalation_id')}", at)
            line.team = data.get("team") or line.team
            new_tier = data.get("tier") or line.tier
            if new_tier != line.tier:
                line.tier = new_tier
                retarget("resolution")
        elif kind is EventKind.TRANSFER_CANCELLED:
            end(f"acceptance:{data.get('escalation_id')}", at, cancelled=True)
        elif kind is EventKind.ASSIGNED:
            line.team = data.get("team") or line.team
            line.tier = data.get("tier") or line.tier
        elif kind is EventKind.FLAGGED:
            if data.get("regulatory_obligation"):
                begin_regulatory(str(data["regulatory_obligation"]), at)
        elif kind is EventKind.APPROVAL_REQUESTED:
            approval = str(data["approval_id"])
            begin(
                f"approval:{approval}",
                ClockKind.APPROVAL,
                at,
                policy.approval_target,
                line.team,
                pausable=False,
                subject=approval,
                fixed_due=parse_instant(data.get("due_at")),
            )
        elif kind is EventKind.APPROVAL_DECIDED:
            end(f"approval:{data['approval_id']}", at)
        elif kind is EventKind.COMMITMENT_MADE:
            due = parse_instant(data.get("due_at"))
            if due is not None:
                ahead = max(due.timestamp() - at.timestamp(), 0.0)
                target = Target(timedelta(seconds=ahead), TimeBasis.CALENDAR)
                begin(
                    "commitment",
                    ClockKind.COMMITMENT,
                    at,
                    target,
                    line.team,
                    pausable=False,
                    subject=data.get("by"),
                    fixed_due=due,
                    repeating=True,
                )
        elif kind is EventKind.RESOLVED:
            resolved = True
            line.statuses.append((at.timestamp(), CaseStatus.RESOLVED.value))
            for slot in slots:
                # The resolution answers the customer: response, resolution and regulatory
                # clocks are met (or late); transfer, update and approval clocks lapse.
                end(
                    slot, at, cancelled=slot.startswith(("acceptance:", "next_update", "approval:"))
                )
        elif kind is EventKind.CLOSED:
            resolved = True
            line.statuses.append((at.timestamp(), CaseStatus.CLOSED.value))
            for slot in slots:
                end(slot, at, cancelled=True)
        elif kind is EventKind.REOPENED:
            resolved = False
            line.statuses.append((at.timestamp(), CaseStatus.OPEN.value))
            begin(
                "resolution",
                ClockKind.RESOLUTION,
                at,
                targets(ClockKind.RESOLUTION, line.tier),
                line.team,
                repeating=True,
            )
            begin(
                "next_update",
                ClockKind.NEXT_UPDATE,
                at,
                targets(ClockKind.NEXT_UPDATE, line.tier),
                line.team,
                repeating=True,
            )
        elif kind is EventKind.CLOCK_FIRED:
            line.fired.add((str(data["clock"]), str(data["stage"])))
    return line
