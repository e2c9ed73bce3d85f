"""The two example policies load, are realistic, differ where they should, and work end to end."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tierline.domain.plan import EscalationPlan, freeze_plan
from tierline.domain.routing import explain
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
from tierline.policy import (
    calendar_book,
    example_names,
    example_path,
    load_policy,
    load_policy_text,
)

REPO = Path(__file__).resolve().parents[3]
NAMES = ("saas_support", "retail_bank")


@pytest.mark.parametrize("name", NAMES)
def test_example_loads_with_a_content_version(name: str) -> None:
    loaded = load_policy(example_path(name))
    assert re.fullmatch(r"pv-[0-9a-f]{16}", loaded.policy.version)
    assert loaded.policy.name == name
    assert loaded.document["name"] == name
    assert set(loaded.policy.severities) == set(Severity)


def test_both_examples_load_well_under_a_second() -> None:
    load_policy(example_path("saas_support"))  # warm imports (holidays, jinja2)
    started = time.perf_counter()
    for name in NAMES:
        load_policy(example_path(name))
    assert time.perf_counter() - started < 0.8


def test_examples_are_packaged_and_mirrored_at_the_repository_root() -> None:
    assert set(NAMES) <= set(example_names())
    for name in NAMES:
        packaged = example_path(name)
        assert packaged.parent.name == "examples" and packaged.parent.parent.name == "tierline"
        root_copy = REPO / "examples" / f"{name}.yaml"
        assert root_copy.read_bytes() == packaged.read_bytes()
    assert example_path("saas_support.yaml") == example_path("saas_support")
    with pytest.raises(KeyError, match="expected one of"):
        example_path("no_such_policy")


def test_saas_policy_is_a_follow_the_sun_hybrid_desk() -> None:
    p = load_policy(example_path("saas_support")).policy
    berlin, new_york, always = (
        p.calendars["emea_support"],
        p.calendars["americas_support"],
        p.calendars["around_the_clock"],
    )
    assert (berlin.timezone, berlin.holiday_country, berlin.holiday_subdivision) == (
        "Europe/Berlin",
        "DE",
        "BE",
    )
    assert berlin.weekly is not None and berlin.weekly[0] == ((8 * 3600, 45000), (48600, 18 * 3600))
    assert (new_york.timezone, new_york.holiday_country, new_york.holiday_subdivision) == (
        "America/New_York",
        "US",
        "NY",
    )
    assert always.always_open
    assert [t.id for t in p.tiers] == ["T1", "T2", "T3"]
    assert p.ownership.model is OwnershipModel.HYBRID
    assert p.ownership.coordinator_role in p.roles
    limits = {r: p.roles[r].limits.credit for r in ("agent", "senior_agent", "supervisor")}
    assert limits == {
        "agent": Decimal(50),
        "senior_agent": Decimal(250),
        "supervisor": Decimal(1000),
    }
    assert p.roles["support_manager"].limits.credit == Decimal(5000)
    assert p.currency == "EUR"
    assert {t.kind for t in p.triggers} == set(TriggerKind), "every trigger kind is used once"
    assert {"asks_for_manager", "suspected_defect", "regulatory", "threatens_to_cancel"} <= set(
        p.situations
    )
    gdpr = p.regulatory_obligations[p.situations["regulatory"].regulatory_obligation or ""]
    assert gdpr.deadline.duration == timedelta(days=30)
    assert gdpr.deadline.basis is TimeBasis.CALENDAR


def test_bank_policy_is_a_relay_contact_centre_with_regulatory_clocks() -> None:
    p = load_policy(example_path("retail_bank")).policy
    centre = p.calendars["contact_centre"]
    assert (centre.timezone, centre.holiday_country, centre.holiday_subdivision) == (
        "Europe/London",
        "GB",
        "ENG",
    )
    assert centre.weekly is not None and centre.weekly[5] == ((9 * 3600, 13 * 3600),)
    assert any(c.always_open for c in p.calendars.values())
    assert p.ownership.model is OwnershipModel.RELAY
    assert p.currency == "GBP"
    assert {"account_number", "date_of_birth", "health_condition"} <= set(p.sensitive_fields)
    assert {"complaints", "fraud", "vulnerable_customers", "financial_crime"} <= set(p.teams)
    final = p.regulatory_obligations["fca_complaint_final_response"]
    assert (final.deadline.duration, final.deadline.basis) == (
        timedelta(weeks=8),
        TimeBasis.CALENDAR,
    )
    psd2 = p.regulatory_obligations["psd2_payment_complaint"]
    assert (
        psd2.deadline.duration == timedelta(days=15) and psd2.deadline.basis is TimeBasis.BUSINESS
    )
    assert p.type_rule(EscalationType.REGULATORY).pausable is False
    assert not p.pausing_statuses(ClockKind.REGULATORY)


def test_the_examples_differ_in_calendars_tiers_limits_and_rules() -> None:
    saas = load_policy(example_path("saas_support")).policy
    bank = load_policy(example_path("retail_bank")).policy
    assert set(saas.calendars).isdisjoint(bank.calendars)
    assert {t.id for t in saas.tiers}.isdisjoint({t.id for t in bank.tiers})
    assert max(r.limits.credit for r in bank.roles.values()) < max(
        r.limits.credit for r in saas.roles.values()
    )
    assert bank.roles["adviser"].limits.credit < saas.roles["agent"].limits.credit
    assert set(saas.regulatory_obligations).isdisjoint(bank.regulatory_obligations)
    assert saas.ownership.model is not bank.ownership.model


def test_routing_rows_cite_their_line_in_the_file(saas_text: str) -> None:
    p = load_policy_text(saas_text, "saas.yaml").policy
    lines = saas_text.splitlines()
    for row in p.routing:
        number = int(row.source.removeprefix("line "))
        assert lines[number - 1].split("#")[0].strip() == f"- id: {row.id}"


@pytest.mark.parametrize("name", NAMES)
def test_every_contact_type_and_severity_can_be_explained(name: str) -> None:
    p = load_policy(example_path(name)).policy
    for ctype in p.contact_types:
        for sev in Severity:
            for value in AccountValue:
                answer = explain(p, ctype, sev, Channel.PHONE, value)
                assert answer.route.team is not None, (ctype, sev)
                assert answer.clocks, (ctype, sev)
        for situation in p.situations:
            assert explain(p, ctype, None, None, AccountValue.STANDARD, situation).route.team


@pytest.mark.parametrize("name", NAMES)
def test_a_plan_frozen_from_an_example_round_trips(name: str) -> None:
    p = load_policy(example_path(name)).policy
    plan = freeze_plan(p, datetime.fromisoformat("2026-03-02T09:00:00+01:00"))
    again = EscalationPlan.from_data(plan.to_data())
    assert again.digest == plan.digest


def test_berlin_desk_skips_christmas_and_the_lunch_break() -> None:
    book = calendar_book(load_policy(example_path("saas_support")).policy)
    berlin = book.get("emea_support")
    # Wednesday 23 Dec 17:30: half an hour today; 24 Dec closed, 25/26 Dec holidays, weekend.
    start = datetime.fromisoformat("2026-12-23T17:30:00+01:00")
    assert berlin.add(start, timedelta(hours=2)).isoformat() == "2026-12-28T09:30:00+01:00"
    # 12:00 + 1h of business time crosses the 12:30-13:30 lunch break.
    noon = datetime.fromisoformat("2026-03-03T12:00:00+01:00")
    assert berlin.add(noon, timedelta(hours=1)).isoformat() == "2026-03-03T14:00:00+01:00"


def test_london_back_office_skips_the_august_bank_holiday() -> None:
    book = calendar_book(load_policy(example_path("retail_bank")).policy)
    office = book.get("back_office")
    start = datetime.fromisoformat("2026-08-28T16:00:00+01:00")  # Friday; Monday 31 Aug is off
    assert office.add(start, timedelta(hours=2)).isoformat() == "2026-09-01T10:00:00+01:00"
    centre = book.get("contact_centre")  # open Saturday morning
    assert centre.add(start, timedelta(hours=5)).isoformat() == "2026-08-29T10:00:00+01:00"
