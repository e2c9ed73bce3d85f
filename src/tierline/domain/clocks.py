"""SLA and communication clocks, computed from a case's history (R-TRIG-2).

A clock is derived, never stored as a running counter: its start and stop come from events, its
pauses from the spans of the status history during which the case sat in a status that the policy
says pauses that clock. From those and a target we compute the due instant, the warning instants,
how much time ran and how much was paused. Computing instead of counting means a late event, a
replay or a policy question ("what if this status paused the clock?") all give the same answer.

Stages: each clock passes its warning fractions, its breach, and each ``breach + N`` escalation
level. The worker acts on a stage once and records a ``clock_fired`` event; a stage not yet recorded
is pending, and the earliest pending stage over all clocks is the case's ``next_due_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta

from tierline.domain.calendar import BusinessCalendar, CalendarBook
from tierline.domain.clock_specs import Span, Spec, gather_sla
from tierline.domain.communication import communication_specs
from tierline.domain.events import CaseEvent
from tierline.domain.policy import Policy, Target
from tierline.domain.vocabulary import ClockKind, ClockState


@dataclass(frozen=True)
class Stage:
    """A moment in a clock's life that someone may have to act on."""

    name: str  # "warning:0.75", "breach", "breach+7200s"
    at: datetime | None  # None while the clock is paused and the instant is unknown
    fired: bool


@dataclass(frozen=True)
class Clock:
    key: str  # unique within the case: "first_response", "acceptance:esc-2", "next_update:3"
    kind: ClockKind
    started_at: datetime
    target: Target
    calendar: str
    pausable: bool
    due_at: datetime | None
    stopped_at: datetime | None
    state: ClockState
    elapsed: timedelta  # running (unpaused) time on the clock's basis, up to stop or now
    paused: timedelta  # paused time on the clock's basis, up to stop or now
    stages: tuple[Stage, ...] = ()
    subject: str | None = None  # the escalation / approval / commitment it belongs to

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.state is not ClockState.CANCELLED

    @property
    def breached(self) -> bool:
        return self.state in (ClockState.BREACHED, ClockState.MET_LATE)

    def pending_stages(self) -> list[Stage]:
        if not self.running:
            return []
        return [s for s in self.stages if not s.fired and s.at is not None]

    def to_data(self) -> dict[str, object]:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "started_at": self.started_at.isoformat(),
            "target": self.target.describe(),
            "target_seconds": self.target.duration.total_seconds(),
            "basis": self.target.basis.value,
            "calendar": self.calendar,
            "pausable": self.pausable,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
            "state": self.state.value,
            "elapsed_seconds": self.elapsed.total_seconds(),
            "paused_seconds": self.paused.total_seconds(),
            "stages": [
                {"name": s.name, "at": s.at.isoformat() if s.at else None, "fired": s.fired}
                for s in self.stages
            ],
            "subject": self.subject,
        }


@dataclass(frozen=True)
class ClockSet:
    clocks: tuple[Clock, ...]
    next_due_at: datetime | None
    computed_at: datetime

    def by_kind(self, kind: ClockKind) -> list[Clock]:
        return [c for c in self.clocks if c.kind is kind]

    def get(self, key: str) -> Clock | None:
        for c in self.clocks:
            if c.key == key:
                return c
        return None

    def due_stages(self, now: datetime) -> list[tuple[Clock, Stage]]:
        """Stages whose instant has come and that nobody has acted on yet, oldest first."""
        now_t = now.timestamp()
        out = [
            (c, s)
            for c in self.clocks
            for s in c.pending_stages()
            if s.at is not None and s.at.timestamp() <= now_t
        ]
        out.sort(key=lambda cs: (cs[1].at or now).timestamp())
        return out

    def deadlines(self) -> dict[str, datetime | None]:
        """The due instant of each running clock by key (what the case row stores)."""
        return {c.key: c.due_at for c in self.clocks if c.running}


def compute_clocks(
    history: Sequence[CaseEvent],
    policy: Policy,
    calendars: CalendarBook,
    now: datetime,
    *,
    communications: bool = True,
) -> ClockSet:
    """Every clock of a case at ``now``.

    ``policy`` is normally the case's frozen plan (see :mod:`tierline.domain.plan`), so a later
    policy change cannot move a running case's deadlines.
    """
    line = gather_sla(history, policy)
    specs = line.specs
    if communications:  # the customer communication deadlines (R-COMM) as clocks too
        specs = specs + communication_specs(history, policy, calendars, now)
    now_t = now.timestamp()
    fractions = tuple(sorted(set(policy.warning_fractions)))
    clocks = []
    for spec in specs:
        cal = calendars.get(spec.calendar)
        pauses = _pause_spans(line.statuses, policy, spec.kind) if spec.pausable else []
        clocks.append(_evaluate(spec, cal, pauses, now_t, fractions, policy, line.fired))
    pending = [s.at for c in clocks for s in c.pending_stages() if s.at is not None]
    return ClockSet(tuple(clocks), min(pending, key=datetime.timestamp) if pending else None, now)


def evaluate_spec(
    spec: Spec,
    policy: Policy,
    calendars: CalendarBook,
    statuses: list[tuple[float, str]],
    now: datetime,
    fired: AbstractSet[tuple[str, str]] = frozenset(),
) -> Clock:
    """One clock, as :func:`compute_clocks` computes each: for a caller that adds a clock to
    a set it already holds (``statuses``: the case's status history as epoch seconds)."""
    pauses = _pause_spans(statuses, policy, spec.kind) if spec.pausable else []
    fractions = tuple(sorted(set(policy.warning_fractions)))
    return _evaluate(
        spec, calendars.get(spec.calendar), pauses, now.timestamp(), fractions, policy, fired
    )


def _pause_spans(statuses: list[tuple[float, str]], policy: Policy, kind: ClockKind) -> list[Span]:
    pausing = policy.pausing_statuses(kind)
    if not pausing:
        return []
    spans: list[Span] = []
    begin: float | None = None
    for t, status in statuses:
        if status in pausing:
            if begin is None:
                begin = t
        elif begin is not None:
            spans.append((begin, t))
            begin = None
    if begin is not None:
        spans.append((begin, None))
    return spans


def _reach(
    cal: BusinessCalendar, start: float, amount: float, pauses: Iterable[Span]
) -> float | None:
    """The instant at which ``amount`` seconds of unpaused open time have run since ``start``.

    None when the clock is paused before reaching it (the instant is not known yet).
    """
    cursor, remaining = start, amount
    for ps, pe in pauses:
        if pe is not None and pe <= cursor:
            continue
        ps = max(ps, cursor)
        available = cal.seconds_between(cursor, ps)
        if available >= remaining:
            return cal.add_seconds(cursor, remaining)
        remaining -= available
        if pe is None:
            return None
        cursor = pe
    return cal.add_seconds(cursor, remaining)


def _paused_between(cal: BusinessCalendar, a: float, b: float, pauses: Iterable[Span]) -> float:
    total = 0.0
    for ps, pe in pauses:
        lo, hi = max(ps, a), min(pe if pe is not None else b, b)
        if hi > lo:
            total += cal.seconds_between(lo, hi)
    return total


_WARNING_NAMES: dict[float, str] = {}


def _warning_name(fraction: float) -> str:
    """``warning:0.75``: stage names are compared with recorded ``clock_fired`` events, so
    they are formatted one way only (and once per fraction, not once per clock)."""
    name = _WARNING_NAMES.get(fraction)
    if name is None:
        name = _WARNING_NAMES[fraction] = f"warning:{fraction:g}"
    return name


def _evaluate(
    spec: Spec,
    cal: BusinessCalendar,
    pauses: list[Span],
    now_t: float,
    fractions: tuple[float, ...],
    policy: Policy,
    fired: AbstractSet[tuple[str, str]],
) -> Clock:
    tz = cal.tz
    start_t = spec.start.timestamp()
    end_t = spec.stop.timestamp() if spec.stop is not None else now_t
    end_t = max(end_t, start_t)
    target_s = spec.target.duration.total_seconds()

    def at(t: float | None) -> datetime | None:
        return None if t is None else datetime.fromtimestamp(t, tz)

    if spec.fixed_due is not None:
        due_t: float | None = spec.fixed_due.timestamp()
    else:
        due_t = _reach(cal, start_t, target_s, pauses)
    due_at = at(due_t)
    paused_s = _paused_between(cal, start_t, end_t, pauses) if pauses else 0.0
    elapsed_s = cal.seconds_between(start_t, end_t) - paused_s

    key = spec.key
    stages: list[Stage] = []
    if spec.opens_at is not None:  # a window that must not be acted on before it opens
        stages.append(Stage("open", spec.opens_at.astimezone(tz), (key, "open") in fired))
    warned = False
    for f in fractions if spec.warnings else ():
        name = _warning_name(f)
        if spec.fixed_due is not None:
            w_t: float | None = start_t + (due_t - start_t) * f if due_t is not None else None
        else:
            w_t = _reach(cal, start_t, target_s * f, pauses)
        warned = warned or (w_t is not None and w_t <= now_t)
        stages.append(Stage(name, at(w_t), (key, name) in fired))
    stages.append(Stage("breach", due_at, (key, "breach") in fired))
    for level in policy.escalation_levels if spec.levels else ():
        if level.at == "breach" and level.after and level.applies_to(spec.kind):
            after_t = (
                cal.add_seconds(due_t, level.after.total_seconds()) if due_t is not None else None
            )
            stages.append(Stage(level.stage, at(after_t), (key, level.stage) in fired))

    in_pause = bool(pauses) and pauses[-1][1] is None and pauses[-1][0] <= end_t
    if spec.cancelled:
        state = ClockState.CANCELLED
    elif spec.missed:
        state = ClockState.BREACHED
    elif spec.stop is not None:
        state = ClockState.MET if due_t is None or end_t <= due_t else ClockState.MET_LATE
    elif due_t is not None and now_t >= due_t:
        state = ClockState.BREACHED
    elif in_pause:
        state = ClockState.PAUSED
    elif warned:
        state = ClockState.WARNING
    else:
        state = ClockState.RUNNING
    return Clock(
        key=spec.key,
        kind=spec.kind,
        started_at=spec.start.astimezone(tz),
        target=spec.target,
        calendar=spec.calendar,
        pausable=spec.pausable,
        due_at=due_at,
        stopped_at=spec.stop,
        state=state,
        elapsed=timedelta(seconds=max(elapsed_s, 0.0)),
        paused=timedelta(seconds=paused_s),
        stages=tuple(stages),
        subject=spec.subject,
    )
