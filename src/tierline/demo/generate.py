"""Demo history: a few hundred cases over the past weeks, produced by the real use cases.

Every case is a short story (opened, answered, maybe escalated with a handoff, accepted, maybe an
approval, waiting on the customer, resolved, closed or reopened). The stories are interleaved in
time order on a fake clock, and the worker runs every simulated half hour, so warnings, breaches,
SLA escalations and vacuums happen exactly as they would have.

The plot of each story is drawn in ``demo.stories`` and its steps act in ``demo.steps``; this
module plays them in time order against the worker.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from tierline.clock import FakeClock
from tierline.demo.steps import StepContext, open_story
from tierline.demo.stories import Story, plot
from tierline.domain.case import Account
from tierline.service.actors import Actor
from tierline.service.errors import ServiceError
from tierline.service.people import add_person
from tierline.service.runtime import Tierline
from tierline.store.tables import alerts, outbox
from tierline.worker.runner import TickResult, Worker

from .organisation import PEOPLE, accounts


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    story: Story = field(compare=False)


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
        """A random plot for one case of ``account`` (see ``demo.stories``)."""
        return plot(self.rng, account)

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
                    open_story(self, story)
                    done += 1
                    if progress:
                        progress(done)
                elif story.steps:
                    _, step = story.steps.pop(0)
                    step(StepContext(self, story))
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


def _working_hour(t: datetime, rng: random.Random) -> datetime:
    t = t.replace(hour=rng.randint(7, 16), minute=rng.randint(0, 59))
    while t.weekday() >= 5 and rng.random() < 0.85:
        t -= timedelta(days=1)
    return t


def iter_tokens(b: DemoBuilder) -> Iterator[tuple[str, str, str, str]]:
    for handle, name, role, team, _ in PEOPLE[:6]:
        yield handle, name, f"{role}{' · ' + team if team else ''}", b.tokens[handle]
