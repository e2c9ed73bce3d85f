"""The test desk's policy, built in Python: a small B2B support policy (T1/T2/T3, Berlin and New
York offices, hybrid ownership), with ``policy(**overrides)`` to vary one part per test.

Domain tests build their policy here rather than from YAML, so they test the domain alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.builders.offices import BERLIN_OFFICE, NEW_YORK_OFFICE
from tierline.domain.calendar import CalendarBook
from tierline.domain.policy import (
    AuthorityLimits,
    CommunicationStandards,
    Condition,
    ContactType,
    EscalationLevel,
    EscalationTypeRule,
    OwnershipRules,
    PauseStatus,
    Policy,
    RegulatoryObligation,
    Role,
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
from tierline.domain.vocabulary import (
    AccountValue,
    Channel,
    ClockKind,
    EscalationType,
    OwnershipModel,
    Severity,
    TimeBasis,
    TriggerKind,
)


def t(duration: str, basis: str = "business", calendar: str | None = None) -> Target:
    from tierline.domain.durations import parse_duration

    return Target(parse_duration(duration), TimeBasis(basis), calendar)


def policy(**overrides: Any) -> Policy:
    """A small B2B support policy: T1/T2/T3, Berlin and New York offices, hybrid ownership."""
    targets_s2 = {
        "T1": TierTargets(t("1h"), t("4h"), t("16h"), t("30m")),
        "T2": TierTargets(t("1h"), t("4h"), t("24h"), t("1h")),
        "T3": TierTargets(t("2h"), t("8h"), t("40h"), t("2h")),
    }
    base = Policy(
        name="Test desk",
        version="pv-test",
        currency="EUR",
        default_calendar="berlin",
        calendars={"berlin": BERLIN_OFFICE, "new_york": NEW_YORK_OFFICE},
        tiers=(
            Tier("T1", 1, "Front line", max_time_in_tier=t("8h")),
            Tier("T2", 2, "Product specialists", max_time_in_tier=t("24h")),
            Tier("T3", 3, "Engineering"),
        ),
        teams={
            "frontline": Team("frontline", tier="T1", calendar="berlin", lead_role="supervisor"),
            "frontline_us": Team("frontline_us", tier="T1", calendar="new_york"),
            "specialists": Team(
                "specialists", tier="T2", calendar="berlin", lead_role="supervisor"
            ),
            "engineering": Team(
                "engineering", tier="T3", function="engineering", calendar="berlin"
            ),
            "finance": Team("finance", tier="T2", function="finance", calendar="berlin"),
            "compliance": Team("compliance", tier="T2", function="compliance", calendar="berlin"),
            "escalations": Team(
                "escalations", tier="T2", function="coordination", calendar="berlin"
            ),
        },
        roles={
            "agent": Role(
                "agent",
                rank=10,
                limits=AuthorityLimits(
                    Decimal(50), Decimal(0), Decimal(25), False, timedelta(days=1)
                ),
            ),
            "senior_agent": Role(
                "senior_agent",
                rank=20,
                limits=AuthorityLimits(
                    Decimal(250), Decimal(100), Decimal(100), False, timedelta(days=3)
                ),
            ),
            "supervisor": Role(
                "supervisor",
                rank=30,
                limits=AuthorityLimits(
                    Decimal(1000), Decimal(500), Decimal(500), True, timedelta(days=10)
                ),
            ),
            "manager": Role(
                "manager",
                rank=40,
                limits=AuthorityLimits(
                    Decimal(5000), Decimal(5000), Decimal(2000), True, timedelta(days=30)
                ),
            ),
            "coordinator": Role(
                "coordinator",
                rank=25,
                limits=AuthorityLimits(
                    Decimal(250), Decimal(100), Decimal(100), False, timedelta(days=3)
                ),
            ),
        },
        contact_types={
            "how_to": ContactType("how_to", default_severity=Severity.S4),
            "bug_report": ContactType("bug_report", default_severity=Severity.S3),
            "billing_dispute": ContactType("billing_dispute", default_severity=Severity.S3),
            "outage": ContactType("outage", default_severity=Severity.S1, time_sensitive=True),
            "data_request": ContactType(
                "data_request", default_severity=Severity.S3, regulatory_obligation="gdpr_dsr"
            ),
        },
        situations={
            "asks_for_manager": Situation(
                "asks_for_manager",
                escalation_type=EscalationType.CUSTOMER_INITIATED,
                route_to=RouteTarget(team="escalations"),
            ),
            "suspected_defect": Situation(
                "suspected_defect",
                escalation_type=EscalationType.FUNCTIONAL,
                route_to=RouteTarget(team="engineering"),
            ),
        },
        routing=(
            RoutingRow(
                "outage",
                RouteTarget(tier="T2"),
                contact_types=("outage",),
                escalation_type=EscalationType.INCIDENT,
                source="line 10",
            ),
            RoutingRow(
                "vip-billing",
                RouteTarget(team="finance"),
                contact_types=("billing_dispute",),
                min_account_value=AccountValue.VIP,
                escalation_type=EscalationType.FUNCTIONAL,
                source="line 11",
            ),
            RoutingRow(
                "phone-bugs",
                RouteTarget(tier="T2"),
                contact_types=("bug_report",),
                channels=(Channel.PHONE,),
                source="line 12",
            ),
            RoutingRow("default", RouteTarget(tier="T1"), source="line 13"),
        ),
        severities={
            Severity.S1: SeverityLevel(
                Severity.S1,
                "Critical",
                priority=1,
                targets={
                    k: TierTargets(
                        t("15m", "calendar"),
                        t("1h", "calendar"),
                        t("8h", "calendar"),
                        t("15m", "calendar"),
                    )
                    for k in ("T1", "T2", "T3")
                },
            ),
            Severity.S2: SeverityLevel(Severity.S2, "High", priority=2, targets=targets_s2),
            Severity.S3: SeverityLevel(
                Severity.S3,
                "Normal",
                priority=3,
                targets={
                    "T1": TierTargets(t("4h"), t("8h"), t("24h"), t("1h")),
                    "T2": TierTargets(t("4h"), t("8h"), t("40h"), t("2h")),
                    "T3": TierTargets(t("8h"), t("16h"), t("80h"), t("4h")),
                },
            ),
            Severity.S4: SeverityLevel(
                Severity.S4,
                "Low",
                priority=4,
                targets={
                    "T1": TierTargets(t("8h"), t("16h"), t("40h"), t("4h")),
                    "T2": TierTargets(t("8h"), t("16h"), t("80h"), t("8h")),
                },
            ),
        },
        pause_statuses={
            "waiting_on_customer": PauseStatus(
                "waiting_on_customer",
                pauses=frozenset({ClockKind.RESOLUTION, ClockKind.NEXT_UPDATE}),
            ),
            "waiting_on_vendor": PauseStatus(
                "waiting_on_vendor", pauses=frozenset({ClockKind.RESOLUTION})
            ),
        },
        warning_fractions=(0.5, 0.75),
        escalation_levels=(
            EscalationLevel("warning", notify=("owner",)),
            EscalationLevel("breach", notify=("owner", "team_lead"), escalate=True),
            EscalationLevel("breach", after=timedelta(hours=2), notify=("manager",)),
        ),
        triggers=(
            TriggerRule(
                "time-in-tier",
                TriggerKind.TIME_IN_TIER,
                TriggerAction(next_tier=True, escalation_type=EscalationType.TIER),
            ),
            TriggerRule(
                "designated-tier",
                TriggerKind.CONTACT_TYPE_TIER,
                TriggerAction(escalation_type=EscalationType.TIER),
            ),
            TriggerRule(
                "customer-asks",
                TriggerKind.CUSTOMER_REQUEST,
                TriggerAction(
                    escalate_to=RouteTarget(team="escalations"),
                    escalation_type=EscalationType.CUSTOMER_INITIATED,
                    notify=("coordinator",),
                ),
            ),
            TriggerRule(
                "regulatory",
                TriggerKind.REGULATORY_FLAG,
                TriggerAction(
                    escalate_to=RouteTarget(team="compliance"),
                    escalation_type=EscalationType.REGULATORY,
                ),
            ),
            TriggerRule(
                "defect",
                TriggerKind.SUSPECTED_DEFECT,
                TriggerAction(
                    escalate_to=RouteTarget(team="engineering"),
                    escalation_type=EscalationType.FUNCTIONAL,
                ),
            ),
            TriggerRule(
                "repeat",
                TriggerKind.REPEAT_CONTACTS,
                TriggerAction(
                    next_tier=True, escalation_type=EscalationType.COMPLEXITY, raise_priority=1
                ),
                threshold=3,
            ),
            TriggerRule(
                "long-wait",
                TriggerKind.CUSTOMER_WAIT,
                TriggerAction(notify=("team_lead",)),
                wait=timedelta(hours=4),
            ),
            TriggerRule(
                "authority", TriggerKind.AUTHORITY_EXCEEDED, TriggerAction(notify=("team_lead",))
            ),
            TriggerRule(
                "vip",
                TriggerKind.ACCOUNT_VALUE,
                TriggerAction(notify=("account_manager",), raise_priority=1),
                values=("vip", "strategic"),
                conditions=(Condition("severity", "in", ["S1", "S2"]),),
            ),
            TriggerRule(
                "urgent-category",
                TriggerKind.TIME_SENSITIVE_CATEGORY,
                TriggerAction(
                    escalate_to=RouteTarget(tier="T2"), escalation_type=EscalationType.INCIDENT
                ),
                values=("outage",),
            ),
            TriggerRule(
                "frustrated",
                TriggerKind.FRUSTRATION,
                TriggerAction(notify=("team_lead",)),
                min_score=0.7,
            ),
            TriggerRule(
                "many-affected",
                TriggerKind.MANY_AFFECTED,
                TriggerAction(
                    escalate_to=RouteTarget(tier="T2"),
                    escalation_type=EscalationType.INCIDENT,
                    notify=("manager",),
                ),
                threshold=10,
            ),
        ),
        escalation_types={
            EscalationType.REGULATORY: EscalationTypeRule(
                EscalationType.REGULATORY,
                default_owner=RouteTarget(team="compliance"),
                pausable=False,
            ),
            EscalationType.CUSTOMER_INITIATED: EscalationTypeRule(
                EscalationType.CUSTOMER_INITIATED, follow_up=True, acceptance=t("30m", "calendar")
            ),
        },
        regulatory_obligations={
            "gdpr_dsr": RegulatoryObligation(
                "gdpr_dsr", "GDPR data subject request", t("30d", "calendar"), t("3d", "calendar")
            ),
        },
        communication=CommunicationStandards(),
        ownership=OwnershipRules(OwnershipModel.HYBRID, coordinator_role="coordinator"),
    )
    return replace(base, **overrides)


def calendars(p: Policy | None = None) -> CalendarBook:
    return CalendarBook((p or policy()).calendars)
