"""The rule sections of the policy file: clocks, escalation levels, triggers, escalation types,
regulatory obligations, communication, ownership and the smaller taxonomies.

Split from ``schema`` only to keep each module readable; ``schema`` re-exports nothing from here
but uses these models in ``PolicyDocument``. The same rules apply: unknown keys are errors and
only single-value checks live here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from tierline.domain.policy import RESOLUTION_PARTS, HandoffRules
from tierline.domain.triggers import CONDITION_FIELDS
from tierline.domain.vocabulary import (
    ClockKind,
    EscalationType,
    OwnershipModel,
    Severity,
    TimeBasis,
    TriggerKind,
)
from tierline.policy.errors import one_of
from tierline.policy.fields import (
    BusinessTarget,
    CalendarTarget,
    ConditionValue,
    ExplicitTarget,
    Label,
    LevelAt,
    LongText,
    Model,
    Name,
    PositiveDuration,
    TargetSpec,
    Unique,
    UniqueSorted,
)

Count = Annotated[int, Field(ge=0, le=1_000_000)]
Boost = Annotated[int, Field(ge=0, le=3)]
NameSet = Annotated[list[Name], UniqueSorted]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]


def _target(duration: timedelta, basis: TimeBasis) -> TargetSpec:
    return TargetSpec(duration=duration, time=basis)


class RouteTo(Model):
    """A tier (its default team) and/or a named team."""

    tier: Name | None = None
    team: Name | None = None


# --------------------------------------------------------------------------- clocks


class TierTargetsModel(Model):
    first_response: BusinessTarget | None = None
    update_interval: BusinessTarget | None = None
    resolution: BusinessTarget | None = None
    acceptance: BusinessTarget | None = None


class SeverityModel(Model):
    label: Label
    description: LongText = ""
    priority: Annotated[int, Field(ge=1, le=4)]
    time: TimeBasis = TimeBasis.BUSINESS
    targets: dict[Name, TierTargetsModel] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _inherit_basis(cls, data: Any) -> Any:
        """A bare ``"4h"`` target counts the severity's ``time:`` (business unless it says)."""
        if not isinstance(data, dict) or not isinstance(data.get("targets"), dict):
            return data
        basis = data.get("time", TimeBasis.BUSINESS.value)
        if basis not in (TimeBasis.BUSINESS.value, TimeBasis.CALENDAR.value):
            return data  # the field itself reports the bad basis
        targets: dict[Any, Any] = {}
        for tier, clocks in data["targets"].items():
            if isinstance(clocks, dict):
                clocks = {k: _with_basis(v, basis) for k, v in clocks.items()}
            targets[tier] = clocks
        return {**data, "targets": targets}


def _with_basis(value: Any, basis: str) -> Any:
    if isinstance(value, str):
        words = value.split()
        if len(words) > 1 and words[-1].isalpha():
            return value
        return f"{value} {basis}"
    if isinstance(value, dict) and value.get("time") is None:
        return {**value, "time": basis}
    return value


class PauseStatusModel(Model):
    label: Label = ""
    pauses: Annotated[list[ClockKind], UniqueSorted]


class EscalationLevelModel(Model):
    at: LevelAt
    notify: Annotated[list[Name], Unique] = Field(default_factory=list)
    escalate: bool = False
    clocks: Annotated[list[ClockKind], UniqueSorted] = Field(default_factory=list)


# --------------------------------------------------------------------------- triggers


def _condition_field(name: str) -> str:
    if name not in CONDITION_FIELDS:
        raise ValueError(
            f"'{name}' is not a case fact a condition can test; {one_of(CONDITION_FIELDS, name)}"
        )
    return name


#: The case facts a condition may test: the trigger engine's own list (``domain.triggers``).
ConditionField = Annotated[str, AfterValidator(_condition_field)]
ConditionOp = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains"]


class ConditionModel(Model):
    field: ConditionField
    op: ConditionOp
    value: ConditionValue


class TriggerActionModel(Model):
    escalate_to: RouteTo | None = None
    next_tier: bool = False
    type: EscalationType = EscalationType.TIER
    notify: Annotated[list[Name], Unique] = Field(default_factory=list)
    raise_priority: Boost = 0


class TriggerModel(Model):
    id: Name
    kind: TriggerKind
    description: LongText = ""
    enabled: bool = True
    when: list[ConditionModel] = Field(default_factory=list)
    threshold: Count | None = None
    wait: PositiveDuration | None = None
    values: NameSet | None = None
    min_score: Annotated[float, Field(gt=0, le=1)] | None = None
    action: TriggerActionModel


# --------------------------------------------------------------------------- types and obligations


class EscalationTypeModel(Model):
    label: Label = ""
    default_owner: RouteTo | None = None
    acceptance: BusinessTarget | None = None
    notice_within: CalendarTarget | None = None
    follow_up: bool = False
    pausable: bool | None = None  # None: yes, except regulatory (which can never pause)
    raise_priority: Boost = 0


class ObligationModel(Model):
    label: Label
    deadline: ExplicitTarget
    acknowledge_within: ExplicitTarget | None = None
    reference: Label = ""


# --------------------------------------------------------------------------- communication, people


class FollowUpModel(Model):
    after: PositiveDuration = timedelta(hours=48)
    within: PositiveDuration = timedelta(hours=72)
    severities: Annotated[list[Severity], UniqueSorted] = Field(
        default_factory=lambda: [Severity.S1]
    )
    types: Annotated[list[EscalationType], UniqueSorted] = Field(
        default_factory=lambda: [EscalationType.CUSTOMER_INITIATED]
    )


CommunicationKind = Literal[
    "acknowledgement", "escalation_notice", "daily_update", "resolution", "follow_up"
]
AlertKind = Literal[
    "warning",
    "breach",
    "vacuum",
    "approval_due",
    "commitment_missed",
    "communication_missed",
    "notification",
]


class CommunicationModel(Model):
    escalation_notice: CalendarTarget = _target(timedelta(hours=1), TimeBasis.CALENDAR)
    daily_updates: bool = True
    daily_after: BusinessTarget = _target(timedelta(hours=8), TimeBasis.BUSINESS)
    resolution_parts: Annotated[list[Name], Unique] = Field(
        default_factory=lambda: list(RESOLUTION_PARTS)
    )
    follow_up: FollowUpModel = FollowUpModel()
    max_commitment: BusinessTarget = _target(timedelta(days=2), TimeBasis.BUSINESS)
    confirmation_window: PositiveDuration = timedelta(days=7)
    reopen_window: PositiveDuration = timedelta(days=14)
    repeat_escalation_window: PositiveDuration = timedelta(days=30)
    repeat_contact_window: PositiveDuration = timedelta(days=7)
    templates: dict[Name, dict[Language, LongText]] = Field(default_factory=dict)
    acknowledge_within: CalendarTarget = _target(timedelta(minutes=15), TimeBasis.CALENDAR)
    resolution_message_within: CalendarTarget = _target(timedelta(hours=1), TimeBasis.CALENDAR)
    auto_send: Annotated[list[CommunicationKind], Unique] = Field(
        default_factory=lambda: list[CommunicationKind](["follow_up"])
    )
    inbound_contact_type: Name | None = None


class AlertsModel(Model):
    repeat_every: PositiveDuration = timedelta(minutes=15)
    max_repeats: Annotated[int, Field(ge=0, le=50)] = 3
    dedupe_window: PositiveDuration = timedelta(minutes=10)
    digest_kinds: Annotated[list[AlertKind], Unique] = Field(
        default_factory=lambda: list[AlertKind](["warning"])
    )
    digest_every: PositiveDuration = timedelta(minutes=30)
    route_to_on_duty: bool = True


class OwnershipModelSpec(Model):
    model: OwnershipModel = OwnershipModel.RELAY
    coordinator_role: Name | None = None
    vacuum_notify: Annotated[list[Name], Unique] = Field(
        default_factory=lambda: ["coordinator", "team_lead"]
    )


class RootCauseModel(Model):
    label: Label = ""
    signal: Literal["product", "training", "capacity", "policy", "customer"] = "product"
    at_fault: bool = True


class HandoffModel(Model):
    required: Annotated[list[Name], Unique] = Field(
        default_factory=lambda: list(HandoffRules().required)
    )
    min_text: Annotated[int, Field(ge=0, le=2000)] = 12


class PriorityModel(Model):
    vip_boost: Boost = 1
    strategic_boost: Boost = 1
    regulatory_boost: Boost = 1
    time_sensitive_boost: Boost = 1
    affected_customers_boost_at: Annotated[int, Field(ge=1, le=1_000_000)] = 10
    affected_customers_boost: Boost = 1
