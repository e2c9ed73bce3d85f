"""The policy file as Pydantic models: the shape and the value types of every section.

Only what one value can say about itself is checked here (a duration parses, a permission
exists, a key is known). Whatever needs two values (a team's calendar must exist, a 24x7 calendar
has no opening hours, a repeat-contacts trigger needs a threshold) is checked in ``checks``,
``matrix_checks`` and ``references``, which know exact key paths and so point at the right line.
The rule sections (clocks, triggers, communication…) are in ``schema_rules``.

Every model forbids unknown keys; keys are the YAML keys, so a Pydantic ``loc`` is a key path.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from tierline.domain.vocabulary import AccountValue, Channel, EscalationType, Severity, TimeBasis
from tierline.policy.fields import (
    BusinessTarget,
    DayHours,
    Duration,
    Label,
    Model,
    Money,
    Name,
    Permission,
    TimeZoneName,
    Unique,
    UniqueSorted,
    Weekday,
)
from tierline.policy.schema_rules import (
    AlertsModel,
    CommunicationModel,
    EscalationLevelModel,
    EscalationTypeModel,
    HandoffModel,
    ObligationModel,
    OwnershipModelSpec,
    PauseStatusModel,
    PriorityModel,
    RootCauseModel,
    RouteTo,
    SeverityModel,
    TriggerModel,
    _target,
)

NameSet = Annotated[list[Name], UniqueSorted]
Term = Annotated[str, Field(min_length=2, max_length=80)]
Fraction = Annotated[float, Field(gt=0, lt=1)]

__all__ = ["KEYED_SECTIONS", "LIST_SECTIONS", "PolicyDocument", "RouteTo"]


# --------------------------------------------------------------------------- calendars


class HolidaysSpec(Model):
    country: str  # ISO 3166 code known to the ``holidays`` package (checked with locations)
    subdivision: str | None = None
    closed: Annotated[list[date], UniqueSorted] = Field(default_factory=list)
    open: Annotated[list[date], UniqueSorted] = Field(default_factory=list)


class CalendarModel(Model):
    timezone: TimeZoneName
    always_open: bool = False
    hours: dict[Weekday, DayHours] | None = None
    holidays: HolidaysSpec | None = None
    special_hours: dict[date, DayHours] = Field(default_factory=dict)


# --------------------------------------------------------------------------- organisation


class TierModel(Model):
    id: Name
    level: Annotated[int, Field(ge=1, le=20)]
    label: Label = ""
    max_time_in_tier: BusinessTarget | None = None


class TeamModel(Model):
    label: Label = ""
    tier: Name | None = None
    function: Name | None = None
    calendar: Name | None = None
    skills: NameSet = Field(default_factory=list)
    lead_role: Name | None = None


class LimitsModel(Model):
    credit: Money = Decimal(0)
    refund: Money = Decimal(0)
    fee_waiver: Money = Decimal(0)
    policy_exception: bool = False
    timeline_commitment: Duration = timedelta(0)


class RoleModel(Model):
    label: Label = ""
    rank: Annotated[int, Field(ge=0, le=1000)]
    limits: LimitsModel = LimitsModel()
    permissions: Annotated[list[Permission], UniqueSorted] = Field(default_factory=list)


# --------------------------------------------------------------------------- contacts and routing


class ContactTypeModel(Model):
    label: Label = ""
    default_severity: Severity = Severity.S3
    time_sensitive: bool = False
    regulatory_obligation: Name | None = None


class SituationModel(Model):
    label: Label = ""
    escalation_type: EscalationType = EscalationType.TIER
    route_to: RouteTo | None = None
    regulatory_obligation: Name | None = None


class RoutingRowModel(Model):
    id: Name
    contact_types: NameSet = Field(default_factory=list)
    channels: Annotated[list[Channel], UniqueSorted] = Field(default_factory=list)
    situations: NameSet = Field(default_factory=list)
    severities: Annotated[list[Severity], UniqueSorted] = Field(default_factory=list)
    min_account_value: AccountValue | None = None
    route_to: RouteTo
    escalation_type: EscalationType | None = None


# --------------------------------------------------------------------------- the document


class PolicyDocument(Model):
    """The whole file. Required sections have no default."""

    name: Name
    label: Label = ""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    default_calendar: Name
    calendars: dict[Name, CalendarModel]
    tiers: list[TierModel]
    teams: dict[Name, TeamModel]
    roles: dict[Name, RoleModel]
    contact_types: dict[Name, ContactTypeModel]
    situations: dict[Name, SituationModel] = Field(default_factory=dict)
    routing: list[RoutingRowModel] = Field(default_factory=list)
    severities: dict[Severity, SeverityModel]
    pause_statuses: dict[Name, PauseStatusModel] = Field(default_factory=dict)
    warning_fractions: Annotated[list[Fraction], UniqueSorted] = Field(
        default_factory=lambda: [0.75]
    )
    escalation_levels: list[EscalationLevelModel] = Field(default_factory=list)
    triggers: list[TriggerModel] = Field(default_factory=list)
    escalation_types: dict[EscalationType, EscalationTypeModel] = Field(default_factory=dict)
    regulatory_obligations: dict[Name, ObligationModel] = Field(default_factory=dict)
    communication: CommunicationModel = CommunicationModel()
    ownership: OwnershipModelSpec = OwnershipModelSpec()
    root_causes: dict[Name, RootCauseModel] = Field(default_factory=dict)
    handoff: HandoffModel = HandoffModel()
    priority: PriorityModel = PriorityModel()
    approval_target: BusinessTarget = _target(timedelta(hours=4), TimeBasis.BUSINESS)
    alerts: AlertsModel = AlertsModel()
    frustration_terms: Annotated[list[Term], Unique] = Field(default_factory=list)
    sensitive_fields: NameSet = Field(default_factory=list)


#: Sections whose entries are validated one by one, so one bad entry does not hide the others.
KEYED_SECTIONS = (
    "calendars",
    "teams",
    "roles",
    "contact_types",
    "situations",
    "severities",
    "pause_statuses",
    "escalation_types",
    "regulatory_obligations",
    "root_causes",
)
LIST_SECTIONS = ("tiers", "routing", "escalation_levels", "triggers")
