"""Replay on small logs with answers worked out by hand (the policy is in ``helpers``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from tierline.policy import calendar_book
from tierline.replay.engine import Replay
from tierline.replay.runner import prepared, replay_policy

from .helpers import log_of, policy, row

DAY1 = "1/3/2016"


def at(hour: int, minute: int = 0, day: int = 1) -> float:
    return datetime(2016, 3, day, hour, minute, tzinfo=UTC).timestamp()


ROWS = [
    # INC1: resolved in 3 h at the first line: the policy has nothing to do.
    row("INC1", "New", f"{DAY1} 09:00", 0),
    row("INC1", "Active", f"{DAY1} 09:30", 1),
    row("INC1", "Resolved", f"{DAY1} 12:00", 2),
    # INC2: 12 h at the first line: time limit at 13:00, warning 14:00, breach 19:00.
    row("INC2", "New", f"{DAY1} 09:00", 0),
    row("INC2", "Resolved", f"{DAY1} 21:00", 1),
    # INC3: 12 h too, but 10 of them waiting on the customer: the time limit, no breach.
    row("INC3", "New", f"{DAY1} 09:00", 0),
    row("INC3", "Waiting", f"{DAY1} 10:00", 1),
    row("INC3", "Active", f"{DAY1} 20:00", 2),
    row("INC3", "Resolved", f"{DAY1} 21:00", 3),
    # INC4: up to L2 (picked up in 30 min), back down (picked up after 2 h: a vacuum at 12:00).
    row("INC4", "Active", f"{DAY1} 09:00", 0, group="L1 desk", assignee="Ann"),
    row("INC4", "Active", f"{DAY1} 10:00", 1, group="L2 net", assignee="Ann"),
    row("INC4", "Active", f"{DAY1} 10:30", 2, group="L2 net", assignee="Bob"),
    row("INC4", "Active", f"{DAY1} 11:00", 3, group="L1 desk", assignee="Bob"),
    row("INC4", "Active", f"{DAY1} 13:00", 4, group="L1 desk", assignee="Cid"),
    row("INC4", "Resolved", f"{DAY1} 14:00", 5, group="L1 desk", assignee="Cid"),
]


def test_what_the_policy_would_have_done(tmp_path: Path) -> None:
    result, report = replay_policy(policy(), log_of(tmp_path, ROWS))
    outcomes = {o.ref: o for o in result.outcomes}
    assert outcomes["INC1"].escalations == [] and outcomes["INC1"].breached == set()
    assert outcomes["INC2"].escalations == [
        (at(13), "tier", "L2", "first_line_limit"),
        (at(19), "sla", "L2", "escalation_levels.breach"),
    ]
    assert outcomes["INC2"].breached == {"resolution"}
    assert outcomes["INC3"].escalations == [(at(13), "tier", "L2", "first_line_limit")]
    assert outcomes["INC3"].breached == set()  # the pause kept the clock at 2 h
    assert outcomes["INC4"].breached == {"acceptance"}
    esc = report["escalations"]
    assert (esc["total"], esc["cases"]) == (3, 2)
    assert esc["by_type"] == {"tier": 2, "sla": 1}
    assert esc["by_tier"] == {"L2": 3} and esc["by_team"] == {"second": 3}
    br = report["breaches"]
    assert br["by_clock"] == {"acceptance": 1, "resolution": 1} and br["cases"] == 2
    assert br["warnings_by_clock"] == {"resolution": 1, "acceptance": 1}
    assert report["vacuums"] == {"total": 1, "by_team": {"L1 desk": 1}}


def test_what_the_record_says(tmp_path: Path) -> None:
    _, report = replay_policy(policy(), log_of(tmp_path, ROWS))
    rec = report["recorded"]
    assert rec["transfers"] == 2 and rec["team_changes"] == 2
    assert rec["transfers_by_direction"] == {"up": 1, "down": 1}
    assert (rec["ping_pong_cases"], rec["ping_pongs"]) == (1, 1)
    pk = report["pickup"]
    assert (pk["count"], pk["median_hours"], pk["p90_hours"]) == (2, 1.25, 2.0)
    assert pk["by_team"]["L2 net"]["median_hours"] == 0.5
    assert report["cases"]["total"] == 4 and report["cases"]["resolved"] == 4
    assert report["replay"]["events"] == sum(
        len(c.events) for c in log_of(tmp_path, ROWS).contents.cases
    )


def test_daily_workload_as_recorded_and_under_the_policy(tmp_path: Path) -> None:
    rows = [
        row("INC5", "New", "1/3/2016 09:00", 0),
        row("INC5", "Resolved", "3/3/2016 10:00", 1),
        row("INC6", "New", "2/3/2016 09:00", 0, group="L2 net", opened="2/3/2016 09:00"),
        row("INC6", "Resolved", "2/3/2016 10:00", 1, group="L2 net", opened="2/3/2016 09:00"),
    ]
    _, report = replay_policy(policy(), log_of(tmp_path, rows))
    work = report["workload"]
    assert work["days"] == ["2016-03-01", "2016-03-02", "2016-03-03"]
    # INC5 sits at L1 in the record; the policy moved it to L2 at 13:00 on the first day.
    assert work["recorded"]["by_tier"] == {"L1": [1, 1, 0]}
    assert work["policy"]["by_tier"] == {"L2": [1, 1, 0]}
    assert work["policy"]["by_team"] == {"second": [1, 1, 0]}
    assert work["policy"]["peaks_by_tier"] == {"L2": 1}


def test_time_passes_between_events_of_other_cases(tmp_path: Path) -> None:
    """A breach is due while nothing happens in the log: the simulated clock gets there."""
    rows = [row("A", "New", "1/3/2016 09:00", 0), row("B", "New", "5/3/2016 09:00", 0)]
    result, _ = replay_policy(policy(), log_of(tmp_path, rows))
    a = next(o for o in result.outcomes if o.ref == "A")
    assert a.breached == {"resolution"} and len(a.escalations) == 2


def test_the_shortcuts_change_no_figure(tmp_path: Path) -> None:
    """The replay skips recomputing clocks where an event cannot change them; recomputing after
    every event must give the same report on a random log with every kind of event."""
    rnd = random.Random(7)
    states = ["New", "Active", "Waiting", "Resolved", "Closed", "Active"]
    groups = ["L1 desk", "L1 desk", "L2 net", "L3 db", "?"]
    people = ["?", "Ann", "Bob", "Cid"]
    rows = []
    for n in range(120):
        t = rnd.randrange(0, 20 * 24 * 60)
        for mod in range(rnd.randrange(1, 9)):
            t += rnd.choice([5, 30, 120, 600, 1500, 3000])
            day, rest = divmod(t, 24 * 60)
            stamp = f"{1 + day}/3/2016 {rest // 60:02d}:{rest % 60:02d}"
            rows.append(
                row(
                    f"R{n}",
                    rnd.choice(states),
                    stamp,
                    mod,
                    group=rnd.choice(groups),
                    assignee=rnd.choice(people),
                    priority=rnd.choice(["1 - Critical", "3 - Moderate", "4 - Low"]),
                )
            )
    log = log_of(tmp_path, rows)
    loaded = policy()
    p, _ = prepared(loaded.policy, log)
    fast = Replay(p, calendar_book(p)).run(log.contents.cases)
    slow = Replay(p, calendar_book(p), exact=True).run(log.contents.cases)
    fast_report, slow_report = fast.report(), slow.report()
    for section in (
        "cases",
        "recorded",
        "pickup",
        "escalations",
        "breaches",
        "vacuums",
        "workload",
    ):
        assert fast_report[section] == slow_report[section], section
    assert fast_report["escalations"]["total"] > 0 and fast_report["breaches"]["total"] > 0


def test_resolution_clocks_are_collected_for_agreement_studies(tmp_path: Path) -> None:
    loaded = policy()
    log = log_of(tmp_path, ROWS)
    p, _ = prepared(loaded.policy, log)
    result = Replay(p, calendar_book(p), collect_clocks=True).run(log.contents.cases)
    clocks = {o.ref: o.resolution_clocks for o in result.outcomes}
    assert clocks["INC1"] == [(3 * 3600.0, True)]
    assert clocks["INC3"] == [(2 * 3600.0, True)]  # 12 h minus 10 h waiting


def test_the_log_teams_join_the_policy_and_misfits_are_warned(tmp_path: Path) -> None:
    loaded = policy(**{"pause_statuses:\n  waiting_on_customer: {pauses: [resolution]}": ""})
    p, warnings = prepared(loaded.policy, log_of(tmp_path, ROWS))
    assert p.teams["L2 net"].tier == "L2" and p.teams["L2 net"].function == "imported"
    assert p.team_for_tier("L2") is not None and p.team_for_tier("L2").id == "second"
    assert any("'waiting_on_customer' pauses no clock" in w for w in warnings)
