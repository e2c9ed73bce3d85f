"""Demo history: a few hundred cases over the past weeks, produced by the real use cases.

Every case is a short story (opened, answered, maybe escalated with a handoff, accepted, maybe an
approval, waiting on the customer, resolved, closed or reopened). The stories are interleaved in
time order on a fake clock, and the worker runs every simulated half hour, so warnings, breaches,
SLA escalations and vacuums happen exactly as they would have.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from tierline.clock import FakeClock
from tierline.domain.case import Account
from tierline.domain.vocabulary import Channel, ClosureKind, EscalationType, MessageDirection
from tierline.service import approvals, cases, communications, escalations
from tierline.service.actors import Actor
from tierline.service.errors import ServiceError
from tierline.service.people import add_person
from tierline.service.runtime import Tierline
from tierline.store.tables import alerts, outbox
from tierline.worker.runner import TickResult, Worker

from .organisation import PEOPLE, accounts

Step = Callable[["_Ctx"], None]

_SUBJECTS = {
    "how_to": ["How do I share a dashboard?", "Where is the export button?"],
    "bug_report": [
        "Report totals are wrong",
        "Export stops at 10,000 rows",
        "Chart labels overlap",
    ],
    "performance": ["Dashboards take a minute to load", "API latency doubled"],
    "outage": ["Nothing loads since 09:10", "Login page returns 502"],
    "integration_api": ["Webhook retries never stop", "Salesforce sync drops contacts"],
    "billing_dispute": ["Charged twice this month", "Invoice shows 40 seats, we have 25"],
    "data_export": ["Need a full export for our audit"],
    "account_access": ["SSO login loops back to the start", "Locked out after MFA reset"],
    "feature_request": ["Please add SAML group mapping"],
    "cancellation_request": ["We want to downgrade at renewal"],
}
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


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    story: Story = field(compare=False)


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


class DemoBuilder:
    def __init__(self, rt: Tierline, clock: FakeClock, seed: int = 7) -> None:
        self.rt, self.clock = rt, clock
        self.rng = random.Random(seed)
        self.actors: dict[str, Actor] = {}
        self.tokens: dict[str, str] = {}
        self.failures: list[str] = []

    # ----------------------------------------------------------------- organisation

    def people(self) -> None:
        from tierline.service.actors import actor_from_person

        policy = self.rt.active().policy
        for handle, name, role, team, skills in PEOPLE:
            person, token = add_person(
                self.rt,
                name=name,
                role=role,
                team=team,
                handle=handle,
                email=f"{handle}@acme-cloud.example",
                skills=skills,
            )
            self.tokens[handle] = token
            self.actors[handle] = actor_from_person(person, policy)

    # ----------------------------------------------------------------- stories

    def story(self, account: Account) -> Story:
        rng = self.rng
        ctype = rng.choices([c for c, _ in _MIX], [w for _, w in _MIX])[0]
        opener = rng.choice(["ana", "tom", "ida"] if account.region == "EMEA" else ["lou", "kim"])
        h = timedelta(hours=1)
        steps: list[tuple[timedelta, Step]] = [(h * rng.uniform(0.2, 3), _reply)]
        roll = rng.random()
        if roll < 0.45:  # escalated with a handoff, usually accepted
            steps.append((h * rng.uniform(0.5, 6), _escalate))
            steps.append((h * rng.uniform(0.2, 30), _handoff))
            if rng.random() < 0.85:
                steps.append((h * rng.uniform(0.1, 3), _accept))
                if rng.random() < 0.3:
                    steps.append((h * rng.uniform(1, 8), _approval))
                steps.append((h * rng.uniform(2, 60), _reply_specialist))
        elif roll < 0.55:  # the customer asks for a manager, is acknowledged, then escalated
            steps.append((h * rng.uniform(1, 24), _asks_for_manager))
            steps.append((h * rng.uniform(0.05, 0.5), _acknowledge))
        if rng.random() < 0.5:
            steps.append((h * rng.uniform(20, 30), _daily_update))
        if rng.random() < 0.25:
            steps.append((h * rng.uniform(1, 10), _wait_on_customer))
            steps.append((h * rng.uniform(5, 48), _customer_replies))
        if rng.random() < 0.2:
            steps.append((h * rng.uniform(4, 30), _repeat_contact))
        if rng.random() < 0.75:
            steps.append((h * rng.uniform(2, 72), _resolve))
            ending = rng.random()
            if ending < 0.55:
                steps.append((h * rng.uniform(2, 72), _close_accepted))
            elif ending < 0.75:
                steps.append((h * rng.uniform(100, 200), _close_process))
            elif ending < 0.85:
                steps.append((h * rng.uniform(24, 96), _reopen))
        return Story(account, ctype, opener, steps)

    def run(
        self,
        start: datetime,
        end: datetime,
        n_cases: int,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, int]:
        accts = accounts(self.rng, start.date())
        agenda: list[_Due] = []
        seq = 0
        span = (end - start).total_seconds()
        for _ in range(n_cases):
            opened = start + timedelta(seconds=self.rng.uniform(0, span * 0.97))
            opened = _working_hour(opened, self.rng)
            seq += 1
            heapq.heappush(agenda, _Due(opened, seq, self.story(self.rng.choice(accts))))
        worker = Worker(self.rt, name="demo-builder")
        next_tick = start
        done = 0
        stats = TickResult()
        while agenda:
            item = heapq.heappop(agenda)
            if item.at > end:
                continue
            while next_tick <= item.at:
                self.clock.set(next_tick)
                worker.fire_due(next_tick, stats)
                next_tick += timedelta(minutes=30)
            self.clock.set(item.at)
            story = item.story
            try:
                if story.case_id is None:
                    _open(self, story)
                    done += 1
                    if progress:
                        progress(done)
                elif story.steps:
                    _, step = story.steps.pop(0)
                    step(_Ctx(self, story))
            except ServiceError as exc:  # a step that no longer applies is skipped, and said so
                self.failures.append(f"case {story.case_id}: {exc.message}")
            if story.case_id is not None and story.steps:
                delay = story.steps[0][0]
                seq += 1
                heapq.heappush(agenda, _Due(item.at + delay, seq, story))
        while next_tick <= end:
            self.clock.set(next_tick)
            worker.fire_due(next_tick, stats)
            next_tick += timedelta(minutes=30)
        self.clock.set(end)
        with self.rt.uow() as uow:  # history's alerts and messages went out back then
            uow.conn.execute(update(outbox).values(status="sent", sent_at=end))
            uow.conn.execute(
                update(alerts)
                .where(alerts.c.status == "pending")
                .values(status="sent", delivered_at=end, next_repeat_at=None)
            )
            uow.commit()
        return {"cases": done, "clock_rounds": stats.fired, "skipped_steps": len(self.failures)}


class _Ctx:
    """What a step sees: the builder, its story, and shortcuts to act as someone."""

    def __init__(self, b: DemoBuilder, story: Story) -> None:
        self.b, self.story, self.rt = b, story, b.rt

    def as_(self, handle: str) -> Actor:
        return self.b.actors[handle]

    @property
    def cid(self) -> int:
        assert self.story.case_id is not None
        return self.story.case_id

    def owner(self) -> str:
        with self.rt.uow(readonly=True) as uow:
            row = uow.cases.get(self.cid)
        return str(row["owner"] or "sue") if row else "sue"


def _working_hour(t: datetime, rng: random.Random) -> datetime:
    t = t.replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59))
    while t.weekday() >= 5 and rng.random() < 0.85:
        t -= timedelta(days=1)
    return t


def _open(b: DemoBuilder, story: Story) -> None:
    subject = b.rng.choice(_SUBJECTS[story.contact_type])
    severity = None
    if story.contact_type == "bug_report" and b.rng.random() < 0.2:
        from tierline.domain.vocabulary import Severity

        severity = Severity.S2
    cmd = cases.OpenCase(
        contact_type=story.contact_type,
        subject=subject,
        description=f"{subject}. Reported by {story.account.name}.",
        channel=b.rng.choice(
            [Channel.EMAIL, Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.WEB]
        ),
        severity=severity,
        account=story.account,
        contact_name=f"Contact at {story.account.name}",
        contact_email=f"it@{story.account.id}.example",
        new_case=True,
        affected_customers=b.rng.choice([1, 1, 1, 3, 12]) if story.contact_type == "outage" else 1,
    )
    opened = cases.open_case(b.rt, cmd, b.actors[story.opener])
    story.case_id = int(opened.row["id"])


def _reply(c: _Ctx) -> None:
    who = c.owner()
    cases.add_message(
        c.rt,
        c.cid,
        c.as_(who if who in c.b.actors else "sue"),
        direction=MessageDirection.OUTBOUND,
        body="Thanks for reaching out. We are looking into it now.",
    )


def _escalate(c: _Ctx) -> None:
    target = {
        "billing_dispute": ("billing", EscalationType.FUNCTIONAL),
        "account_access": ("security", EscalationType.FUNCTIONAL),
        "bug_report": ("product_specialists", EscalationType.TIER),
    }.get(c.story.contact_type, ("product_specialists", EscalationType.TIER))
    with c.rt.uow(readonly=True) as uow:
        row = uow.cases.get(c.cid)
    if row is None or row["team"] == target[0] or (row["state"] or {}).get("pending_transfer"):
        return
    esc_id, _ = escalations.escalate(
        c.rt,
        c.cid,
        c.as_("sue"),
        escalation_type=target[1],
        reason="Needs specialist knowledge and access",
        to_team=target[0],
    )
    c.story.escalation_id = esc_id
    c.story.extra["team"] = target[0]


_HANDOFF = {
    "issue_summary": "Customer says the problem started after the last update and blocks them",
    "steps_taken": "Reproduced it, checked the status page and the known-issues list",
    "reason": "Front line has no access to the logs and configuration needed",
    "customer_told": "A specialist will take over and update them within the business day",
    "emotional_state": "concerned",
    "stated_urgency": "needed before their weekly review",
}


def _handoff(c: _Ctx) -> None:
    if c.story.escalation_id:
        escalations.record_handoff(c.rt, c.cid, c.as_("sue"), dict(_HANDOFF))


def _accept(c: _Ctx) -> None:
    team = c.story.extra.get("team")
    member = {
        "billing": "fay",
        "security": "val",
        "product_specialists": c.b.rng.choice(["ben", "pia", "olu"]),
    }.get(str(team))
    if c.story.escalation_id and member:
        escalations.accept(c.rt, c.cid, c.as_(member))
        c.story.extra["specialist"] = member


def _approval(c: _Ctx) -> None:
    who = c.story.extra.get("specialist")
    if who:
        outcome, _ = approvals.request_action(
            c.rt,
            c.cid,
            c.as_(str(who)),
            kind=approvals.ActionKind.CREDIT,
            amount=c.b.rng.choice([120, 300, 800, 1500]),
            reason="Service credit for the impact",
        )
        if outcome.get("approval_id") and c.b.rng.random() < 0.8:
            approvals.decide_approval(
                c.rt,
                int(outcome["approval_id"]),
                c.as_("max"),
                approve=c.b.rng.random() < 0.85,
                note="Reviewed",
            )


def _reply_specialist(c: _Ctx) -> None:
    who = c.story.extra.get("specialist")
    if who:
        cases.add_message(
            c.rt,
            c.cid,
            c.as_(str(who)),
            direction=MessageDirection.OUTBOUND,
            body="I have taken over your case and found the cause.",
        )


def _asks_for_manager(c: _Ctx) -> None:
    # The customer's own words flag the request; the escalation waits for the acknowledgement.
    cases.add_message(
        c.rt,
        c.cid,
        c.as_("sue"),
        direction=MessageDirection.INBOUND,
        body="This is the third time I write. I want to speak to a manager!",
    )


def _acknowledge(c: _Ctx) -> None:
    communications.acknowledge(
        c.rt,
        c.cid,
        c.as_("sue"),
        commitment_by="cora",
        commitment_due=c.rt.now() + timedelta(hours=c.b.rng.choice([1, 2, 3])),
        message="I understand how frustrating this has been, and I want to make it right.",
    )


def _daily_update(c: _Ctx) -> None:
    who = c.owner()
    communications.send_communication(
        c.rt,
        c.cid,
        c.as_(who if who in c.b.actors else "sue"),
        kind="daily_update",
        text="We are still investigating and have narrowed the cause down; more tomorrow.",
    )


def _wait_on_customer(c: _Ctx) -> None:
    cases.change_status(c.rt, c.cid, c.as_("sue"), "waiting_on_customer", "asked for logs")


def _customer_replies(c: _Ctx) -> None:
    cases.add_message(
        c.rt,
        c.cid,
        c.as_("sue"),
        direction=MessageDirection.INBOUND,
        body="Here are the logs you asked for.",
    )
    cases.change_status(c.rt, c.cid, c.as_("sue"), "open", "customer replied")


def _repeat_contact(c: _Ctx) -> None:
    cases.add_message(
        c.rt,
        c.cid,
        c.as_("sue"),
        direction=MessageDirection.INBOUND,
        body="Calling again about the same problem.",
        repeat_contact=True,
    )


def _resolve(c: _Ctx) -> None:
    cause = c.b.rng.choice(
        [
            "product_defect",
            "customer_configuration",
            "wrong_information_t1",
            "missing_runbook",
            "capacity_delay",
            "customer_education",
        ]
    )
    message = None
    if c.b.rng.random() < 0.8:  # most resolutions go out with a complete message
        message = {
            "what_was_done": "We found the faulty setting and corrected it for your account.",
            "impact_acknowledged": "We know this disrupted your team's work for several days.",
            "root_cause": "A change on our side left your account with an outdated setting.",
            "recurrence_prevention": "We now check every account's settings after each change.",
            "apology": "We are sorry for the trouble this caused; it was our mistake.",
        }
    cases.resolve(
        c.rt,
        c.cid,
        c.as_("sue"),
        summary="Fixed and verified with the customer",
        root_cause=cause,
        preventable=cause != "customer_education",
        message=message,
    )


def _close_accepted(c: _Ctx) -> None:
    cases.close(c.rt, c.cid, c.as_("sue"), ClosureKind.CUSTOMER_ACCEPTED, "customer confirmed")


def _close_process(c: _Ctx) -> None:
    cases.close(c.rt, c.cid, c.as_("sue"), ClosureKind.PROCESS_CLOSED, "no reply")


def _reopen(c: _Ctx) -> None:
    cases.reopen(c.rt, c.cid, c.as_("sue"), "The problem is back")


def iter_tokens(b: DemoBuilder) -> Iterator[tuple[str, str, str, str]]:
    for handle, name, role, team, _ in PEOPLE[:6]:
        yield handle, name, f"{role}{' · ' + team if team else ''}", b.tokens[handle]
