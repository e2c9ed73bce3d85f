"""The routing matrix (R-POL-4, R-ROUTE-1): who takes a contact, how fast, and why.

Test routing rows, first match wins: outage → T2 (incident); billing_dispute for VIP and above →
finance (functional); bug_report by phone → T2; everything else → T1.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.builders import policy
from tierline.domain.policy import RouteTarget, RoutingRow
from tierline.domain.routing import RoutingError, explain, route
from tierline.domain.vocabulary import AccountValue, Channel, ClockKind, EscalationType, Severity


@pytest.mark.parametrize(
    ("contact_type", "channel", "value", "tier", "team", "etype", "reason"),
    [
        ("how_to", Channel.EMAIL, AccountValue.STANDARD, "T1", "frontline", None, "default"),
        ("outage", None, AccountValue.STANDARD, "T2", "specialists", "incident", "outage"),
        ("billing_dispute", None, AccountValue.STANDARD, "T1", "frontline", None, "default"),
        ("billing_dispute", None, AccountValue.VIP, "T2", "finance", "functional", "vip-billing"),
        (
            "billing_dispute",
            None,
            AccountValue.STRATEGIC,
            "T2",
            "finance",
            "functional",
            "vip-billing",
        ),
        (
            "bug_report",
            Channel.PHONE,
            AccountValue.STANDARD,
            "T2",
            "specialists",
            None,
            "phone-bugs",
        ),
        ("bug_report", Channel.EMAIL, AccountValue.STANDARD, "T1", "frontline", None, "default"),
    ],
)
def test_route(
    contact_type: str,
    channel: Channel | None,
    value: AccountValue,
    tier: str,
    team: str,
    etype: str | None,
    reason: str,
) -> None:
    r = route(policy(), contact_type, channel=channel, account_value=value)
    assert (r.tier, r.team) == (tier, team)
    assert r.escalation_type == (EscalationType(etype) if etype else None)
    assert r.reasons[-1].startswith(f"routing {reason} (line ")


def test_default_severity_comes_from_the_contact_type_and_is_explained() -> None:
    r = route(policy(), "outage")
    assert r.severity is Severity.S1
    assert r.reasons == ("contact_types.outage: default severity S1", "routing outage (line 10)")
    assert r.explanation.summary == "tier T2 takes a S1 'outage' contact"
    given = route(policy(), "outage", Severity.S2)
    assert given.severity is Severity.S2 and given.reasons == ("routing outage (line 10)",)


def test_a_situation_routes_by_its_own_target_and_type() -> None:
    r = route(policy(), "bug_report", channel=Channel.EMAIL, situation="asks_for_manager")
    assert (r.tier, r.team, r.escalation_type) == (
        "T2",
        "escalations",
        EscalationType.CUSTOMER_INITIATED,
    )
    assert r.reasons[-1] == "situations.asks_for_manager: asks_for_manager"


def test_a_row_naming_the_situation_wins_over_the_situation_route() -> None:
    base = policy()
    row = RoutingRow(
        "manager-on-phone",
        RouteTarget(team="specialists"),
        situations=("asks_for_manager",),
        channels=(Channel.PHONE,),
    )
    p = replace(base, routing=(*base.routing, row))
    on_phone = route(p, "how_to", channel=Channel.PHONE, situation="asks_for_manager")
    assert on_phone.team == "specialists" and on_phone.reasons[-1] == "routing manager-on-phone"
    # The row names the situation but not the type: the situation's type still applies.
    assert on_phone.escalation_type is EscalationType.CUSTOMER_INITIATED
    by_mail = route(p, "how_to", channel=Channel.EMAIL, situation="asks_for_manager")
    assert by_mail.team == "escalations"


def test_a_contact_types_regulatory_obligation_travels_with_the_route() -> None:
    assert route(policy(), "data_request").regulatory_obligation == "gdpr_dsr"
    assert route(policy(), "how_to").regulatory_obligation is None


def test_no_matching_row_means_the_lowest_tier() -> None:
    p = replace(policy(), routing=())
    r = route(p, "how_to")
    assert (r.tier, r.team) == ("T1", "frontline")
    assert r.reasons[-1] == "no routing row matched: the lowest tier takes it"


def test_unknown_contact_types_and_situations_are_refused_with_the_known_ones() -> None:
    with pytest.raises(RoutingError, match="unknown contact type 'fax'; expected one of: "):
        route(policy(), "fax")
    with pytest.raises(RoutingError, match="unknown situation 'sings'; expected one of: "):
        route(policy(), "how_to", situation="sings")


def test_explain_answers_who_how_fast_and_why() -> None:
    answer = explain(policy(), "bug_report", Severity.S3, Channel.EMAIL)
    data = answer.to_data()
    assert (data["tier"], data["team"], data["priority"]) == ("T1", "frontline", 3)
    assert data["policy_version"] == "pv-test"
    assert [(c["clock"], c["target"], c["seconds"], c["calendar"]) for c in data["clocks"]] == [
        ("first_response", "4h business (berlin)", 14_400.0, "berlin"),
        ("next_update", "8h business (berlin)", 28_800.0, "berlin"),
        ("resolution", "1d business (berlin)", 86_400.0, "berlin"),  # 24 business hours
        ("acceptance", "1h business (berlin)", 3_600.0, "berlin"),
    ]
    assert data["clocks"][0]["source"] == "severities.S3.targets.T1"
    assert data["why"] == ["routing default (line 13)"]
    assert data["triggers"] == ["time-in-tier (time_in_tier): moves up after 8h business at T1"]


def test_explain_a_regulatory_contact() -> None:
    answer = explain(policy(), "data_request")
    assert answer.route.regulatory_obligation == "gdpr_dsr"
    reg = [c for c in answer.clocks if c.clock is ClockKind.REGULATORY]
    assert [(c.target, c.calendar) for c in reg] == [("30d calendar", "24x7")]
    assert "GDPR data subject request: deadline never pauses" in answer.notes
    assert answer.priority == 2  # S3 raised for regulatory exposure
    assert any(t.startswith("regulatory (regulatory_flag)") for t in answer.triggers)


def test_explain_an_outage_for_a_vip() -> None:
    answer = explain(policy(), "outage", account_value=AccountValue.VIP)
    assert answer.priority == 1
    assert [c.target for c in answer.clocks][:1] == ["15m calendar"]
    assert answer.notes == (
        "escalation notice to the customer within 1h calendar (escalation_types.incident)",
    )
    ids = [t.split(" ")[0] for t in answer.triggers]
    assert ids == ["time-in-tier", "vip", "urgent-category"]
