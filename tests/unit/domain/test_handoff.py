"""The structured handoff (R-HAND-1..4): refused while incomplete, scored, prefilled."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tests.builders import BERLIN, Story
from tierline.domain.case import Account, fold
from tierline.domain.handoff import (
    HANDOFF_FIELDS,
    Handoff,
    account_context,
    check_handoff,
    prefill,
)
from tierline.domain.policy import HandoffRules
from tierline.domain.vocabulary import AccountValue, EmotionalState, Segment

RULES = HandoffRules()

GOOD = Handoff(
    issue_summary="Invoices since March show VAT twice",
    steps_taken="Checked tax settings, re-generated invoice 1042",
    reason="Only finance can correct issued invoices",
    customer_told="Escalated to finance, answer by Tuesday noon",
    emotional_state=EmotionalState.FRUSTRATED,
    stated_urgency="month-end close on Friday",
)


def test_a_handoff_with_every_required_field_is_complete() -> None:
    check = check_handoff(RULES, GOOD)
    assert check.complete and check.missing == ()
    assert check.weak == ("promised_time", "account_context")
    assert check.completeness == round(6 / 7, 3)  # optional fields weigh half


def test_a_full_handoff_scores_one() -> None:
    full = Handoff(
        **_text_fields(GOOD),
        promised_time=datetime(2026, 3, 3, 12, tzinfo=BERLIN),
        account_context={"renewal_within_90_days": True},
    )
    assert check_handoff(RULES, full).completeness == 1.0


@pytest.mark.parametrize("filler", ["", "n/a", "N/A", "see notes", " tbd ", "...", "too short"])
def test_filler_and_short_text_count_as_missing(filler: str) -> None:
    handoff = Handoff(**{**_text_fields(GOOD), "reason": filler, "customer_told": filler})
    check = check_handoff(RULES, handoff)
    assert not check.complete
    assert check.missing == ("reason", "customer_told")  # in form order
    assert check.describe_missing() == [
        "reason: why the current tier cannot resolve it",
        "customer_told: what the customer was told about the escalation",
    ]
    assert check.completeness == round(4 / 7, 3)


def test_urgency_may_be_one_word_but_not_a_dash_and_emotion_is_required() -> None:
    ok = Handoff(**{**_text_fields(GOOD), "stated_urgency": "today"})
    assert check_handoff(RULES, ok).complete
    dash = Handoff(**{**_text_fields(GOOD), "stated_urgency": "-"})
    no_emotion = Handoff(**{**_text_fields(GOOD), "emotional_state": None})
    assert check_handoff(RULES, dash).missing == ("stated_urgency",)
    assert check_handoff(RULES, no_emotion).missing == ("emotional_state",)


def test_the_policy_decides_what_is_required() -> None:
    rules = HandoffRules(required=("issue_summary",), min_text=5)
    check = check_handoff(rules, Handoff(issue_summary="Login"))
    assert check.complete
    assert len(check.weak) == len(HANDOFF_FIELDS) - 1


def test_handoff_round_trips_through_data() -> None:
    h = Handoff(
        **{**_text_fields(GOOD), "emotional_state": EmotionalState.ANGRY},
        promised_time=datetime(2026, 3, 3, 12, tzinfo=BERLIN),
        account_context={"value": "vip"},
        warm=True,
    )
    data = h.to_data()
    assert data["promised_time"] == "2026-03-03T12:00:00+01:00"
    assert data["emotional_state"] == "angry" and data["warm"] is True
    assert Handoff.from_data(data) == h
    assert Handoff.from_data({**data, "promised_time": h.promised_time}) == h
    assert Handoff.from_data({}) == Handoff()


def test_account_context_is_computed_not_typed() -> None:
    acct = Account(
        "acme",
        name="ACME GmbH",
        segment=Segment.ENTERPRISE,
        value=AccountValue.STRATEGIC,
        customer_since=date(2026, 1, 15),
        renewal_date=date(2026, 4, 30),
        account_manager="mia",
    )
    assert account_context(acct, 2, date(2026, 3, 2)) == {
        "account": "ACME GmbH",
        "segment": "enterprise",
        "value": "strategic",
        "strategic": True,
        "renewal_date": "2026-04-30",
        "renewal_within_90_days": True,
        "tenure_days": 46,
        "new_customer": True,
        "earlier_escalations": 2,
        "account_manager": "mia",
    }
    assert account_context(None, 1, date(2026, 3, 2)) == {"earlier_escalations": 1}
    plain = account_context(Account("x"), 0, date(2026, 3, 2))
    assert plain["tenure_days"] is None and not plain["new_customer"] and not plain["strategic"]


def test_prefill_carries_the_previous_handoff_but_never_the_reason() -> None:
    s = Story().opened("2026-03-02T09:00")
    for minute in ("10", "20"):
        s.customer(f"2026-03-02T09:{minute}", repeat_contact=True)
    state = fold("c1", s.events)
    earlier = Handoff(**_text_fields(GOOD), promised_time=datetime(2026, 3, 3, tzinfo=BERLIN))
    draft = prefill(state, Account("acme"), [earlier], 1, "typed description", date(2026, 3, 2))
    assert draft.issue_summary == GOOD.issue_summary
    assert draft.steps_taken == GOOD.steps_taken
    assert draft.customer_told == GOOD.customer_told
    assert draft.reason == ""  # why *this* tier cannot resolve it is new every time
    assert draft.promised_time == earlier.promised_time
    assert draft.account_context["repeat_contacts"] == 2
    assert draft.account_context["reopen_count"] == 0
    assert draft.account_context["earlier_escalations"] == 1
    first = prefill(state, None, [], 0, "typed description", date(2026, 3, 2))
    assert first.issue_summary == "typed description" and first.steps_taken == ""
    assert check_handoff(RULES, first).missing == (
        "steps_taken",
        "reason",
        "customer_told",
        "emotional_state",
        "stated_urgency",
    )


def _text_fields(h: Handoff) -> dict[str, Any]:
    return {
        "issue_summary": h.issue_summary,
        "steps_taken": h.steps_taken,
        "reason": h.reason,
        "customer_told": h.customer_told,
        "emotional_state": h.emotional_state,
        "stated_urgency": h.stated_urgency,
    }
