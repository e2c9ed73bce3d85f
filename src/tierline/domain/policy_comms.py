"""Policy data for talking to the customer: the communication standards (R-COMM) and the kinds of
required communication, each of which runs a clock of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from tierline.domain.policy_targets import Target
from tierline.domain.vocabulary import EscalationType, Severity, TimeBasis


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
