"""Trigger evaluations per second on one core over 10,000 realistic case states.

    .venv/bin/python bench/triggers.py [--cases 10000] [--passes 10] [--seed 7]

Histories are generated with a seed and folded into case states: tiers T1–T3 and specialist
teams in Berlin and New York, statuses (open, waiting on customer, a few resolved), replies and
unanswered customer messages, repeat contacts, frustration scores, customer requests, suspected
defects, regulatory requests, approvals pending, incidents with many customers, transfers
pending acceptance, rules already fired; accounts standard, VIP or strategic. Each state is
evaluated with ``TriggerEngine.evaluate(state, now, account, priority)`` at an instant after its
last event, ``passes`` times over, with the test policy of ``tests/builders/desk.py`` (12 rules).

Target: at least 50,000 evaluations per second on one core.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.builders

from machine import pin_to_one_core, print_facts
from tests.builders import BERLIN, NEW_YORK, calendars, policy

from tierline.domain.case import Account, CaseState, fold
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.priority import assess_priority
from tierline.domain.triggers import TriggerEngine
from tierline.domain.vocabulary import AccountValue, Segment

TARGET = 50_000
PLACES = [  # (tier, team, zone, weight)
    ("T1", "frontline", BERLIN, 45),
    ("T1", "frontline_us", NEW_YORK, 20),
    ("T2", "specialists", BERLIN, 15),
    ("T2", "finance", BERLIN, 5),
    ("T2", "compliance", BERLIN, 3),
    ("T3", "engineering", BERLIN, 12),
]
CONTACTS = [
    ("how_to", 30),
    ("bug_report", 35),
    ("billing_dispute", 20),
    ("outage", 5),
    ("data_request", 10),
]
CHANNELS = ["email", "email", "email", "chat", "phone", "web", "api"]


def pick(rng: random.Random, weighted: list[Any]) -> Any:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


def history(rng: random.Random, n: int) -> tuple[list[CaseEvent], datetime]:
    tier, team, zone, _ = pick(rng, PLACES)
    contact, _ = pick(rng, CONTACTS)
    start = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(seconds=rng.randrange(60 * 86_400))
    at = start.astimezone(zone)
    events: list[CaseEvent] = []

    def add(kind: EventKind, **data: object) -> None:
        events.append(CaseEvent(at, kind, data))

    opened: dict[str, object] = {
        "contact_type": contact,
        "severity": rng.choice(["S1", "S2", "S3", "S3", "S3", "S4", "S4"]),
        "tier": tier,
        "team": team,
        "owner": f"agent{rng.randrange(200)}",
        "channel": rng.choice(CHANNELS),
        "status": "open",
        "account_id": f"acct{rng.randrange(2000)}",
    }
    if contact == "data_request":
        opened["regulatory_obligation"] = "gdpr_dsr"
    add(EventKind.OPENED, **opened)
    for _ in range(rng.randrange(1, 12)):
        at += timedelta(minutes=rng.randrange(5, 600))
        roll = rng.random()
        if roll < 0.30:
            add(EventKind.MESSAGE, direction="outbound")
        elif roll < 0.55:
            add(
                EventKind.MESSAGE,
                direction="inbound",
                repeat_contact=rng.random() < 0.3,
                frustration=round(rng.random() ** 2, 2),
            )
        elif roll < 0.63:
            add(EventKind.STATUS_CHANGED, to=rng.choice(["waiting_on_customer", "open"]))
        elif roll < 0.66:
            add(EventKind.FLAGGED, flag="customer_request")
        elif roll < 0.69:
            add(EventKind.FLAGGED, flag="suspected_defect")
        elif roll < 0.72:
            add(EventKind.APPROVAL_REQUESTED, approval_id=f"a{n}")
        elif roll < 0.74:
            add(EventKind.LINKED, incident_id="inc-1", affected=rng.randrange(2, 80))
        elif roll < 0.80:
            add(EventKind.ESCALATED, escalation_id=f"e{n}", to_tier="T2", to_team="specialists")
        elif roll < 0.85:
            add(
                EventKind.TRIGGER_FIRED,
                rule_id=rng.choice(["vip", "frustrated", "long-wait"]),
                tier=tier,
            )
        elif roll < 0.87:
            add(EventKind.SEVERITY_CHANGED, to=rng.choice(["S1", "S2", "S3"]))
        else:
            add(EventKind.NOTE, text="working on it")
    if rng.random() < 0.05:
        at += timedelta(hours=1)
        add(EventKind.RESOLVED)
    now = at + timedelta(minutes=rng.randrange(1, 48 * 60))
    return events, now


def account_for(rng: random.Random, account_id: str) -> Account:
    value = rng.choices(
        [AccountValue.STANDARD, AccountValue.VIP, AccountValue.STRATEGIC], weights=[75, 20, 5]
    )[0]
    segment = rng.choice(list(Segment))
    return Account(account_id, value=value, segment=segment, account_manager="am1")


def build(n: int, seed: int) -> list[tuple[CaseState, datetime, Account, int]]:
    rng = random.Random(seed)
    p = policy()
    out = []
    for i in range(n):
        events, now = history(rng, i)
        state = fold(f"c{i}", events)
        account = account_for(rng, state.account_id or "acct")
        priority = assess_priority(
            p,
            state.severity,
            account.value,
            state.affected_customers,
            bool(state.regulatory_obligations),
        ).priority
        out.append((state, now, account, priority))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print_facts()
    print(f"  process  {pin_to_one_core()}, one thread")
    p = policy()
    engine = TriggerEngine(p, calendars(p))
    t0 = time.perf_counter()
    states = build(args.cases, args.seed)
    print(
        f"\nstates: {len(states):,} folded from generated histories in "
        f"{time.perf_counter() - t0:.1f} s (seed {args.seed}); {len(p.triggers)} trigger rules"
    )
    mix: Counter[str] = Counter()
    for state, _, account, _ in states:
        mix[f"tier {state.tier}"] += 1
        mix[f"status {state.status}"] += 1
        mix[f"account {account.value.value}"] += 1
        mix["pending transfer"] += state.pending_transfer is not None
        mix["repeat contacts >= 3"] += state.repeat_contacts >= 3
        mix["frustration >= 0.7"] += state.frustration_score >= 0.7
    print("mix:   " + ", ".join(f"{k} {v:,}" for k, v in sorted(mix.items())))

    evaluate = engine.evaluate
    fired: Counter[str] = Counter()
    for state, now, account, priority in states:  # warm-up, and what the mix decides
        for d in evaluate(state, now, account, priority):
            fired[d.rule] += 1
    with_decisions = sum(1 for s, n, a, pr in states if evaluate(s, n, a, pr))
    print(
        f"decisions: {with_decisions:,} of {len(states):,} states produce at least one; by rule: "
        + ", ".join(f"{k} {v:,}" for k, v in fired.most_common())
    )

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(args.passes):
            for state, now, account, priority in states:
                evaluate(state, now, account, priority)
        best = min(best, time.perf_counter() - t0)
    total = args.passes * len(states)
    rate = total / best
    verdict = "met" if rate >= TARGET else "MISSED"
    print(
        f"\nTriggerEngine.evaluate   {rate:>10,.0f} evaluations/s "
        f"({total:,} per run, best of 3 runs; {1e6 / rate:.1f} µs each)"
    )
    print(f"target                   {TARGET:>10,} evaluations/s: {verdict}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
