"""Shared by the trigger tests (``test_triggers*.py``): the engine over the test policy, a quiet
case that triggers nothing by itself, and decisions as comparable tuples.

The test policy's rules, in order: time-in-tier (T1 8h, T2 24h business → next tier),
designated-tier, customer-asks (→ escalations), regulatory (→ compliance), defect
(→ engineering), repeat (≥ 3 → next tier, +1 priority), long-wait (4h calendar → notify
team_lead), authority (notify team_lead), vip (S1/S2 only → notify account manager, +1),
urgent-category (outage → T2), frustrated (≥ 0.7 → notify), many-affected (≥ 10 → T2).
"""

from __future__ import annotations

from typing import Any

from tests.builders import Story, calendars, policy
from tierline.domain.case import Account, fold
from tierline.domain.decisions import Decision
from tierline.domain.policy import Policy
from tierline.domain.triggers import TriggerEngine
from tierline.domain.vocabulary import AccountValue

VIP = Account("acme", value=AccountValue.VIP, account_manager="mia")


def engine(p: Policy | None = None) -> TriggerEngine:
    p = p or policy()
    return TriggerEngine(p, calendars(p))


def evaluate(
    s: Story, now: str, account: Account | None = None, p: Policy | None = None
) -> list[Decision]:
    return engine(p).evaluate(fold("c1", s.events), s.at(now), account)


def fired(decisions: list[Decision]) -> list[tuple[str, str, str | None]]:
    return [(d.rule, d.kind.value, d.target_team) for d in decisions]


def quiet(**opened: Any) -> Story:
    """A bug report at T1, answered at once, so no wait or time trigger is near."""
    return Story().opened("2026-03-02T09:00", **opened).reply("2026-03-02T09:05")
