"""Stories about a case changing under a running clock, and a policy changing under a case."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from tests.builders import Story, policy, t
from tests.scenarios.desk import Desk
from tierline.domain.calendar import CalendarBook
from tierline.domain.events import EventKind
from tierline.domain.plan import EscalationPlan, freeze_plan
from tierline.domain.policy import EscalationLevel, Policy
from tierline.domain.vocabulary import ClockState, Severity, TimeBasis


def test_severity_changes_retarget_the_running_clocks() -> None:
    """Monday 2 March 2026, 09:00: an S3 question about slow reports (first response 4h,
    resolution 24h, business time).

    09:20 the customer says month-end payroll is blocked: S2. The clocks keep their start and
    take the S2 targets: first response 10:00, resolution 16h → Wednesday 09:00.
    09:40 Alice answers. 11:00 it turns out every customer is affected: S1, counted in calendar
    time from the same start: resolution due 17:00 today; the met first response stays met.
    """
    s = Story().opened("2026-03-02T09:00")
    desk = Desk(s)
    assert desk.clock("2026-03-02T09:10", "resolution#1").due_at == s.at("2026-03-05T09:00")

    s.add("2026-03-02T09:20", EventKind.SEVERITY_CHANGED, to="S2")
    cs = desk.clocks("2026-03-02T09:30")
    assert cs.get("first_response").due_at == s.at("2026-03-02T10:00")  # type: ignore[union-attr]
    assert cs.get("resolution#1").due_at == s.at("2026-03-04T09:00")  # type: ignore[union-attr]

    s.reply("2026-03-02T09:40")
    s.add("2026-03-02T11:00", EventKind.SEVERITY_CHANGED, to="S1")
    cs = desk.clocks("2026-03-02T11:05")
    res = cs.get("resolution#1")
    assert res is not None and res.target.basis is TimeBasis.CALENDAR
    assert res.due_at == s.at("2026-03-02T17:00")
    assert cs.get("first_response").state is ClockState.MET  # type: ignore[union-attr]
    # The update clock started at 09:40 under S2 (4h business) now runs on S1's 1h calendar.
    assert cs.get("next_update#1").due_at == s.at("2026-03-02T10:40")  # type: ignore[union-attr]
    assert desk.state().severity is Severity.S1


def test_reopening_starts_a_new_resolution_clock() -> None:
    """Monday 2 March, 09:00: an S3 case, answered at 09:30 and resolved Tuesday 3 March 15:00
    in time. Thursday 5 March 10:00 the customer reports that the fix did not hold and the case
    is reopened: a new resolution clock starts (24h → Tuesday 10 March 10:00); the first one
    keeps its result, met.
    """
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:30").resolve("2026-03-03T15:00")
    desk = Desk(s)
    assert desk.clocks("2026-03-04T09:00").next_due_at is None

    s.add("2026-03-05T10:00", EventKind.REOPENED)
    cs = desk.clocks("2026-03-05T10:05")
    first, second = cs.get("resolution#1"), cs.get("resolution#2")
    assert first is not None and first.state is ClockState.MET
    assert first.elapsed == timedelta(hours=13)  # Monday 09:00–17:00 7h, Tuesday to 15:00 6h
    assert second is not None and second.started_at == s.at("2026-03-05T10:00")
    assert second.due_at == s.at("2026-03-10T10:00")
    assert desk.state().reopen_count == 1


def _policy_v2(v1: Policy) -> Policy:
    """The new policy: S3 resolution at T1 cut to 8h, and breach + 1h instead of breach + 2h."""
    levels = dict(v1.severities)
    s3 = levels[Severity.S3]
    targets = dict(s3.targets)
    targets["T1"] = replace(targets["T1"], resolution=t("8h"))
    levels[Severity.S3] = replace(s3, targets=targets)
    return replace(
        v1,
        version="pv-2",
        severities=levels,
        escalation_levels=(
            EscalationLevel("warning", notify=("owner",)),
            EscalationLevel("breach", notify=("owner",)),
            EscalationLevel("breach", after=timedelta(hours=1), notify=("director",)),
        ),
    )


def test_a_frozen_plan_keeps_its_deadlines_after_the_policy_changes_and_is_deleted() -> None:
    """Monday 2 March 2026, 09:00: an S3 case under policy pv-test; its plan is frozen and
    stored with the case as JSON. Resolution due Thursday 09:00, breach + 2h at 11:00.

    Tuesday the administrator activates pv-2 (resolution 8h, breach + 1h paging a director) and
    deletes pv-test. The running case keeps its deadlines and its escalation levels; a case
    opened under pv-2 gets the new ones. Thursday 09:00 the case breaches under its own plan.
    """
    v1 = policy()
    s = Story().opened("2026-03-02T09:00").reply("2026-03-02T09:30")
    stored = json.dumps(freeze_plan(v1, s.at("2026-03-02T09:00")).to_data())
    before = Desk(s, v1).clocks("2026-03-02T10:00")

    v2 = _policy_v2(v1)
    del v1  # the old version is gone; only the stored plan remains

    plan = EscalationPlan.from_data(json.loads(stored))
    assert plan.policy_version == "pv-test"
    desk = Desk(s, plan.governing, book=CalendarBook(plan.governing.calendars))
    after = desk.clocks("2026-03-02T10:00")
    assert after == before
    res = after.get("resolution#1")
    assert res is not None and res.due_at == s.at("2026-03-05T09:00")
    assert {st.name: st.at for st in res.stages}["breach+7200s"] == s.at("2026-03-05T11:00")

    fresh = Desk(Story().opened("2026-03-03T09:00"), v2)
    fresh_res = fresh.clock("2026-03-03T09:05", "resolution#1")
    assert fresh_res.due_at == fresh.story.at("2026-03-04T09:00")  # 7h on Tuesday, 1h Wednesday
    assert [st.name for st in fresh_res.stages][-1] == "breach+3600s"

    fired = desk.tick("2026-03-05T09:00")
    breach = [f for f in fired if (f.clock, f.stage) == ("resolution#1", "breach")]
    assert len(breach) == 1
    assert breach[0].decisions[0].explanation.policy_version == "pv-test"
    assert breach[0].decisions[0].target_team == "specialists"  # pv-test's breach escalates
