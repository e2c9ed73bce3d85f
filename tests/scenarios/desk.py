"""A support desk for scenario tests: a story, a policy (or frozen plan) and a fixed clock.

``Desk.tick(now)`` does what the worker does, on plain objects: compute the case's clocks at
``now``, take every due stage that nobody has acted on, ask the escalation levels what it decides,
and record a ``clock_fired`` event so the stage is acted on once. Recording escalations, replies
and acceptances stays with the story, where a reader can see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tests.builders import Story, calendars, policy
from tierline.domain.calendar import CalendarBook
from tierline.domain.case import Account, CaseState, fold
from tierline.domain.clocks import Clock, ClockSet, compute_clocks
from tierline.domain.decisions import Decision
from tierline.domain.events import EventKind
from tierline.domain.levels import stage_decisions
from tierline.domain.ownership import Ownership, ownership
from tierline.domain.policy import Policy
from tierline.domain.triggers import TriggerEngine


@dataclass
class Fired:
    """One stage acted on at a tick, with what the levels decided."""

    clock: str
    stage: str
    decisions: list[Decision]

    def summary(self) -> list[tuple[str, str | None, tuple[str, ...], str | None]]:
        """(kind, flag, notify, target team) of each decision, for compact assertions."""
        return [(d.kind.value, d.flag, d.notify, d.target_team) for d in self.decisions]


@dataclass
class Desk:
    story: Story
    governing: Policy = field(default_factory=policy)  # the case's plan or policy
    account: Account | None = None
    book: CalendarBook | None = None
    #: SLA stories leave the customer communication deadlines out; communication stories
    #: switch them on.
    communications: bool = False

    def __post_init__(self) -> None:
        if self.book is None:
            self.book = calendars(self.governing)

    def state(self) -> CaseState:
        return fold("case", self.story.events)

    def clocks(self, now: str) -> ClockSet:
        assert self.book is not None
        return compute_clocks(
            self.story.events,
            self.governing,
            self.book,
            self.story.at(now),
            communications=self.communications,
        )

    def clock(self, now: str, key: str) -> Clock:
        found = self.clocks(now).get(key)
        assert found is not None, f"no clock {key} at {now}"
        return found

    def tick(self, now: str) -> list[Fired]:
        """Act on every due stage at ``now`` once; returns what fired, oldest first."""
        cs = self.clocks(now)
        state = self.state()
        fired = []
        for clock, stage in cs.due_stages(self.story.at(now)):
            decisions = stage_decisions(self.governing, clock, stage, state)
            fired.append(Fired(clock.key, stage.name, decisions))
            self.story.add(now, EventKind.CLOCK_FIRED, clock=clock.key, stage=stage.name)
        return fired

    def next_check_at(self, live: Policy | None = None) -> datetime | None:
        """When a time-based trigger could next fire (the worker's wake-up for this case)."""
        p = live or self.governing
        return TriggerEngine(p, calendars(p)).next_check_at(self.state())

    def triggers(self, now: str, live: Policy | None = None) -> list[Decision]:
        p = live or self.governing
        engine = TriggerEngine(p, calendars(p))
        return engine.evaluate(self.state(), self.story.at(now), self.account)

    def ownership(self, now: str, escalation_id: str | None = None) -> Ownership:
        due = None
        if escalation_id is not None:
            acc = self.clocks(now).get(f"acceptance:{escalation_id}")
            due = acc.due_at if acc is not None else None
        return ownership(self.state(), self.governing.ownership, self.story.at(now), due)
