"""Stories about waiting on the customer, and about a deadline that never waits.

The test policy pauses resolution and next-update clocks while a case is ``waiting_on_customer``;
first response is not paused (the customer deserves an answer before we wait on them), and
regulatory deadlines can never be paused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.builders import Story
from tests.scenarios.desk import Desk
from tierline.domain.clocks import ClockSet
from tierline.domain.vocabulary import ClockState


def states(cs: ClockSet) -> dict[str, str]:
    return {c.key: c.state.value for c in cs.clocks}


def test_waiting_on_the_customer_pauses_resolution() -> None:
    """Monday 2 March 2026, 09:00: an S3 bug report at the Berlin desk.

    09:40 Alice answers and asks for logs; the case waits on the customer. The first response is
    met; resolution (24h) has run for 40 minutes and stops; so does the 8h update clock that her
    answer started. The logs arrive on Wednesday 4 March at 11:00 and the case is open again.

    The resolution clock was paused for 17h20m of office time (Monday 09:40–17:00, Tuesday,
    Wednesday 08:00–11:00), so its deadline moves from Thursday 09:00 to Monday 9 March 10:20.
    """
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:40")
    s.status("2026-03-02T09:40", "waiting_on_customer")
    desk = Desk(s)

    tuesday = desk.clocks("2026-03-03T15:00")
    assert states(tuesday) == {
        "first_response": "met",
        "resolution#1": "paused",
        "next_update#1": "paused",
    }
    res = tuesday.get("resolution#1")
    assert res is not None and res.due_at is None
    assert res.elapsed == timedelta(minutes=40)
    assert tuesday.next_due_at is None  # nothing can fire while everything waits
    assert desk.tick("2026-03-03T15:00") == []

    s.customer("2026-03-04T11:00").status("2026-03-04T11:00", "open")
    wednesday = desk.clocks("2026-03-04T11:05")
    res = wednesday.get("resolution#1")
    assert res is not None and res.state is ClockState.RUNNING
    assert res.paused == timedelta(hours=17, minutes=20)
    assert res.due_at == s.at("2026-03-09T10:20")
    # The update clock had not run at all: 8h from Wednesday 11:00 is Thursday 11:00.
    assert wednesday.get("next_update#1").due_at == s.at("2026-03-05T11:00")  # type: ignore[union-attr]


def test_first_response_does_not_pause_while_waiting() -> None:
    """Monday 2 March, 16:30: a case arrives and is parked waiting on the customer at 16:35
    without an answer. The first-response clock runs on: 30 minutes on Monday and 3.5 hours on
    Tuesday, due 11:30; at 11:30 it breaches and the case escalates to T2 as an SLA escalation.
    """
    s = Story().opened("2026-03-02T16:30").status("2026-03-02T16:35", "waiting_on_customer")
    desk = Desk(s)
    fr = desk.clock("2026-03-03T09:00", "first_response")
    assert fr.paused == timedelta(0) and fr.due_at == s.at("2026-03-03T11:30")
    assert desk.clock("2026-03-03T09:00", "resolution#1").state is ClockState.PAUSED
    fired = desk.tick("2026-03-03T11:30")
    assert [f.stage for f in fired] == ["warning:0.5", "warning:0.75", "breach"]
    assert fired[-1].summary() == [("escalate", None, ("owner", "team_lead"), "specialists")]


def test_a_regulatory_deadline_does_not_wait_for_the_customer() -> None:
    """Monday 2 March 2026, 09:00: a data subject access request (GDPR: answer within 30
    calendar days, acknowledge within 3).

    09:30 Alice acknowledges and asks the customer to prove their identity; the case waits on
    the customer for eleven days. The resolution clock pauses; the regulatory deadline does not:
    it stays 1 April 10:00 CEST (30 × 24 real hours after 09:00 CET; DST began on 29 March).
    The regulatory trigger sends the case to compliance straight away.
    """
    s = Story().opened(
        "2026-03-02T09:00", contact_type="data_request", regulatory_obligation="gdpr_dsr"
    )
    desk = Desk(s)
    assert [(d.rule, d.target_team) for d in desk.triggers("2026-03-02T09:05")] == [
        ("regulatory", "compliance")
    ]
    s.reply("2026-03-02T09:30").status("2026-03-02T09:30", "waiting_on_customer")
    s.status("2026-03-13T09:30", "open")
    cs = desk.clocks("2026-03-13T09:45")
    reg = cs.get("regulatory:gdpr_dsr")
    assert reg is not None and not reg.pausable
    assert reg.due_at == datetime(2026, 4, 1, 8, tzinfo=UTC)
    assert reg.due_at == datetime.fromisoformat("2026-04-01T10:00+02:00")
    assert reg.paused == timedelta(0) and reg.elapsed == timedelta(days=11, minutes=45)
    assert cs.get("regulatory_ack:gdpr_dsr").state is ClockState.MET  # type: ignore[union-attr]
    res = cs.get("resolution#1")
    assert res is not None and res.paused > timedelta(0)

    # Waiting on the customer again when the obligation runs out: it breaches regardless.
    s.status("2026-03-13T10:00", "waiting_on_customer")
    late = desk.clocks("2026-04-01T10:00")
    assert late.get("regulatory:gdpr_dsr").state is ClockState.BREACHED  # type: ignore[union-attr]
    assert late.get("resolution#1").state is ClockState.PAUSED  # type: ignore[union-attr]
