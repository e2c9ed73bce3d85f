"""Demo plots: which steps a demo case goes through and how far apart, drawn at random, so the
history has the mix of quiet cases, escalations, approvals, reopenings a real desk has.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from tierline.demo.steps import (
    StepContext,
    accept,
    acknowledge,
    approval,
    asks_for_manager,
    close_accepted,
    close_process,
    customer_replies,
    daily_update,
    escalate,
    handoff,
    reopen,
    repeat_contact,
    reply,
    reply_specialist,
    resolve,
    wait_on_customer,
)
from tierline.domain.case import Account

Step = Callable[[StepContext], None]

_MIX = [
    ("how_to", 12),
    ("bug_report", 25),
    ("performance", 8),
    ("outage", 3),
    ("integration_api", 12),
    ("billing_dispute", 12),
    ("data_export", 4),
    ("account_access", 8),
    ("feature_request", 8),
    ("cancellation_request", 4),
]


@dataclass
class Story:
    """One case's plot: a list of (delay, step) pairs played in time order."""

    account: Account
    contact_type: str
    opener: str
    steps: list[tuple[timedelta, Step]]
    case_id: int | None = None
    escalation_id: str | None = None
    approval_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def plot(rng: random.Random, account: Account) -> Story:
    """A random plot for one case of ``account``: its contact type, who opens it, its steps."""
    ctype = rng.choices([c for c, _ in _MIX], [w for _, w in _MIX])[0]
    opener = rng.choice(["ana", "tom", "ida"] if account.region == "EMEA" else ["lou", "kim"])
    h = timedelta(hours=1)
    steps: list[tuple[timedelta, Step]] = [(h * rng.uniform(0.2, 3), reply)]
    roll = rng.random()
    if roll < 0.45:  # escalated with a handoff, usually accepted
        steps.append((h * rng.uniform(0.5, 6), escalate))
        steps.append((h * rng.uniform(0.2, 30), handoff))
        if rng.random() < 0.85:
            steps.append((h * rng.uniform(0.1, 3), accept))
            if rng.random() < 0.3:
                steps.append((h * rng.uniform(1, 8), approval))
            steps.append((h * rng.uniform(2, 60), reply_specialist))
    elif roll < 0.55:  # the customer asks for a manager, is acknowledged, then escalated
        steps.append((h * rng.uniform(1, 24), asks_for_manager))
        steps.append((h * rng.uniform(0.05, 0.5), acknowledge))
    if rng.random() < 0.5:
        steps.append((h * rng.uniform(20, 30), daily_update))
    if rng.random() < 0.25:
        steps.append((h * rng.uniform(1, 10), wait_on_customer))
        steps.append((h * rng.uniform(5, 48), customer_replies))
    if rng.random() < 0.2:
        steps.append((h * rng.uniform(4, 30), repeat_contact))
    if rng.random() < 0.75:
        steps.append((h * rng.uniform(2, 72), resolve))
        ending = rng.random()
        if ending < 0.55:
            steps.append((h * rng.uniform(2, 72), close_accepted))
        elif ending < 0.75:
            steps.append((h * rng.uniform(100, 200), close_process))
        elif ending < 0.85:
            steps.append((h * rng.uniform(24, 96), reopen))
    return Story(account, ctype, opener, steps)
