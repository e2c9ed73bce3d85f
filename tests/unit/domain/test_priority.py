"""Priority assessment and queue order (R-TRIG-5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.builders import BERLIN, policy
from tierline.domain.policy import PriorityRules
from tierline.domain.priority import QueueItem, assess_priority, order_queue, queue_key
from tierline.domain.vocabulary import AccountValue, Severity


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"severity": Severity.S3}, 3),
        ({"severity": Severity.S4}, 4),
        ({"severity": Severity.S3, "account_value": AccountValue.VIP}, 2),
        ({"severity": Severity.S3, "account_value": AccountValue.STRATEGIC}, 1),  # vip + strategic
        ({"severity": Severity.S3, "regulatory": True}, 2),
        ({"severity": Severity.S3, "time_sensitive": True}, 2),
        ({"severity": Severity.S3, "affected_customers": 9}, 3),
        ({"severity": Severity.S3, "affected_customers": 10}, 2),
        ({"severity": Severity.S4, "extra_raise": 2}, 2),
        # Clamped to P1..P4.
        ({"severity": Severity.S1, "account_value": AccountValue.STRATEGIC}, 1),
        ({"severity": Severity.S2, "regulatory": True, "time_sensitive": True}, 1),
        ({"severity": Severity.S4, "extra_raise": -3}, 4),
    ],
)
def test_assess_priority(kwargs: dict[str, object], expected: int) -> None:
    assert assess_priority(policy(), **kwargs).priority == expected  # type: ignore[arg-type]


def test_the_explanation_lists_every_raise() -> None:
    a = assess_priority(
        policy(),
        Severity.S3,
        AccountValue.VIP,
        affected_customers=12,
        regulatory=True,
        time_sensitive=True,
        extra_raise=1,
    )
    assert a.priority == 1
    assert a.explanation.rule == "priority" and a.explanation.policy_version == "pv-test"
    assert a.explanation.summary == (
        "P1: S3 starts at P3; raised for VIP account (+1), regulatory exposure (+1), "
        "time-sensitive category (+1), 12 customers affected (+1), raised by triggers (+1)"
    )
    assert a.explanation.facts["base_priority"] == 3
    assert assess_priority(policy(), Severity.S3).explanation.summary == "P3: S3 starts at P3"


def test_policy_boosts_and_missing_severity_levels() -> None:
    p = replace(policy(), priority=PriorityRules(vip_boost=2), severities={})
    # Without a severity level the severity's own rank is the base.
    assert assess_priority(p, Severity.S4).priority == 4
    assert assess_priority(p, Severity.S4, AccountValue.VIP).priority == 2


def test_queue_orders_by_priority_then_time_left_then_age() -> None:
    now = datetime(2026, 3, 2, 10, tzinfo=BERLIN)
    items = [
        QueueItem("later", 2, datetime(2026, 3, 2, 15, tzinfo=BERLIN), now),
        QueueItem("no-deadline", 2, None, now),
        QueueItem("p1", 1, None, now),
        QueueItem("overdue", 2, datetime(2026, 3, 2, 9, tzinfo=BERLIN), now),
        QueueItem("sooner", 2, datetime(2026, 3, 2, 11, tzinfo=BERLIN), now),
        QueueItem(
            "older-same-deadline",
            2,
            datetime(2026, 3, 2, 15, tzinfo=BERLIN),
            datetime(2026, 3, 1, tzinfo=BERLIN),
        ),
    ]
    assert [i.case_id for i in order_queue(items, now)] == [
        "p1",
        "overdue",
        "sooner",
        "older-same-deadline",
        "later",
        "no-deadline",
    ]
    assert queue_key(items[3], now)[1] == -3600


def test_time_left_is_real_time_across_a_dst_change() -> None:
    """Saturday 28 March 12:00 to Monday 08:30 CEST is 43.5 real hours (44.5 on the wall clock).

    A deadline written in UTC at Monday 06:45Z (08:45 CEST) is 43.75 real hours away and must
    come after it; wall-clock subtraction would put it first.
    """
    now = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    berlin_due = QueueItem("berlin", 2, datetime(2026, 3, 30, 8, 30, tzinfo=BERLIN), now)
    utc_due = QueueItem("utc", 2, datetime(2026, 3, 30, 6, 45, tzinfo=UTC), now)
    assert queue_key(berlin_due, now)[1] == 43.5 * 3600
    assert [i.case_id for i in order_queue([utc_due, berlin_due], now)] == ["berlin", "utc"]
