"""What can happen in a demo case, one step at a time: each step acts as a person of the demo
organisation through the real use cases (open, reply, escalate, hand off, accept, ask for an
approval, wait on the customer, resolve, close, reopen).

Kept apart from the plot (``demo.stories``, which steps and how far apart) and the loop that plays
them in time order (``demo.generate``), so each step reads as the one thing a person does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from tierline.domain.vocabulary import Channel, ClosureKind, EscalationType, MessageDirection
from tierline.service import approvals, cases, communications, escalations
from tierline.service.actors import Actor

if TYPE_CHECKING:
    from tierline.demo.generate import DemoBuilder
    from tierline.demo.stories import Story

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


class StepContext:
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


def open_story(b: DemoBuilder, story: Story) -> None:
    """Open the story's case as its opener, with a subject that fits its contact type."""
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


def reply(c: StepContext) -> None:
    who = c.owner()
    cases.add_message(
        c.rt,
        c.cid,
        c.as_(who if who in c.b.actors else "sue"),
        direction=MessageDirection.OUTBOUND,
        body="Thanks for reaching out. We are looking into it now.",
    )


def escalate(c: StepContext) -> None:
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


def handoff(c: StepContext) -> None:
    if c.story.escalation_id:
        escalations.record_handoff(c.rt, c.cid, c.as_("sue"), dict(_HANDOFF))


def accept(c: StepContext) -> None:
    team = c.story.extra.get("team")
    member = {
        "billing": "fay",
        "security": "val",
        "product_specialists": c.b.rng.choice(["ben", "pia", "olu"]),
    }.get(str(team))
    if c.story.escalation_id and member:
        escalations.accept(c.rt, c.cid, c.as_(member))
        c.story.extra["specialist"] = member


def approval(c: StepContext) -> None:
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


def reply_specialist(c: StepContext) -> None:
    who = c.story.extra.get("specialist")
    if who:
        cases.add_message(
            c.rt,
            c.cid,
            c.as_(str(who)),
            direction=MessageDirection.OUTBOUND,
            body="I have taken over your case and found the cause.",
        )


def asks_for_manager(c: StepContext) -> None:
    # The customer's own words flag the request; the escalation waits for the acknowledgement.
    cases.add_message(
        c.rt,
        c.cid,
        c.as_("sue"),
        direction=MessageDirection.INBOUND,
        body="This is the third time I write. I want to speak to a manager!",
    )


def acknowledge(c: StepContext) -> None:
    communications.acknowledge(
        c.rt,
        c.cid,
        c.as_("sue"),
        commitment_by="cora",
        commitment_due=c.rt.now() + timedelta(hours=c.b.rng.choice([1, 2, 3])),
        message="I understand how frustrating this has been, and I want to make it right.",
    )


def daily_update(c: StepContext) -> None:
    who = c.owner()
    communications.send_communication(
        c.rt,
        c.cid,
        c.as_(who if who in c.b.actors else "sue"),
        kind="daily_update",
        text="We are still investigating and have narrowed the cause down; more tomorrow.",
    )


def wait_on_customer(c: StepContext) -> None:
    cases.change_status(c.rt, c.cid, c.as_("sue"), "waiting_on_customer", "asked for logs")


def customer_replies(c: StepContext) -> None:
    cases.add_message(
        c.rt,
        c.cid,
        c.as_("sue"),
        direction=MessageDirection.INBOUND,
        body="Here are the logs you asked for.",
    )
    cases.change_status(c.rt, c.cid, c.as_("sue"), "open", "customer replied")


def repeat_contact(c: StepContext) -> None:
    cases.add_message(
        c.rt,
        c.cid,
        c.as_("sue"),
        direction=MessageDirection.INBOUND,
        body="Calling again about the same problem.",
        repeat_contact=True,
    )


def resolve(c: StepContext) -> None:
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


def close_accepted(c: StepContext) -> None:
    cases.close(c.rt, c.cid, c.as_("sue"), ClosureKind.CUSTOMER_ACCEPTED, "customer confirmed")


def close_process(c: StepContext) -> None:
    cases.close(c.rt, c.cid, c.as_("sue"), ClosureKind.PROCESS_CLOSED, "no reply")


def reopen(c: StepContext) -> None:
    cases.reopen(c.rt, c.cid, c.as_("sue"), "The problem is back")
