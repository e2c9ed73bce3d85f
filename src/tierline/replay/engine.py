"""Replay: a log's events through a policy, in time order, on a simulated clock (R-SIM-1).

Every case's history is rebuilt event by event, in global time order, with the domain's own
fold (``apply``), clocks (``compute_clocks``), trigger engine and escalation levels
(``stage_decisions``). Between two events the simulated clock jumps straight to the next instant
something is due: each case has one entry in a heap of due instants (its earliest pending clock
stage or time-based trigger check), invalidated by a version number when that instant moves, so
time passes at the speed of the machine and no case is polled.

The policy's decisions are recorded *alongside* the record, not instead of it: the log's own
path (its transfers, acceptances, resolutions) goes on as it happened, and each decision is kept
as what the policy would have done at that instant (an escalation, a breach, a vacuum). Triggers
and clock stages act once, as in production (a trigger once per tier, a stage once per clock).

Cost: clocks are recomputed only after an event that can change them (:mod:`.stages`); rules
that can only fire at their check time are not evaluated before it; what a clock stage decides is
worked out once per situation (:mod:`.decisions`). ``exact=True`` turns every shortcut off (the
reference a test compares them with). Garbage collection is paused while the run allocates its
many small objects (:func:`~tierline.importer.log.collector_paused`). The record's figures are
kept by :mod:`.record`.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from tierline.domain.calendar import CalendarBook
from tierline.domain.case import apply, fold
from tierline.domain.clocks import Clock, compute_clocks
from tierline.domain.decisions import Decision, DecisionKind
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.policy import Policy
from tierline.domain.triggers import TriggerEngine
from tierline.domain.vocabulary import ClockKind, ClockState, TriggerKind
from tierline.importer.log import collector_paused
from tierline.importer.translate import SourceCase
from tierline.replay.decisions import StageDecisions
from tierline.replay.metrics import DAY, Metrics
from tierline.replay.record import (
    COUNTED_EVENTS,
    ENDED,
    PLACE_EVENTS,
    CaseRun,
    count_recorded,
    finish_recorded,
    place,
)
from tierline.replay.result import CaseOutcome, ReplayResult
from tierline.replay.stages import PendingStages
from tierline.replay.timeline import timeline

_K = EventKind


class Replay:
    """One policy, ready to replay any number of logs (the engine keeps no log state)."""

    def __init__(
        self,
        policy: Policy,
        calendars: CalendarBook,
        *,
        collect_clocks: bool = False,
        exact: bool = False,
    ) -> None:
        """``collect_clocks`` keeps each case's final resolution clocks (agreement studies);
        ``exact`` recomputes clocks after every event, without the shortcuts (slow: it is the
        reference the shortcuts are tested against)."""
        self.exact = exact
        self.policy = policy
        self.calendars = calendars
        self.triggers = TriggerEngine(policy, calendars)
        self.collect_clocks = collect_clocks
        #: Every rule is a plain time-in-tier or customer-wait rule: such a rule cannot fire
        #: before its check time, so evaluating it earlier is skipped (not in exact mode).
        self.time_only = not exact and all(
            r.kind in (TriggerKind.TIME_IN_TIER, TriggerKind.CUSTOMER_WAIT) and not r.conditions
            for r in policy.triggers
            if r.enabled
        )
        self.stages = PendingStages(policy, calendars, exact=exact)
        self.levels = {t.id: t.level for t in policy.tiers}
        self.stage_decisions = StageDecisions(policy, exact=exact)

    def run(self, cases: Sequence[SourceCase]) -> ReplayResult:
        started = time.perf_counter()
        with collector_paused():
            result = self._run(cases)
        result.seconds = time.perf_counter() - started
        return result

    # ----------------------------------------------------------------- the loop

    def _run(self, cases: Sequence[SourceCase]) -> ReplayResult:
        self.m = Metrics()
        line = timeline(cases)
        times, owners, events, order = line.times, line.cases, line.events, line.order
        self.heap: list[tuple[float, int, int]] = []
        self.runs: list[CaseRun | None] = [None] * len(cases)
        if not order:
            return ReplayResult(self.m, [], 0, 0.0, None, None)
        start, end = times[order[0]], times[order[-1]]
        self.day_end = math.floor(start / DAY) * DAY + DAY
        heap, event, advance = self.heap, self._event, self._advance
        for k in order:
            t = times[k]
            if (heap and heap[0][0] < t) or self.day_end <= t:
                advance(t)
            ci = owners[k]
            event(cases[ci], ci, events[k], t)
        self._advance(math.nextafter(end, math.inf))
        self.m.snapshot(self.day_end)  # the last (partial) day
        outcomes = [self._finish(r, end) for r in self.runs if r is not None]
        return ReplayResult(self.m, outcomes, len(order), 0.0, start, end)

    def _advance(self, to: float) -> None:
        """Let simulated time run up to (not including) ``to``: due stages, day ends."""
        heap, runs = self.heap, self.runs
        while True:
            due = heap[0][0] if heap else math.inf
            if self.day_end <= to and self.day_end <= due:
                self.m.snapshot(self.day_end)
                self.day_end += DAY
                continue
            if due >= to:
                return
            t, ci, version = heapq.heappop(heap)
            run = runs[ci]
            if run is not None and run.version == version:
                run.due = math.inf  # its entry has left the heap
                self._wake(run, t)

    # ----------------------------------------------------------------- events of the record

    def _event(self, src: SourceCase, ci: int, ev: CaseEvent, t: float) -> None:
        run = self.runs[ci]
        if run is None:
            state = fold(src.ref, [ev])
            outcome = CaseOutcome(
                src.ref, state.severity.value, t, state.tier, attributes=src.final_attributes
            )
            run = self.runs[ci] = CaseRun(src, ci, [ev], state, outcome)
            self.m.cases += 1
            place(run, self.levels, self.m)
            self._opened(run, src, t)
        else:
            # Most events (an assignee, a note) count for nothing and move no clock: each step
            # is called only for the kinds it reads.
            state, kind = run.state, ev.kind
            before = state.pending_transfer
            old_status, old_tier = state.status, state.tier
            apply(state, ev)
            run.history.append(ev)
            if kind in COUNTED_EVENTS:
                count_recorded(self.m, run, ev, before, t)
            if kind in PLACE_EVENTS:
                place(run, self.levels, self.m)
            if kind in self.stages.moved_by:
                self.stages.after(run, ev, t, old_status, old_tier)
        self._settle(run, t, True)

    def _opened(self, run: CaseRun, src: SourceCase, t: float) -> None:
        """A new case's clocks: computed at once when no other event of the case shares its
        instant and no stage is due at once (nearly every case), which spares it a wake at the
        same instant that would only compute them; otherwise left to that wake, as after any
        event that changes the clocks."""
        events = src.events
        if self.exact or (len(events) > 1 and events[1].at == events[0].at):
            run.dirty = True
            return
        self.stages.recompute(run, datetime.fromtimestamp(t, UTC))
        if run.pending and run.pending[0][0] <= t:
            run.dirty = True  # the wake fires it after this instant's other events, in order

    # ----------------------------------------------------------------- the policy

    def _wake(self, run: CaseRun, t: float) -> None:
        if run.dirty:
            self.stages.recompute(run, datetime.fromtimestamp(t, UTC))
            run.dirty = False
        pending = run.pending
        fired = False
        while pending and pending[0][0] <= t:
            fired = True
            _, clock, stage = pending.pop(0)
            run.fired.add((clock.key, stage.name))
            name = stage.name
            if name == "breach":
                self.m.breaches[clock.kind.value] += 1
                if not run.outcome.breached:
                    self.m.cases_breached += 1
                run.outcome.breached.add(clock.kind.value)
            elif name.startswith("warning"):
                self.m.warnings[clock.kind.value] += 1
            for d in self.stage_decisions(clock, stage, run.state):
                self._decide(run, d, t, clock)
        # Triggers already looked at this instant, unless a stage has changed the case since.
        self._settle(run, t, fired or t != run.evaluated_at)

    def _next_check(self, run: CaseRun) -> float:
        """When a time-based trigger could next fire (cached: ``next_check_at`` reads only
        these facts, and most events change none of them)."""
        state = run.state
        key = (
            state.tier,
            state.tier_entered_at,
            state.team,
            state.fired_rules,
            state.last_inbound_at,
            state.last_outbound_at,
        )
        if key != run.check_key:
            check = self.triggers.next_check_at(state)
            run.check_key, run.check_at = key, check.timestamp() if check else math.inf
        return run.check_at

    def _settle(self, run: CaseRun, t: float, look: bool) -> None:
        """After an event or a wake: let the triggers look at an open case (if ``look``), then
        schedule it. The next check time is worked out once for both, again only if a rule
        fired (a fired rule is one of the facts it comes from)."""
        if run.state.status in ENDED:
            self._schedule(run, t, math.inf)
            return
        check = self._next_check(run)
        if look:
            run.evaluated_at = t
            # With only time-based rules, none of them can be true before its check time.
            if (t >= check or not self.time_only) and self._triggers(run, t):
                check = self._next_check(run)
        self._schedule(run, t, check)

    def _triggers(self, run: CaseRun, t: float) -> bool:
        """Evaluate the rules at ``t``; whether any fired."""
        state = run.state
        now = datetime.fromtimestamp(t, UTC)
        level = self.policy.severities.get(state.severity)
        priority = max(1, (level.priority if level else 3) - state.priority_raise)
        decisions = self.triggers.evaluate(state, now, None, priority)
        if not decisions:
            return False
        escalations = [d for d in decisions if d.kind is DecisionKind.ESCALATE]
        chosen = (
            max(escalations, key=lambda d: self.levels.get(d.target_tier or "", 0))
            if escalations
            else None
        )
        tier = state.tier or ""
        for d in decisions:
            apply(state, CaseEvent(now, _K.TRIGGER_FIRED, {"rule_id": d.rule, "tier": tier}))
            if d.kind is not DecisionKind.ESCALATE or d is chosen:
                self._decide(run, d, t, None)
        return True

    def _decide(self, run: CaseRun, d: Decision, t: float, clock: Clock | None) -> None:
        m, state = self.m, run.state
        if d.notify:
            m.notifications += 1
        if d.priority_raise:
            state.priority_raise += d.priority_raise
        if d.kind is DecisionKind.ESCALATE and state.status not in ENDED:
            etype = d.escalation_type.value if d.escalation_type else "tier"
            m.escalations[etype] += 1
            m.escalations_by_tier[str(d.target_tier)] += 1
            m.escalations_by_team[str(d.target_team)] += 1
            m.escalations_by_rule[d.rule] += 1
            if not run.escalated:
                run.escalated = True
                m.cases_escalated += 1
            run.outcome.escalations.append((t, etype, d.target_tier, d.rule))
            level = self.levels.get(d.target_tier or "", 0)
            current = run.floor[0] if run.floor else self.levels.get(run.place[0] or "", 0)
            if level > current:
                run.floor = (level, d.target_tier, d.target_team)
                place(run, self.levels, self.m)
        elif d.kind is DecisionKind.FLAG and d.flag == "ownership_vacuum":
            m.vacuums += 1
            pt = state.pending_transfer
            m.vacuums_by_team[str(pt.to_team if pt else None)] += 1

    def _schedule(self, run: CaseRun, now: float, check: float) -> None:
        """Keep the case's next due instant in the heap: its earliest pending stage, or
        ``check``, the next time a time-based trigger could fire (a check at or before ``now``
        was just evaluated and decided nothing, as when a transfer is pending: the next event
        looks again). An entry already in the heap for that instant stays (most events move
        neither); any other is made stale by a new version."""
        due = now if run.dirty else run.pending[0][0] if run.pending else math.inf
        if now < check < due:
            due = check
        if due != run.due:
            run.version += 1
            run.due = due
            if due < math.inf:
                heapq.heappush(self.heap, (due, run.idx, run.version))

    # ----------------------------------------------------------------- the end

    def _finish(self, run: CaseRun, end: float) -> CaseOutcome:
        finish_recorded(self.m, run)
        run.outcome.severity = run.state.severity.value
        if self.collect_clocks:
            clocks = compute_clocks(
                run.history,
                self.policy,
                self.calendars,
                datetime.fromtimestamp(end, UTC),
                communications=False,
            )
            run.outcome.resolution_clocks = [
                (c.elapsed.total_seconds(), c.stopped_at is not None)
                for c in clocks.by_kind(ClockKind.RESOLUTION)
                if c.state is not ClockState.CANCELLED
            ]
        return run.outcome
