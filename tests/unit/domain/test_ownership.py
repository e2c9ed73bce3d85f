"""Ownership (R-OWN): one accountable owner, transfers at acceptance, vacuums made visible."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from tests.builders import BERLIN, Story
from tierline.domain.case import CaseState, fold
from tierline.domain.events import EventKind
from tierline.domain.ownership import (
    OwnershipError,
    OwnershipState,
    check_acceptance,
    check_transfer_request,
    next_communication_owner,
    ownership,
)
from tierline.domain.policy import OwnershipRules
from tierline.domain.vocabulary import OwnershipModel

RELAY = OwnershipRules(OwnershipModel.RELAY)
BATON = OwnershipRules(OwnershipModel.BATON)
HYBRID = OwnershipRules(OwnershipModel.HYBRID, coordinator_role="coordinator")


def story() -> Story:
    return Story().opened("2026-03-02T09:00")


def state(s: Story) -> CaseState:
    return fold("c1", s.events)


def test_an_owned_case() -> None:
    s = story()
    own = ownership(state(s), RELAY, s.at("2026-03-02T10:00"), None)
    assert own.state is OwnershipState.OWNED
    assert (own.owner, own.team, own.accountable, own.next_comm_owner) == (
        "alice",
        "frontline",
        "alice",
        "alice",
    )
    assert own.pending_escalation is None and own.reason == "no transfer pending"


def test_the_sender_stays_accountable_until_acceptance() -> None:
    s = story().escalate("2026-03-02T10:00", "e1")
    own = ownership(state(s), RELAY, s.at("2026-03-02T10:30"), s.at("2026-03-02T12:00"))
    assert own.state is OwnershipState.TRANSFER_REQUESTED
    assert own.accountable == "alice" and own.owner == "alice"
    assert (own.pending_escalation, own.pending_to_team) == ("e1", "specialists")
    assert own.reason == "transfer e1 awaits acceptance by specialists"


def test_an_overdue_acceptance_is_a_vacuum_from_the_due_instant_on() -> None:
    s = story().escalate("2026-03-02T10:00", "e1")
    due = s.at("2026-03-02T12:00")
    before = ownership(state(s), RELAY, due - timedelta(seconds=1), due)
    assert before.state is OwnershipState.TRANSFER_REQUESTED
    # At the due instant the acceptance clock is breached and the levels flag a vacuum; the
    # ownership view agrees.
    at_due = ownership(state(s), RELAY, due, due)
    assert at_due.state is OwnershipState.VACUUM
    assert at_due.reason == (
        "transfer e1 to specialists not accepted since 2026-03-02T10:00:00+01:00 "
        "(due 2026-03-02T12:00:00+01:00)"
    )
    assert at_due.accountable == "alice"  # a vacuum still has someone to answer for it


def test_without_a_known_due_instant_there_is_no_vacuum_yet() -> None:
    s = story().escalate("2026-03-02T10:00", "e1")
    own = ownership(state(s), RELAY, s.at("2026-03-20T10:00"), None)
    assert own.state is OwnershipState.TRANSFER_REQUESTED


def test_vacuum_inside_the_repeated_autumn_hour() -> None:
    """Due 02:50 CEST, now 02:10 CET: the wall clock reads earlier, but it is 20 minutes later."""
    s = Story().opened("2026-10-25T01:00").escalate("2026-10-25T01:30", "e1")
    due = datetime(2026, 10, 25, 2, 50, tzinfo=BERLIN)  # fold=0: the first, summer-time 02:50
    now = datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=BERLIN)  # the second, winter-time 02:10
    assert now.timestamp() - due.timestamp() == 20 * 60
    assert ownership(state(s), RELAY, now, due).state is OwnershipState.VACUUM


def test_a_closed_case() -> None:
    s = story().resolve("2026-03-02T11:00")
    own = ownership(state(s), RELAY, s.at("2026-03-02T12:00"), None)
    assert own.state is OwnershipState.CLOSED and own.reason == "case is resolved"


def test_accountable_falls_back_to_the_team_then_unassigned() -> None:
    s = Story().opened("2026-03-02T09:00", owner=None)
    assert ownership(state(s), RELAY, s.at("2026-03-02T10:00"), None).accountable == (
        "team:frontline"
    )
    nobody = replace(state(s), team=None)
    assert ownership(nobody, RELAY, s.at("2026-03-02T10:00"), None).accountable == "unassigned"


@pytest.mark.parametrize(
    ("rules", "coordinator", "expected"),
    [
        (RELAY, None, "bob"),  # full transfer: the new owner speaks to the customer
        (BATON, None, "alice"),  # the front line keeps the relationship
        (HYBRID, "carol", "carol"),  # the coordinator owns communication
        (HYBRID, None, "bob"),  # no coordinator yet: the owner
        (RELAY, "carol", "bob"),
    ],
)
def test_who_owns_the_next_communication_after_a_t1_to_t2_transfer(
    rules: OwnershipRules, coordinator: str | None, expected: str
) -> None:
    s = story().escalate("2026-03-02T10:00", "e1").accept("2026-03-02T10:20", "e1", by="bob")
    if coordinator:
        s.add("2026-03-02T10:25", EventKind.COORDINATOR_ASSIGNED, coordinator=coordinator)
    st = state(s)
    assert st.owner == "bob"
    assert next_communication_owner(st, rules) == expected
    assert ownership(st, rules, s.at("2026-03-02T11:00"), None).next_comm_owner == expected


def test_transfer_requests_one_at_a_time_and_only_on_open_cases() -> None:
    s = story()
    check_transfer_request(state(s))
    s.escalate("2026-03-02T10:00", "e1")
    with pytest.raises(OwnershipError, match="e1 is still awaiting acceptance"):
        check_transfer_request(state(s))
    s.resolve("2026-03-02T11:00")
    with pytest.raises(OwnershipError, match="case is resolved; reopen it"):
        check_transfer_request(state(s))


def test_acceptance_checks() -> None:
    s = story()
    with pytest.raises(OwnershipError, match="no transfer is awaiting"):
        check_acceptance(state(s), "e1", "specialists")
    s.escalate("2026-03-02T10:00", "e1")
    with pytest.raises(OwnershipError, match="expected e1"):
        check_acceptance(state(s), "e2", "specialists")
    with pytest.raises(OwnershipError, match="addressed to team specialists"):
        check_acceptance(state(s), "e1", "finance")
    check_acceptance(state(s), "e1", "specialists")
    check_acceptance(state(s), "e1", None)
