"""A case's history: timestamped facts from which its state and every clock are derived.

History is the single source of truth. Status, owner, tier and clocks are folds over it; nothing
that can be derived is kept as a flag that could drift (a pause is a span of the status history,
not a boolean). The store keeps these events verbatim, so replay, audit and "why" questions all
read the same record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    OPENED = "opened"
    MESSAGE = "message"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    PRIORITY_CHANGED = "priority_changed"
    FLAGGED = "flagged"  # a situation: customer asked for a manager, regulatory, defect…
    ESCALATED = "escalated"  # a transfer requested to another tier / team / person
    HANDOFF_RECORDED = "handoff_recorded"
    ACCEPTED = "accepted"  # ownership changes here, not at the request (R-OWN-2)
    TRANSFER_CANCELLED = "transfer_cancelled"
    ASSIGNED = "assigned"  # a person within the owning team takes the case
    COORDINATOR_ASSIGNED = "coordinator_assigned"
    CONSULTED = "consulted"  # an expert joins without transfer (R-ROUTE-3)
    ACTION_APPLIED = "action_applied"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    COMMITMENT_MADE = "commitment_made"  # a promised contact time (R-COMM-5)
    COMMUNICATION_SENT = "communication_sent"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CLOCK_FIRED = "clock_fired"  # a warning / breach stage has been acted on
    TRIGGER_FIRED = "trigger_fired"
    ROOT_CAUSE_RECORDED = "root_cause_recorded"
    LINKED = "linked"  # to an incident or an earlier escalation
    SURVEY_ANSWERED = "survey_answered"  # post-escalation satisfaction (R-RES-2)
    ACKNOWLEDGED = "acknowledged"  # the customer's escalation request acknowledged (R-COMM-5)
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One fact in a case's history.

    ``data`` holds the kind's fields as JSON-ready values (strings, numbers, ISO instants), so an
    event round-trips through the store and through exports unchanged.
    """

    at: datetime
    kind: EventKind
    data: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


def parse_instant(value: Any) -> datetime | None:
    """An instant stored in event data (ISO 8601 string or datetime) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
