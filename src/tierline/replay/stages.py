"""A replayed case's pending clock stages, kept right after each event at the least cost.

Stage instants do not depend on "now", so the pending stages computed from a history stay valid
until an event changes the clocks. Clocks are recomputed only after such an event (a transfer
into another tier, a severity change, leaving a pause, a reopen), once per instant; a transfer
adds its one acceptance clock; entering a pause, an acceptance, a cancellation, a resolution or a
closure update the pending stages directly. ``exact`` recomputes after every event (the
reference the shortcuts are tested against).
"""

from __future__ import annotations

import operator
from datetime import datetime

from tierline.domain.calendar import CalendarBook
from tierline.domain.clock_specs import acceptance_spec
from tierline.domain.clocks import compute_clocks, evaluate_spec
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.policy import Policy
from tierline.domain.vocabulary import ClockKind
from tierline.replay.record import CaseRun

_K = EventKind
_INSTANT = operator.itemgetter(0)  # of a pending stage
#: Events after which a case's clocks may differ in ways only a recomputation tells (status
#: changes, acceptances and cancellations, resolutions and closures are handled apart).
_CLOCK_EVENTS = frozenset(
    {
        _K.SEVERITY_CHANGED,
        _K.REOPENED,
        _K.FLAGGED,
        _K.MESSAGE,
        _K.APPROVAL_REQUESTED,
        _K.APPROVAL_DECIDED,
        _K.COMMITMENT_MADE,
    }
)
#: Events :meth:`PendingStages.after` acts on (the others move no clock).
_STAGE_EVENTS = _CLOCK_EVENTS | {
    _K.RESOLVED,
    _K.CLOSED,
    _K.ESCALATED,
    _K.STATUS_CHANGED,
    _K.TRANSFER_CANCELLED,
    _K.ACCEPTED,
}


class PendingStages:
    """The upkeep of ``CaseRun.pending`` (and ``dirty``) for one policy."""

    def __init__(self, policy: Policy, calendars: CalendarBook, *, exact: bool = False) -> None:
        self.policy = policy
        self.calendars = calendars
        self.exact = exact
        #: The kinds of event :meth:`after` must see (every kind when ``exact``).
        self.moved_by = frozenset(EventKind) if exact else _STAGE_EVENTS
        self.pausing = frozenset(policy.pause_statuses)
        self.paused_by = {
            status: frozenset(k for k in ClockKind if status in policy.pausing_statuses(k))
            for status in self.pausing
        }

    def after(
        self, run: CaseRun, ev: CaseEvent, t: float, old_status: str, old_tier: str | None
    ) -> None:
        """Keep the case's pending stages right after an event, recomputing only when needed.

        A recomputation is not done at once but marked (``dirty``) and done when the case is
        next due (at once on the simulated clock, but after the other events of the same
        instant), so a log row that became several events costs one."""
        kind = ev.kind
        if self.exact:
            self.recompute(run, ev.at)
        elif kind is _K.RESOLVED or kind is _K.CLOSED:
            run.pending, run.dirty = [], False  # both stop every SLA clock of the case
        elif run.dirty:
            return  # the coming recomputation sees this event too
        elif kind in _CLOCK_EVENTS:
            run.dirty = True
        elif kind is _K.ESCALATED:
            # A transfer starts one clock (its acceptance) and changes no other: add it alone.
            self._add_acceptance(run, ev, t)
        elif kind is _K.STATUS_CHANGED:
            new = ev.data.get("to")
            if old_status in self.pausing:
                run.dirty = True  # leaving (or changing) a pause moves the instants ahead
            elif new in self.pausing:
                # Entering a pause: stages still to come of the clocks it pauses have no
                # instant any more (they would be None); the others do not move.
                paused = self.paused_by[str(new)]
                run.pending = [
                    p
                    for p in run.pending
                    if p[0] <= t or not (p[1].pausable and p[1].kind in paused)
                ]
        elif kind is _K.TRANSFER_CANCELLED or kind is _K.ACCEPTED:
            # Either ends the transfer's acceptance clock; an acceptance into another tier also
            # retargets the resolution clock, which only a recomputation gets right.
            if kind is _K.ACCEPTED and run.state.tier != old_tier:
                run.dirty = True
            else:
                key = f"acceptance:{ev.data.get('escalation_id')}"
                run.pending = [p for p in run.pending if p[1].key != key]

    def recompute(self, run: CaseRun, now: datetime) -> None:
        clocks = compute_clocks(run.history, self.policy, self.calendars, now, communications=False)
        fired = run.fired
        pending = [
            (s.at.timestamp(), c, s)
            for c in clocks.clocks
            if c.running
            for s in c.stages
            if s.at is not None and (c.key, s.name) not in fired
        ]
        pending.sort(key=_INSTANT)
        run.pending = pending

    def _add_acceptance(self, run: CaseRun, ev: CaseEvent, t: float) -> None:
        state = run.state
        spec = acceptance_spec(self.policy, ev, state.severity, state.team)
        if spec is None:
            return
        statuses = [(t, state.status)]  # pauses before the transfer don't count
        clock = evaluate_spec(spec, self.policy, self.calendars, statuses, ev.at, run.fired)
        if not clock.running:
            return
        fired = run.fired
        new = [
            (s.at.timestamp(), clock, s)
            for s in clock.stages
            if s.at is not None and (clock.key, s.name) not in fired
        ]
        if new:
            run.pending = sorted(run.pending + new, key=_INSTANT)
