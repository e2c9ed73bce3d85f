"""What the case row stores, computed from a case's state and clocks (R-CASE-3): its
deadlines, ``next_due_at``, the owner of the next customer message, breach and transfer
counts, and the clocks themselves for the API; and the snapshot of a case whose changes an
event records as before / after.

Pure functions of their inputs, kept apart from the session that writes them, so the row a case
gets and the changes its events record are decided in one place whatever path (use case,
worker, import) reaches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tierline.domain.case import CaseState
from tierline.domain.clocks import ClockSet
from tierline.domain.ownership import ownership
from tierline.domain.policy import OwnershipRules
from tierline.domain.vocabulary import COMMUNICATION_CLOCKS, ClockKind

#: The fields of a case whose change an event records as before / after.
SNAPSHOT_FIELDS = (
    "status",
    "severity",
    "tier",
    "team",
    "owner",
    "coordinator",
    "repeat_contacts",
    "reopen_count",
    "closure",
    "root_cause",
    "collaborators",
    "priority_raise",
)


def snapshot(state: CaseState) -> dict[str, Any]:
    snap = {f: getattr(state, f) for f in SNAPSHOT_FIELDS}
    snap["severity"] = state.severity.value
    snap["collaborators"] = list(state.collaborators)
    snap["pending_transfer"] = (
        state.pending_transfer.escalation_id if state.pending_transfer else None
    )
    return snap


def case_projection(
    state: CaseState,
    clocks: ClockSet,
    rules: OwnershipRules,
    now: datetime,
    trigger_check: datetime | None,
    extra_deadlines: Iterable[datetime],
    priority: int,
    repeat_of: Any,
) -> dict[str, Any]:
    """The case row's values (``trigger_check``: when a time-based trigger could next fire;
    ``extra_deadlines``: the message deadlines the session's messenger still holds)."""

    dues: dict[ClockKind, datetime] = {}  # the earliest due instant of each running kind
    for c in clocks.clocks:
        at = c.due_at
        if at and c.running:
            known = dues.get(c.kind)
            if known is None or at < known:
                dues[c.kind] = at
    due = dues.get
    acceptance_due = due(ClockKind.ACCEPTANCE)
    own = ownership(state, rules, now, acceptance_due)
    candidates = [t for t in (clocks.next_due_at,) if t is not None]
    if trigger_check is not None and trigger_check > now:
        candidates.append(trigger_check)
    candidates.extend(extra_deadlines)
    next_due = min(candidates) if candidates else None
    # The next message owed: a missed one stops counting once its breach was acted on.
    comm_dues = [
        c.due_at
        for c in clocks.clocks
        if c.kind in COMMUNICATION_CLOCKS
        and c.running
        and c.due_at is not None
        and any(s.name == "breach" and not s.fired for s in c.stages)
    ]
    comm_due = min(comm_dues, key=lambda d: d.timestamp()) if comm_dues else None
    return {
        "severity": state.severity.value,
        "priority": priority,
        "status": state.status,
        "tier": state.tier,
        "team": state.team,
        "owner": state.owner,
        "coordinator": state.coordinator,
        "next_comm_owner": own.next_comm_owner,
        "ownership_state": own.state.value,
        "updated_at": now,
        "resolved_at": state.resolved_at,
        "closed_at": state.closed_at,
        "closure": state.closure,
        "first_response_due": due(ClockKind.FIRST_RESPONSE),
        "next_update_due": due(ClockKind.NEXT_UPDATE),
        "resolution_due": due(ClockKind.RESOLUTION),
        "acceptance_due": acceptance_due,
        "regulatory_due": due(ClockKind.REGULATORY),
        "communication_due": comm_due,
        "next_due_at": next_due,
        # SLA breaches; missed customer messages are reported as communications.
        "breached": any(
            c.breached
            for c in clocks.clocks
            if c.kind not in COMMUNICATION_CLOCKS and c.kind is not ClockKind.CONFIRMATION
        ),
        "repeat_contacts": state.repeat_contacts,
        "reopen_count": state.reopen_count,
        "transfers": len(state.transfers),
        "ping_pong": state.ping_pong,
        "escalation_count": len(state.escalation_types),
        "incident_id": state.incident_id,
        "repeat_of": repeat_of,
        "root_cause": state.root_cause,
        "clocks": [c.to_data() for c in clocks.clocks],
        "state": {
            "situations": sorted(state.situations),
            "regulatory_obligations": list(state.regulatory_obligations),
            "frustration_score": state.frustration_score,
            "affected_customers": state.affected_customers,
            "collaborators": list(state.collaborators),
            "front_line_owner": state.front_line_owner,
            "pending_transfer": state.pending_transfer.escalation_id
            if state.pending_transfer
            else None,
            "pending_transfer_team": state.pending_transfer.to_team
            if state.pending_transfer
            else None,
            "pending_approvals": list(state.pending_approvals),
            "escalation_types": [t.value for t in state.escalation_types],
            "ownership": own.reason,
            "tier_entered_at": state.tier_entered_at.isoformat() if state.tier_entered_at else None,
        },
    }
