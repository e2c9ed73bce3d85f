"""Accounts and the state of a case, folded from its history.

``CaseState`` is a projection: the service stores a copy of it in the case row for queries, but it
is always recomputable from the events, which is what replay and audit rely on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.vocabulary import (
    AccountValue,
    CaseStatus,
    Channel,
    EscalationType,
    MessageDirection,
    Segment,
    Severity,
)


@dataclass(frozen=True)
class Account:
    """R-CASE-2."""

    id: str
    name: str = ""
    segment: Segment = Segment.SMB
    value: AccountValue = AccountValue.STANDARD
    industry: str = ""
    region: str = ""
    customer_since: date | None = None
    renewal_date: date | None = None
    account_manager: str | None = None

    def tenure_days(self, today: date) -> int | None:
        return None if self.customer_since is None else (today - self.customer_since).days

    def renewal_within(self, today: date, days: int = 90) -> bool:
        return self.renewal_date is not None and 0 <= (self.renewal_date - today).days <= days


@dataclass(frozen=True)
class Transfer:
    """A requested change of ownership, pending until accepted (R-OWN-2)."""

    escalation_id: str
    requested_at: datetime
    escalation_type: EscalationType
    from_tier: str | None
    from_team: str | None
    from_owner: str | None
    to_tier: str | None
    to_team: str | None
    to_person: str | None = None
    reason: str = ""
    rule_id: str | None = None
    handoff_complete: bool = False
    accepted_at: datetime | None = None
    accepted_by: str | None = None


@dataclass
class CaseState:
    """What a case is now, as far as its history says."""

    case_id: str
    opened_at: datetime
    contact_type: str
    channel: Channel | None
    severity: Severity
    status: str = CaseStatus.NEW.value
    tier: str | None = None
    team: str | None = None
    owner: str | None = None
    coordinator: str | None = None
    front_line_owner: str | None = None  # the first person to own the case (baton model)
    collaborators: tuple[str, ...] = ()
    account_id: str | None = None
    priority_raise: int = 0
    situations: frozenset[str] = frozenset()
    regulatory_obligations: tuple[str, ...] = ()
    suspected_defect: bool = False
    customer_requested: bool = False
    acknowledged_at: datetime | None = None  # the customer's escalation request acknowledged
    frustration_score: float = 0.0
    affected_customers: int = 1
    incident_id: str | None = None
    repeat_contacts: int = 0
    last_inbound_at: datetime | None = None
    last_outbound_at: datetime | None = None
    first_response_at: datetime | None = None
    tier_entered_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    closure: str | None = None
    reopen_count: int = 0
    pending_transfer: Transfer | None = None
    transfers: tuple[Transfer, ...] = ()  # accepted transfers in order
    escalation_types: tuple[EscalationType, ...] = ()
    pending_approvals: tuple[str, ...] = ()
    authority_exceeded: bool = False
    fired_rules: frozenset[tuple[str, str]] = frozenset()  # (rule id, tier at firing)
    fired_stages: frozenset[tuple[str, str]] = frozenset()  # (clock key, stage)
    root_cause: str | None = None
    last_event_at: datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status not in _ENDED

    @property
    def teams_path(self) -> tuple[str | None, ...]:
        """Owning teams in order: the opening team, then each accepted transfer's team."""
        first = self.transfers[0].from_team if self.transfers else self.team
        return (first, *(t.to_team for t in self.transfers))

    @property
    def ping_pong(self) -> bool:
        """A case that came back to a team it had left (A→B→A), R-ROUTE-2."""
        path = self.teams_path
        return any(path[i] == path[i + 2] for i in range(len(path) - 2))

    def time_in_tier(self, now: datetime) -> timedelta:
        start = self.tier_entered_at or self.opened_at
        return timedelta(seconds=now.timestamp() - start.timestamp())  # real, not wall, time


def fold(case_id: str, events: Iterable[CaseEvent]) -> CaseState:
    """Fold a history (in time order) into a :class:`CaseState`.

    The first event must be ``opened``. Unknown keys in event data are ignored, so histories
    written by newer versions still fold.
    """
    state: CaseState | None = None
    for ev in events:
        if state is None:
            if ev.kind is not EventKind.OPENED:
                raise ValueError(f"case {case_id}: history must start with 'opened', not {ev.kind}")
            state = _opened(case_id, ev)
            continue
        apply(state, ev)
    if state is None:
        raise ValueError(f"case {case_id}: empty history")
    return state


def _opened(case_id: str, ev: CaseEvent) -> CaseState:
    d = ev.data
    channel = d.get("channel")
    obligation = d.get("regulatory_obligation")
    situation = d.get("situation")
    return CaseState(
        case_id=case_id,
        opened_at=ev.at,
        contact_type=str(d.get("contact_type") or ""),
        channel=Channel(channel) if channel else None,
        severity=Severity(d.get("severity") or "S3"),
        status=str(d.get("status") or CaseStatus.NEW.value),
        tier=d.get("tier"),
        team=d.get("team"),
        owner=d.get("owner"),
        front_line_owner=d.get("owner"),
        account_id=d.get("account_id"),
        situations=frozenset([situation]) if situation else frozenset(),
        regulatory_obligations=(obligation,) if obligation else (),
        affected_customers=int(d.get("affected_customers") or 1),
        incident_id=d.get("incident_id"),
        tier_entered_at=ev.at,
        last_inbound_at=ev.at if d.get("from_customer", True) else None,
        last_event_at=ev.at,
    )


# Plain strings of the statuses the fold sets, read once: ``.value`` on an enum member is a
# descriptor call, and ``apply`` runs for every event of a replayed log.
_NEW, _OPEN = CaseStatus.NEW.value, CaseStatus.OPEN.value
_RESOLVED, _CLOSED = CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value
_ENDED = frozenset({_RESOLVED, _CLOSED})


def apply(state: CaseState, ev: CaseEvent) -> None:
    """Apply one event to a state in place (the hot path of replay)."""
    d = ev.data
    kind = ev.kind
    state.last_event_at = ev.at
    if kind is EventKind.MESSAGE:
        direction = d.get("direction")
        if direction == MessageDirection.INBOUND:
            state.last_inbound_at = ev.at
            if d.get("repeat_contact"):
                state.repeat_contacts += 1
            score = d.get("frustration")
            if score is not None:
                state.frustration_score = max(state.frustration_score, float(score))
        elif direction == MessageDirection.OUTBOUND:
            state.last_outbound_at = ev.at
            if state.first_response_at is None:
                state.first_response_at = ev.at
    elif kind is EventKind.STATUS_CHANGED:
        state.status = str(d["to"])
    elif kind is EventKind.SEVERITY_CHANGED:
        state.severity = Severity(d["to"])
    elif kind is EventKind.PRIORITY_CHANGED:
        state.priority_raise = int(d.get("raise", state.priority_raise))
    elif kind is EventKind.FLAGGED:
        _flag(state, d)
    elif kind is EventKind.ESCALATED:
        state.pending_transfer = Transfer(
            escalation_id=str(d["escalation_id"]),
            requested_at=ev.at,
            escalation_type=EscalationType(d.get("type") or "tier"),
            from_tier=state.tier,
            from_team=state.team,
            from_owner=state.owner,
            to_tier=d.get("to_tier"),
            to_team=d.get("to_team"),
            to_person=d.get("to_person"),
            reason=str(d.get("reason") or ""),
            rule_id=d.get("rule_id"),
        )
        state.escalation_types = (*state.escalation_types, state.pending_transfer.escalation_type)
        if state.status == _NEW:
            state.status = _OPEN
    elif kind is EventKind.HANDOFF_RECORDED:
        pending = state.pending_transfer
        if pending and pending.escalation_id == d.get("escalation_id"):
            state.pending_transfer = replace(pending, handoff_complete=bool(d.get("complete")))
    elif kind is EventKind.ACCEPTED:
        pending = state.pending_transfer
        if pending is not None and pending.escalation_id == d.get("escalation_id"):
            done = replace(pending, accepted_at=ev.at, accepted_by=d.get("by"))
            state.transfers = (*state.transfers, done)
            state.pending_transfer = None
            if done.to_tier != state.tier:
                state.tier_entered_at = ev.at
            state.tier = d.get("tier") or done.to_tier or state.tier
            state.team = d.get("team") or done.to_team or state.team
            state.owner = d.get("by") or state.owner
            if state.front_line_owner is None:
                state.front_line_owner = state.owner
    elif kind is EventKind.TRANSFER_CANCELLED:
        state.pending_transfer = None
    elif kind is EventKind.ASSIGNED:
        state.owner = d.get("owner")
        if d.get("team"):
            if d.get("tier") and d.get("tier") != state.tier:
                state.tier_entered_at = ev.at
                state.tier = d.get("tier")
            state.team = d.get("team")
        if state.front_line_owner is None:
            state.front_line_owner = state.owner
    elif kind is EventKind.COORDINATOR_ASSIGNED:
        state.coordinator = d.get("coordinator")
    elif kind is EventKind.CONSULTED:
        expert = d.get("expert")
        if expert and expert not in state.collaborators:
            state.collaborators = (*state.collaborators, str(expert))
    elif kind is EventKind.APPROVAL_REQUESTED:
        state.pending_approvals = (*state.pending_approvals, str(d["approval_id"]))
        state.authority_exceeded = True
    elif kind is EventKind.APPROVAL_DECIDED:
        state.pending_approvals = tuple(a for a in state.pending_approvals if a != d["approval_id"])
        state.authority_exceeded = bool(state.pending_approvals)
    elif kind is EventKind.RESOLVED:
        state.status = _RESOLVED
        state.resolved_at = ev.at
        state.pending_transfer = None
        if d.get("root_cause"):
            state.root_cause = d.get("root_cause")
    elif kind is EventKind.CLOSED:
        state.status = _CLOSED
        state.closed_at = ev.at
        state.closure = d.get("closure")
        state.pending_transfer = None
    elif kind is EventKind.REOPENED:
        # A reopen starts a new episode: time in tier and the customer's wait count from here.
        state.status = _OPEN
        state.reopen_count += 1
        state.tier_entered_at = ev.at
        state.last_inbound_at = ev.at
        state.resolved_at = None
        state.closed_at = None
        state.closure = None
    elif kind is EventKind.CLOCK_FIRED:
        state.fired_stages = state.fired_stages | {(str(d["clock"]), str(d["stage"]))}
    elif kind is EventKind.TRIGGER_FIRED:
        state.fired_rules = state.fired_rules | {(str(d["rule_id"]), str(d.get("tier") or ""))}
    elif kind is EventKind.ACKNOWLEDGED:
        state.acknowledged_at = ev.at
    elif kind is EventKind.ROOT_CAUSE_RECORDED:
        state.root_cause = d.get("category")
    elif kind is EventKind.LINKED and d.get("incident_id"):
        state.incident_id = d.get("incident_id")
        state.affected_customers = max(state.affected_customers, int(d.get("affected") or 1))


def _flag(state: CaseState, d: Mapping[str, Any]) -> None:
    flag = d.get("flag")
    if flag == "customer_request":
        state.customer_requested = True
    elif flag == "suspected_defect":
        state.suspected_defect = True
    elif flag == "frustration":
        state.frustration_score = max(state.frustration_score, float(d.get("score") or 1.0))
    elif flag == "affected_customers":
        state.affected_customers = max(state.affected_customers, int(d.get("count") or 1))
    obligation = d.get("regulatory_obligation")
    if obligation and obligation not in state.regulatory_obligations:
        state.regulatory_obligations = (*state.regulatory_obligations, str(obligation))
    situation = d.get("situation")
    if situation:
        state.situations = state.situations | {str(situation)}
