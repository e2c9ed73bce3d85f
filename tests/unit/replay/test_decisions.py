"""Stage decisions remembered by situation are the domain's own, in everything a replay reads.

The replay asks :func:`stage_decisions` once per situation (clock kind, stage, tier, transfer
pending or not); if the domain ever decides from more than that, this test says so.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from tierline.domain.case import CaseState
from tierline.domain.clocks import Clock, Stage
from tierline.domain.decisions import Decision
from tierline.domain.levels import stage_decisions
from tierline.policy import calendar_book
from tierline.replay.decisions import StageDecisions
from tierline.replay.engine import Replay
from tierline.replay.runner import prepared

from .helpers import log_of, policy, row


def _decided(decisions: list[Decision]) -> list[tuple[Any, ...]]:
    """What the replay reads of a decision (its explanation's facts and words it does not)."""
    return [
        (
            d.kind,
            d.target_tier,
            d.target_team,
            d.escalation_type,
            d.notify,
            d.priority_raise,
            d.flag,
            d.rule,
        )
        for d in decisions
    ]


class _Checked(StageDecisions):
    """Answers from memory, and checks each answer against a fresh one."""

    asked = 0

    def __call__(self, clock: Clock, stage: Stage, state: CaseState) -> list[Decision]:
        self.asked += 1
        remembered = super().__call__(clock, stage, state)
        assert _decided(remembered) == _decided(stage_decisions(self.policy, clock, stage, state))
        return remembered


def test_remembered_stage_decisions_are_the_domains(tmp_path: Path) -> None:
    rnd = random.Random(11)
    states = ["New", "Active", "Waiting", "Resolved", "Closed", "Active"]
    groups = ["L1 desk", "L1 desk", "L2 net", "L3 db", "?"]
    rows = []
    for n in range(80):
        t = rnd.randrange(0, 10 * 24 * 60)
        for mod in range(rnd.randrange(1, 7)):
            t += rnd.choice([30, 120, 600, 1500, 3000])
            day, rest = divmod(t, 24 * 60)
            rows.append(
                row(
                    f"R{n}",
                    rnd.choice(states),
                    f"{1 + day}/3/2016 {rest // 60:02d}:{rest % 60:02d}",
                    mod,
                    group=rnd.choice(groups),
                    assignee=rnd.choice(["?", "Ann", "Bob"]),
                    priority=rnd.choice(["1 - Critical", "3 - Moderate", "4 - Low"]),
                )
            )
    log = log_of(tmp_path, rows)
    p, _ = prepared(policy().policy, log)
    replay = Replay(p, calendar_book(p))
    checked = replay.stage_decisions = _Checked(p)
    result = replay.run(log.contents.cases)
    assert result.report()["escalations"]["total"] > 0
    assert checked.asked > len(checked.known) > 1  # answers were remembered, and checked
