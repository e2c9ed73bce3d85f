"""Rows → case histories: each difference between rows becomes the right event, bad rows drop
their whole case (counted, with line numbers), and the mapping's rules are followed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tierline.domain.case import fold
from tierline.domain.events import EventKind as K
from tierline.importer.log import read_cases
from tierline.importer.rows import RowMapper
from tierline.importer.translate import SourceCase

from .helpers import HEADER, MAPPING, mapping, row, write_log


def kinds(case: SourceCase) -> list[str]:
    return [e.kind.value for e in case.events]


def one(tmp_path: Path, rows: list[list[str]], text: str = MAPPING) -> SourceCase:
    contents = read_cases(write_log(tmp_path, rows), mapping(text).mapping)
    assert contents.bad_rows == 0, contents.issues
    assert len(contents.cases) == 1
    return contents.cases[0]


def test_a_simple_life_opened_worked_paused_resolved_closed(tmp_path: Path) -> None:
    case = one(
        tmp_path,
        [
            row("INC1", "New", "1/3/2016 09:05", 0, opened="1/3/2016 09:00"),
            row("INC1", "Active", "1/3/2016 10:00", 1),
            row("INC1", "Waiting", "1/3/2016 11:00", 2),
            row("INC1", "Active", "2/3/2016 11:00", 3),
            row("INC1", "Resolved", "2/3/2016 12:00", 4),
            row("INC1", "Closed", "7/3/2016 12:00", 5, sla="false"),
        ],
    )
    assert kinds(case) == [
        "opened",
        "status_changed",
        "status_changed",
        "status_changed",
        "resolved",
        "closed",
        "note",
    ]
    opened = case.events[0]
    assert opened.at == datetime(2016, 3, 1, 9, 0, tzinfo=UTC)  # opened_at, not the first row
    assert opened.data["tier"] == "L1" and opened.data["team"] == "L1 desk"
    assert opened.data["severity"] == "S3" and opened.data["status"] == "new"
    assert [e.data.get("to") for e in case.events[1:4]] == ["open", "waiting_on_customer", "open"]
    assert case.events[5].data["closure"] == "process_closed"
    assert case.final_attributes == {"made_sla": "false"}  # take: last
    assert [e.data["line"] for e in case.events] == [2, 3, 4, 5, 6, 7, 7]
    assert case.times == [e.at.timestamp() for e in case.events]  # what a replay sorts by
    state = fold("x", case.events)
    assert state.status == "closed" and state.reopen_count == 0


def test_rows_are_ordered_by_the_mapping_keys_not_the_file(tmp_path: Path) -> None:
    case = one(
        tmp_path,
        [
            row("INC1", "Resolved", "1/3/2016 10:00", 2),
            row("INC1", "New", "1/3/2016 10:00", 0),
            row("INC1", "Active", "1/3/2016 10:00", 1),
        ],
    )
    assert kinds(case) == ["opened", "status_changed", "resolved", "note"]


def test_a_transfer_waits_for_pickup_then_is_accepted(tmp_path: Path) -> None:
    case = one(
        tmp_path,
        [
            row("INC1", "Active", "1/3/2016 09:00", 0, assignee="Ann"),
            row("INC1", "Active", "1/3/2016 10:00", 1, group="L2 network", assignee="Ann"),
            row("INC1", "Active", "1/3/2016 13:00", 2, group="L2 network", assignee="Bob"),
        ],
    )
    esc, acc = case.events[1], case.events[2]
    assert esc.kind is K.ESCALATED and acc.kind is K.ACCEPTED
    assert esc.data["to_team"] == "L2 network" and esc.data["to_tier"] == "L2"
    assert esc.data["direction"] == "up" and esc.data["type"] == "tier"
    assert acc.at - esc.at == datetime(2016, 3, 1, 13) - datetime(2016, 3, 1, 10)
    assert acc.data["by"] == "Bob"
    state = fold("x", case.events)
    assert (state.team, state.tier, state.owner) == ("L2 network", "L2", "Bob")


def test_bounced_back_before_pickup_cancels_the_transfer(tmp_path: Path) -> None:
    case = one(
        tmp_path,
        [
            row("INC1", "Active", "1/3/2016 09:00", 0, group="A"),
            row("INC1", "Active", "1/3/2016 10:00", 1, group="B"),
            row("INC1", "Active", "1/3/2016 11:00", 2, group="A"),
            row("INC1", "Active", "1/3/2016 12:00", 3, group="C"),
        ],
    )
    assert kinds(case) == ["opened", "escalated", "transfer_cancelled", "escalated", "note"]
    assert case.team_changes == 3 and case.teams == ["A", "B", "A", "C"]
    assert case.events[3].data["escalation_id"] == "recorded-2"


def test_missing_values_keep_or_clear_as_the_mapping_says(tmp_path: Path) -> None:
    case = one(
        tmp_path,
        [
            row("INC1", "Active", "1/3/2016 09:00", 0, assignee="Ann", priority="2 - High"),
            row("INC1", "?", "1/3/2016 10:00", 1, assignee="?", priority="?"),  # keep, clear, keep
            row("INC1", "?", "1/3/2016 11:00", 2, group="?", priority="1 - Critical"),
        ],
    )
    assert [(e.kind.value, dict(e.data)) for e in case.events[1:-1]] == [
        ("assigned", {"owner": None, "line": 3}),
        (
            "escalated",
            {
                "escalation_id": "recorded-1",
                "type": "functional",
                "direction": "across",
                "to_tier": "L1",
                "to_team": "unassigned",
                "reason": "recorded transfer",
                "recorded": True,
                "line": 4,
            },
        ),
        ("severity_changed", {"from": "S2", "to": "S1", "line": 4}),
    ]


def test_reopening_from_resolved_or_closed(tmp_path: Path) -> None:
    case = one(
        tmp_path,
        [
            row("INC1", "Active", "1/3/2016 09:00", 0),
            row("INC1", "Resolved", "1/3/2016 10:00", 1),
            row("INC1", "Waiting", "1/3/2016 11:00", 2),
            row("INC1", "Closed", "1/3/2016 12:00", 3),
            row("INC1", "Active", "1/3/2016 13:00", 4),
        ],
    )
    assert kinds(case)[1:-1] == [
        "resolved",
        "reopened",
        "status_changed",
        "closed",
        "reopened",
    ]
    assert fold("x", case.events).reopen_count == 2


def test_acceptance_rules(tmp_path: Path) -> None:
    rows = [
        row("INC1", "Active", "1/3/2016 09:00", 0, group="A", assignee="Ann"),
        row("INC1", "Active", "1/3/2016 10:00", 1, group="B", assignee="Ann"),
        row("INC1", "Waiting", "1/3/2016 12:00", 2, group="B", assignee="Ann"),
    ]

    def accepted_at(rule: str) -> int | None:
        text = MAPPING.replace("acceptance: {when: agent_set}", rule)
        case = one(tmp_path, rows, text)
        hits = [e.at.hour for e in case.events if e.kind is K.ACCEPTED]
        return hits[0] if hits else None

    assert accepted_at("acceptance: {when: immediate}") == 10
    assert accepted_at("acceptance: {when: next_row}") == 12
    assert accepted_at("acceptance: {when: agent_set}") is None  # Ann held it before
    assert accepted_at("acceptance: {when: value, column: state, values: [Waiting]}") == 12


def test_a_bad_row_drops_its_whole_case_and_is_reported_with_its_line(tmp_path: Path) -> None:
    rows = [
        row("INC1", "New", "1/3/2016 09:00", 0),
        row("INC2", "New", "1/3/2016 09:00", 0),
        row("INC1", "Active", "1/3/2016 10:00", 1),
        row("INC2", "Exploded", "1/3/2016 10:00", 1),  # line 5: unknown status
        row("INC2", "Active", "31/2/2016 10:00", 2),  # line 6: no such date
        row("INC2", "Active", "1/3/2016 11:00", 3),  # a good row of a bad case
        row("?", "Active", "1/3/2016 11:00", 0),  # line 8: no case id
        row("INC3", "Active", "1/3/2016 11:00", 0, priority="9 - Whatever"),
    ]
    contents = read_cases(write_log(tmp_path, rows), mapping().mapping)
    assert [c.ref for c in contents.cases] == ["INC1"]
    assert contents.bad_rows == 4 and contents.skipped_cases == 2
    assert contents.dropped_rows == 2  # INC2's good rows (lines 3 and 7)
    shown = [i.format() for i in contents.issues]
    assert shown[0].startswith("line 5 (case INC2): status 'Exploded' is not in the mapping")
    assert shown[1].startswith("line 6 (case INC2): timestamp: '31/2/2016 10:00' is not a real")
    assert shown[2] == "line 8: the case id is missing; expected every row to name its case"
    assert shown[3].startswith("line 9 (case INC3): severity '9 - Whatever'")


def test_first_row_already_resolved_opens_then_resolves(tmp_path: Path) -> None:
    case = one(tmp_path, [row("INC1", "Resolved", "1/3/2016 09:00", 0)])
    assert kinds(case) == ["opened", "resolved", "note"]
    assert case.events[0].data["status"] == "new"


def test_a_tier_column_instead_of_rules(tmp_path: Path) -> None:
    text = MAPPING.replace(
        """  rules:
    - {match: "^L3", tier: L3}
    - {match: "^L2", tier: L2}
  default: L1""",
        """  column: sla
  values: {"1": L1, "2": L2}""",
    )
    case = one(
        tmp_path,
        [
            row("INC1", "Active", "1/3/2016 09:00", 0, sla="1"),
            row("INC1", "Active", "1/3/2016 10:00", 1, sla="2"),  # same team, higher line
        ],
        text.replace("  made_sla: {column: sla, take: last}\n", "  made_sla: {column: mod}\n"),
    )
    assert case.events[1].kind is K.ASSIGNED and case.events[1].data["tier"] == "L2"
    assert fold("x", case.events).tier == "L2"


ACTIVITIES = """
name: activity_log
case: {id: case}
timestamp: {column: at, format: "%Y-%m-%d %H:%M"}
status:
  column: activity
  values: {Insert ticket: new, Take in charge: open, Wait: waiting, Resolve: resolved}
  other: keep
  pauses: [waiting]
agent: who
acceptance: {when: value, column: activity, values: [Take in charge]}
"""


def test_an_activity_log_whose_rows_may_say_nothing_about_the_status(tmp_path: Path) -> None:
    header = ["case", "at", "activity", "who"]
    rows = [
        ["A", "2020-01-06 09:00", "Insert ticket", "ann"],
        ["A", "2020-01-06 09:10", "Assign seriousness", "ann"],  # keep: still new
        ["A", "2020-01-06 10:00", "Take in charge", "bob"],
        ["A", "2020-01-06 11:00", "Wait", "bob"],
        ["A", "2020-01-06 12:00", "Comment", "bob"],  # keep: still waiting
        ["A", "2020-01-06 13:00", "Resolve", "bob"],
    ]
    path = write_log(tmp_path, rows, header=header)
    case = read_cases(path, mapping(ACTIVITIES).mapping).cases[0]
    statuses = [e.data.get("to") for e in case.events if e.kind is K.STATUS_CHANGED]
    assert statuses == ["open", "waiting"]
    assert kinds(case)[-1] == "resolved"


TICKETS = """
name: one_row_per_ticket
case:
  id: id
  resolved_at: {column: solved, format: iso}
  closed_at: {column: closed, format: iso}
timestamp: {column: created, format: iso}
status: {column: status, values: {open: open, solved: resolved, closed: closed}}
team: group
"""


def test_a_ticket_export_with_one_row_per_ticket(tmp_path: Path) -> None:
    header = ["id", "created", "solved", "closed", "status", "group"]
    rows = [
        [
            "T1",
            "2024-01-02T09:00:00Z",
            "2024-01-03T17:00:00Z",
            "2024-01-05T09:00:00Z",
            "closed",
            "a",
        ],
        ["T2", "2024-01-02T10:00:00Z", "2024-01-02T12:00:00Z", "", "solved", "a"],
        ["T3", "2024-01-02T11:00:00Z", "", "", "open", "b"],
    ]
    path = write_log(tmp_path, rows, header=header)
    cases = {c.ref: c for c in read_cases(path, mapping(TICKETS).mapping).cases}
    t1 = [(e.kind.value, e.at.isoformat()) for e in cases["T1"].events]
    assert t1 == [
        ("opened", "2024-01-02T09:00:00+00:00"),
        ("resolved", "2024-01-03T17:00:00+00:00"),
        ("closed", "2024-01-05T09:00:00+00:00"),
    ]
    assert [(e.kind.value, e.at.hour) for e in cases["T2"].events] == [
        ("opened", 10),
        ("resolved", 12),
    ]
    assert kinds(cases["T3"]) == ["opened"] and cases["T3"].events[0].data["status"] == "open"


TIER_FROM_ACTIVITY = """
name: tier_from_activity
case: {id: case}
timestamp: {column: at, format: "%Y-%m-%d %H:%M"}
status: {column: activity, values: {Open: new, Work: open}, other: keep}
team: {column: activity, values: {Open: desk, Hand to experts: experts}, other: keep}
tier:
  levels: [L1, L2]
  column: activity
  values: {Upgrade: L2}
  other: keep
  default: L1
"""


def test_a_tier_column_whose_rows_may_say_nothing_starts_at_the_default(tmp_path: Path) -> None:
    header = ["case", "at", "activity"]
    rows = [
        ["A", "2020-01-06 09:00", "Open"],  # names no tier: the case starts at L1
        ["A", "2020-01-06 09:10", "Work"],
        ["A", "2020-01-06 10:00", "Upgrade"],  # same team, a higher line
        ["A", "2020-01-06 11:00", "Comment"],  # says nothing: still L2
        ["A", "2020-01-06 12:00", "Hand to experts"],  # a value table on the team
    ]
    case = read_cases(write_log(tmp_path, rows, header=header), mapping(TIER_FROM_ACTIVITY).mapping)
    assert case.bad_rows == 0, case.issues
    events = case.cases[0].events
    assert events[0].data["tier"] == "L1" and events[0].data["team"] == "desk"
    moved = [(e.kind.value, e.data.get("tier")) for e in events if e.kind is K.ASSIGNED]
    assert moved == [("assigned", "L2")]
    esc = next(e for e in events if e.kind is K.ESCALATED)
    assert (esc.data["to_team"], esc.data["to_tier"]) == ("experts", "L2")  # keeps its tier
    assert fold("x", events).tier == "L2"


def test_a_case_whose_first_rows_name_no_team_is_assigned_its_first_team(tmp_path: Path) -> None:
    rows = [
        row("INC1", "New", "1/3/2016 09:00", 0, group="?"),
        row("INC1", "Active", "1/3/2016 09:05", 1, group="L2 network"),
        row("INC1", "Active", "1/3/2016 10:00", 2, group="L1 desk"),
    ]
    case = one(
        tmp_path, rows, MAPPING.replace("team: {column: group, default: unassigned}", "team: group")
    )
    assert kinds(case)[:3] == ["opened", "assigned", "status_changed"]
    first = case.events[1].data
    assert (first["team"], first["tier"]) == ("L2 network", "L2")
    assert case.teams == ["L2 network", "L1 desk"] and case.team_changes == 1
    esc = next(e for e in case.events if e.kind is K.ESCALATED)
    assert (esc.data["to_team"], esc.data["direction"]) == ("L1 desk", "down")


def test_the_compiled_mapping_holds_no_text_of_the_mapping_or_the_log(tmp_path: Path) -> None:
    odd = 'st"ate\\n); import os; ("'
    text = (
        MAPPING.replace("column: state", f"column: '{odd}'")
        .replace("Active: open", f"'{odd}': open, Active: open")
        .replace("name: test_desk", "name: test_desk\nattributes:\n  x: {column: sla}")
    )
    text = text.replace("attributes:\n  made_sla: {column: sla, take: last}\n", "")
    loaded = mapping(text).mapping
    source = RowMapper(loaded).source
    assert odd not in source and "state" not in source and "sla" not in source
    header = [odd if h == "state" else h for h in HEADER]
    rows = [row("INC1", "New", "1/3/2016 09:00", 0), row("INC1", odd, "1/3/2016 10:00", 1)]
    got = read_cases(write_log(tmp_path, rows, header=header), loaded)
    assert got.bad_rows == 0 and kinds(got.cases[0])[:2] == ["opened", "status_changed"]
