"""Request bodies. Unknown fields are refused: a typo is an error, not silently ignored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from tierline.domain.vocabulary import (
    AccountValue,
    ActionKind,
    Channel,
    ClosureKind,
    EmotionalState,
    EscalationType,
    MessageDirection,
    Segment,
    Severity,
)

#: The largest id the store holds (a signed 64-bit integer on both backends).
MAX_ID = 2**63 - 1

#: A row id in a path: a number the store could hold, or a 422 saying so (a larger one
#: overflowed the driver's integer into a server error).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL cannot store U+0000 in text or JSON, and what one backend refuses the
        other must too: refused in every field, at any depth, on both."""
        if _holds_nul(value):
            raise PydanticCustomError(
                "nul_character", "text must not contain the NUL character (U+0000)"
            )
        return value


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


class AccountIn(Body):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=300)
    segment: Segment = Segment.SMB
    value: AccountValue = AccountValue.STANDARD
    industry: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    customer_since: date | None = None
    renewal_date: date | None = None
    account_manager: str | None = Field(default=None, max_length=100)


class ContactIn(Body):
    name: str = Field(default="", max_length=300)
    email: str | None = Field(default=None, max_length=300, pattern=r"^[^@\s]+@[^@\s]+$")


class CaseIn(Body):
    contact_type: str = Field(min_length=1, max_length=100)
    subject: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=100_000)
    channel: Channel | None = None
    severity: Severity | None = None
    situation: str | None = Field(default=None, max_length=100)
    account: AccountIn | None = None
    account_id: str | None = Field(default=None, max_length=100)
    contact: ContactIn | None = None
    product_area: str = Field(default="", max_length=200)
    language: str = Field(default="en", max_length=10)
    affected_customers: int = Field(default=1, ge=1, le=10_000_000)
    incident_id: str | None = Field(default=None, max_length=100)
    external_ref: str | None = Field(default=None, max_length=200)
    new_case: bool = False


class MessageIn(Body):
    direction: MessageDirection
    body: str = Field(min_length=1, max_length=100_000)
    channel: Channel | None = None
    repeat_contact: bool = False


class HandoffIn(Body):
    issue_summary: str = Field(default="", max_length=20_000)
    steps_taken: str = Field(default="", max_length=20_000)
    reason: str = Field(default="", max_length=20_000)
    customer_told: str = Field(default="", max_length=20_000)
    promised_time: datetime | None = None
    emotional_state: EmotionalState | None = None
    stated_urgency: str = Field(default="", max_length=2_000)
    warm: bool = False
    escalation_id: str | None = None


class EscalationIn(Body):
    type: EscalationType
    reason: str = Field(min_length=1, max_length=5_000)
    to_tier: str | None = None
    to_team: str | None = None
    to_person: str | None = None
    handoff: HandoffIn | None = None


class AcceptIn(Body):
    escalation_id: str | None = None
    warm: bool = False


class ConsultIn(Body):
    expert: str = Field(min_length=1, max_length=100)
    question: str = Field(min_length=1, max_length=10_000)


class ActionIn(Body):
    action: ActionKind
    amount: str | float | int | None = None
    reason: str = Field(min_length=1, max_length=5_000)


class DecisionIn(Body):
    decision: Literal["approve", "deny"]
    note: str = Field(default="", max_length=5_000)


class StatusIn(Body):
    status: str = Field(min_length=1, max_length=60)
    reason: str = Field(default="", max_length=5_000)


class ResolutionMessageIn(Body):
    """The parts a resolution message must carry (R-COMM-3), and optionally its own text."""

    what_was_done: str = Field(default="", max_length=20_000)
    impact_acknowledged: str = Field(default="", max_length=20_000)
    root_cause: str = Field(default="", max_length=20_000)
    recurrence_prevention: str = Field(default="", max_length=20_000)
    apology: str = Field(default="", max_length=20_000)
    text: str | None = Field(default=None, max_length=100_000)


class ResolveIn(Body):
    summary: str = Field(min_length=1, max_length=20_000)
    root_cause: str | None = None
    preventable: bool | None = None
    five_whys: list[str] = Field(default_factory=list, max_length=10)
    message: ResolutionMessageIn | None = None


class CommunicationIn(Body):
    kind: str = Field(min_length=1, max_length=40)
    text: str | None = Field(default=None, max_length=100_000)
    subject: str | None = Field(default=None, max_length=500)
    fields: ResolutionMessageIn | None = None


class CommitmentIn(Body):
    by: str = Field(min_length=1, max_length=100)
    due_at: datetime


class AcknowledgeIn(Body):
    message: str | None = Field(default=None, max_length=20_000)
    commitment: CommitmentIn


class HoursIn(Body):
    calendar: str | None = Field(default=None, max_length=100)
    quiet_hours: list[str] | None = Field(default=None, max_length=6)


class IncidentIn(Body):
    id: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    title: str = Field(min_length=1, max_length=500)
    severity: Severity = Severity.S1
    started_at: datetime | None = None


class IncidentLinkIn(Body):
    incident_id: str = Field(min_length=1, max_length=100)


class IncidentMessageIn(Body):
    message: str = Field(min_length=1, max_length=20_000)
    subject: str | None = Field(default=None, max_length=500)


class CloseIn(Body):
    closure: ClosureKind
    reason: str = Field(default="", max_length=5_000)


class ReopenIn(Body):
    reason: str = Field(default="", max_length=5_000)


class FlagIn(Body):
    situation: str | None = None
    flag: str | None = None
    regulatory_obligation: str | None = None
    count: int | None = Field(default=None, ge=1, le=10_000_000)
    note: str = Field(default="", max_length=5_000)


class AssignIn(Body):
    owner: str = Field(min_length=1, max_length=100)


class PolicyJson(Body):
    yaml: str = Field(min_length=1, max_length=2_000_000)
    filename: str = "policy.yaml"
    activate: bool = True


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_none=False)
