"""Severity and priority assessment, and queue order (R-TRIG-5).

Severity says how bad the problem is; priority says how soon it must be worked. Priority starts
from the severity's base and is raised by account value, regulatory exposure, time sensitivity and
the number of customers affected. The queue is ordered by priority, then by time left before the
earliest deadline, so two P2 cases are worked in the order they would breach.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tierline.domain.decisions import Explanation
from tierline.domain.policy import Policy
from tierline.domain.vocabulary import AccountValue, Severity

HIGHEST, LOWEST = 1, 4


@dataclass(frozen=True)
class PriorityAssessment:
    priority: int  # 1 (highest) .. 4
    explanation: Explanation


def assess_priority(
    policy: Policy,
    severity: Severity,
    account_value: AccountValue = AccountValue.STANDARD,
    affected_customers: int = 1,
    regulatory: bool = False,
    time_sensitive: bool = False,
    extra_raise: int = 0,
) -> PriorityAssessment:
    rules = policy.priority
    level = policy.severities.get(severity)
    base = level.priority if level else min(severity.rank, LOWEST)
    raises: list[str] = []
    boost = 0
    if account_value is AccountValue.VIP:
        boost += rules.vip_boost
        raises.append(f"VIP account (+{rules.vip_boost})")
    elif account_value is AccountValue.STRATEGIC:
        boost += rules.vip_boost + rules.strategic_boost
        raises.append(f"strategic account (+{rules.vip_boost + rules.strategic_boost})")
    if regulatory:
        boost += rules.regulatory_boost
        raises.append(f"regulatory exposure (+{rules.regulatory_boost})")
    if time_sensitive:
        boost += rules.time_sensitive_boost
        raises.append(f"time-sensitive category (+{rules.time_sensitive_boost})")
    if affected_customers >= rules.affected_customers_boost_at:
        boost += rules.affected_customers_boost
        raises.append(
            f"{affected_customers} customers affected (+{rules.affected_customers_boost})"
        )
    if extra_raise:
        boost += extra_raise
        raises.append(f"raised by triggers (+{extra_raise})")
    priority = max(HIGHEST, min(LOWEST, base - boost))
    facts: dict[str, Any] = {
        "severity": severity.value,
        "base_priority": base,
        "account_value": account_value.value,
        "affected_customers": affected_customers,
        "regulatory": regulatory,
        "time_sensitive": time_sensitive,
        "extra_raise": extra_raise,
    }
    summary = f"P{priority}: {severity.value} starts at P{base}" + (
        "; raised for " + ", ".join(raises) if raises else ""
    )
    return PriorityAssessment(priority, Explanation("priority", policy.version, facts, summary))


@dataclass(frozen=True)
class QueueItem:
    case_id: str
    priority: int
    next_due_at: datetime | None
    opened_at: datetime


def queue_key(item: QueueItem, now: datetime) -> tuple[int, float, float]:
    """Sort key: priority first, then seconds left before the next deadline (overdue first)."""
    # Epoch seconds: subtracting two instants of one ZoneInfo zone gives wall-clock time.
    left = item.next_due_at.timestamp() - now.timestamp() if item.next_due_at else float("inf")
    return (item.priority, left, item.opened_at.timestamp())


def order_queue(items: Iterable[QueueItem], now: datetime) -> Sequence[QueueItem]:
    return sorted(items, key=lambda i: queue_key(i, now))
