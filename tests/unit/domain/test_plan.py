"""Frozen plans and the codec that stores them (STYLE idea 3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.builders import BERLIN, Story, calendars, policy, t
from tierline.domain.calendar import CalendarBook
from tierline.domain.clocks import compute_clocks
from tierline.domain.codec import from_data, to_data
from tierline.domain.plan import EscalationPlan, freeze_plan
from tierline.domain.policy import CommunicationStandards, Policy
from tierline.domain.vocabulary import ClockKind, Severity

FROZEN_AT = datetime(2026, 3, 2, 9, tzinfo=BERLIN)


def templated() -> Policy:
    comm = CommunicationStandards(templates={"escalation_notice": {"en": "Hello {{ name }}"}})
    return replace(policy(), communication=comm, frustration_terms=("lawyer",))


def test_a_plan_keeps_what_governs_a_running_case_and_drops_what_starts_one() -> None:
    p = templated()
    plan = freeze_plan(p, FROZEN_AT)
    g = plan.governing
    assert plan.policy_version == "pv-test" and plan.frozen_at == FROZEN_AT
    # Kept: everything clocks and levels need.
    assert g.severities == p.severities and g.calendars == p.calendars
    assert g.tiers == p.tiers and g.teams == p.teams
    assert g.pause_statuses == p.pause_statuses
    assert g.warning_fractions == p.warning_fractions
    assert g.escalation_levels == p.escalation_levels
    assert g.escalation_types == p.escalation_types
    assert g.regulatory_obligations == p.regulatory_obligations
    assert g.ownership == p.ownership and g.approval_target == p.approval_target
    assert g.communication.escalation_notice == p.communication.escalation_notice
    # Dropped: what decides whether an escalation starts, and message templates.
    assert g.routing == () and g.triggers == () and g.roles == {}
    assert g.contact_types == {} and g.situations == {} and g.frustration_terms == ()
    assert g.communication.templates == {}


def test_a_plan_round_trips_through_json_exactly() -> None:
    plan = freeze_plan(templated(), FROZEN_AT)
    back = EscalationPlan.from_data(json.loads(json.dumps(plan.to_data())))
    assert back == plan
    assert back.digest == plan.digest


def test_the_digest_names_the_content_not_the_moment() -> None:
    p = policy()
    a = freeze_plan(p, FROZEN_AT)
    b = freeze_plan(p, FROZEN_AT + timedelta(days=3))
    assert a.digest == b.digest and len(a.digest) == 16
    # Templates and triggers are not part of a plan, so they do not change its digest either.
    assert freeze_plan(templated(), FROZEN_AT).digest == a.digest
    levels = dict(p.severities)
    levels[Severity.S3] = replace(levels[Severity.S3], targets={})
    assert freeze_plan(replace(p, severities=levels), FROZEN_AT).digest != a.digest
    assert freeze_plan(replace(p, warning_fractions=(0.9,)), FROZEN_AT).digest != a.digest


def test_clocks_from_a_plan_equal_clocks_from_its_policy() -> None:
    p = policy()
    plan = EscalationPlan.from_data(json.loads(json.dumps(freeze_plan(p, FROZEN_AT).to_data())))
    s = (
        Story()
        .opened("2026-03-02T09:00", regulatory_obligation="gdpr_dsr")
        .reply("2026-03-02T09:30")
        .status("2026-03-02T10:00", "waiting_on_customer")
        .status("2026-03-03T10:00", "open")
        .escalate("2026-03-03T11:00")
    )
    now = s.at("2026-03-03T12:00")
    live = compute_clocks(s.events, p, calendars(p), now)
    frozen = compute_clocks(s.events, plan.governing, CalendarBook(plan.governing.calendars), now)
    assert live == frozen


# --------------------------------------------------------------------------- codec


@dataclass(frozen=True)
class Sample:
    kind: ClockKind
    span: timedelta
    money: Decimal
    when: datetime
    day: date
    tags: frozenset[str]
    pairs: tuple[tuple[int, int], ...]
    names: list[str]
    table: dict[Severity, int]
    maybe: int | None = None
    either: float | str = 0.0
    anything: Any = None
    nested: tuple[Sample, ...] = field(default=())


def test_codec_round_trips_every_supported_type() -> None:
    leaf = Sample(
        ClockKind.RESOLUTION,
        timedelta(hours=1, microseconds=5),
        Decimal("12.50"),
        FROZEN_AT,
        date(2026, 4, 6),
        frozenset({"b", "a"}),
        ((1, 2), (3, 4)),
        ["x"],
        {Severity.S1: 1},
        maybe=None,
        either="text",
        anything={"free": [1, 2]},
    )
    value = replace(leaf, nested=(leaf,), maybe=7, either=1.5)
    data = to_data(value)
    assert data["kind"] == "resolution"
    assert data["span"] == 3600.000005
    assert data["money"] == "12.50"
    assert data["when"] == "2026-03-02T09:00:00+01:00"
    assert data["tags"] == ["a", "b"]  # sets are sorted, so digests are stable
    assert data["table"] == {"S1": 1}
    assert from_data(Sample, json.loads(json.dumps(data))) == value


def test_codec_refuses_data_of_the_wrong_type() -> None:
    with pytest.raises(TypeError, match="expected int"):
        from_data(int, "7")
    with pytest.raises(ValueError, match="no type of"):
        from_data(int | bool, "x")
    with pytest.raises(TypeError, match="cannot decode"):
        from_data(complex, 1)
    assert from_data(int | None, None) is None
    assert from_data(float, 2) == 2.0 and isinstance(from_data(float, 2), float)


def test_targets_and_policies_decode_from_plain_json() -> None:
    target = t("1h30m", "calendar")
    assert from_data(type(target), json.loads(json.dumps(to_data(target)))) == target
    p = policy()
    assert from_data(Policy, json.loads(json.dumps(to_data(p)))) == p
