"""The rows an imported case writes are the rows the service would write for the same history."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tierline.domain.case import apply, fold
from tierline.domain.plan import freeze_plan
from tierline.importer.log import read_cases
from tierline.importer.projection import Context, _renumber, case_rows
from tierline.importer.translate import SourceCase
from tierline.policy import calendar_book, load_policy
from tierline.service.case_projection import snapshot
from tierline.service.session import _diff
from tierline.store.eventlog import GENESIS, event_hash

from .helpers import mapping, row, write_log

REPO = Path(__file__).resolve().parents[3]


def context() -> Context:
    loaded = load_policy(REPO / "examples" / "replay" / "itsm_baseline.yaml")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    plan = freeze_plan(loaded.policy, now)
    return Context("test", loaded.policy, plan, plan.digest, calendar_book(loaded.policy), now)


def a_case(tmp_path: Path) -> SourceCase:
    rows = [
        row("INC1", "New", "1/3/2016 09:00", 0, assignee="Ann"),
        row("INC1", "Active", "1/3/2016 10:00", 1, group="L2 net", assignee="Ann"),
        row("INC1", "Active", "1/3/2016 11:00", 2, group="L2 net", assignee="Bob"),
        row("INC1", "Waiting", "1/3/2016 12:00", 3, group="L2 net", assignee="Bob"),
        row("INC1", "Resolved", "2/3/2016 12:00", 4, group="L2 net", assignee="Bob"),
    ]
    return read_cases(write_log(tmp_path, rows), mapping().mapping).cases[0]


def test_each_events_before_and_after_are_the_services(tmp_path: Path) -> None:
    """The import records changes with its own fast comparison; they must be exactly what the
    session records (snapshot before and after the event, only the fields that changed)."""
    case = a_case(tmp_path)
    written = case_rows(case, 1, context()).events
    events = [_renumber(ev, 1) for ev in case.events]  # recorded-1 -> E1-1, as written
    assert len(written) == len(events)
    state = fold("1", events[:1])
    assert (written[0]["before"], written[0]["after"]) == (None, snapshot(state))
    for ev, row_ in zip(events[1:], written[1:], strict=True):
        old = snapshot(state)
        apply(state, ev)
        before, after = _diff(old, snapshot(state))
        expected = (before, after) if after else (None, None)
        assert (row_["before"], row_["after"]) == expected, ev.kind


def test_rows_chain_renumber_and_project(tmp_path: Path) -> None:
    case = a_case(tmp_path)
    rows = case_rows(case, 42, context())
    prev = GENESIS
    for i, ev in enumerate(rows.events, start=1):
        assert ev["seq"] == i and ev["prev_hash"] == prev
        h = event_hash(
            prev, 42, i, ev["at"], ev["kind"], ev["actor"], ev["data"], ev["before"], ev["after"]
        )
        assert h == ev["hash"]
        prev = h
    assert rows.case["audit_seq"] == len(rows.events) and rows.case["audit_head"] == prev
    escalated = next(e for e in rows.events if e["kind"] == "escalated")
    assert escalated["data"]["escalation_id"] == "E42-1"
    assert escalated["after"] == {"pending_transfer": "E42-1", "status": "open"}
    assert [e["id"] for e in rows.escalations] == ["E42-1"]
    esc = rows.escalations[0]
    assert (esc["status"], esc["accepted_by"], esc["from_team"], esc["to_tier"]) == (
        "accepted",
        "Bob",
        "L1 desk",
        "L2",
    )
    c = rows.case
    assert (c["id"], c["external_ref"], c["source"]) == (42, "INC1", "test")
    assert (c["status"], c["tier"], c["team"], c["owner"]) == ("resolved", "L2", "L2 net", "Bob")
    assert c["next_due_at"] is None  # the worker never fires an imported history
    assert c["transfers"] == 1 and c["escalation_count"] == 1
    assert c["resolution_due"] is None and c["breached"] is False  # resolved within 5 d
    assert c["state"]["imported"] == {"source": "test", "ref": "INC1", "first_line": 2}
