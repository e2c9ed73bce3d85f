"""The record's side of a replay: a case's run state, what the record's events count, and
where a case sits (recorded, and under the policy) for the workload figures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tierline.domain.case import CaseState, Transfer
from tierline.domain.clocks import Clock, Stage
from tierline.domain.events import CaseEvent, EventKind
from tierline.importer.translate import SourceCase
from tierline.replay.metrics import Metrics
from tierline.replay.result import CaseOutcome

_K = EventKind
ENDED = frozenset({"resolved", "closed"})

#: Events that can move the case between teams, tiers or open / not open.
PLACE_EVENTS = frozenset(
    {
        _K.ESCALATED,
        _K.ACCEPTED,
        _K.TRANSFER_CANCELLED,
        _K.ASSIGNED,
        _K.RESOLVED,
        _K.CLOSED,
        _K.REOPENED,
    }
)

#: Events that count in the record's figures (:func:`count_recorded` ignores the others).
COUNTED_EVENTS = frozenset(
    {
        _K.ESCALATED,
        _K.ACCEPTED,
        _K.TRANSFER_CANCELLED,
        _K.RESOLVED,
        _K.CLOSED,
        _K.REOPENED,
    }
)


@dataclass(slots=True)
class CaseRun:
    src: SourceCase
    idx: int
    history: list[CaseEvent]
    state: CaseState
    outcome: CaseOutcome
    pending: list[tuple[float, Clock, Stage]] = field(default_factory=list)
    fired: set[tuple[str, str]] = field(default_factory=set)
    version: int = 0  # of its live entry in the engine's heap
    due: float = math.inf  # the instant of that entry (inf: none)
    floor: tuple[int, str | None, str | None] | None = None  # level, tier, team by the policy
    place: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None)
    dirty: bool = False  # the pending stages need a recomputation (see the engine)
    evaluated_at: float = -math.inf  # when the triggers last looked at the case
    check_key: tuple[Any, ...] | None = None  # the facts the last trigger check time came from
    check_at: float = math.inf
    escalated: bool = False
    """Everything the replay keeps about one case while it runs."""


def count_recorded(
    m: Metrics, run: CaseRun, ev: CaseEvent, before: Transfer | None, t: float
) -> None:
    """What one event of the record adds to the record's figures (``before``: the transfer
    that was waiting before the event)."""
    kind, state = ev.kind, run.state
    if kind is _K.ESCALATED:
        d = ev.data
        direction = str(d.get("direction") or "across")
        m.transfers[direction] += 1
        m.transfers_by_tier[str(d.get("to_tier"))] += 1
        m.transfers_by_team[str(d.get("to_team"))] += 1
        run.outcome.recorded_moves.append((t, d.get("to_tier"), direction))
        if before is not None:  # an earlier transfer was replaced before pick-up
            m.never_accepted += 1
    elif kind is _K.ACCEPTED and before is not None:
        wait = t - before.requested_at.timestamp()
        m.pickups.append(wait)
        m.pickups_by_team[str(before.to_team)].append(wait)
    elif kind in (_K.TRANSFER_CANCELLED, _K.RESOLVED, _K.CLOSED):
        if before is not None:
            m.never_accepted += 1
        if kind is _K.RESOLVED:
            m.resolved += 1
        elif kind is _K.CLOSED:
            m.closed += 1
    elif kind is _K.REOPENED:
        m.reopens += 1
        if state.reopen_count == 1:
            m.cases_reopened += 1


def place(run: CaseRun, levels: dict[str, int], m: Metrics) -> None:
    """Where the case sits, as recorded and under the policy; moves the workload counts."""
    state = run.state
    pt = state.pending_transfer
    team = pt.to_team if pt is not None else state.team
    tier = pt.to_tier if pt is not None else state.tier
    if state.status in ENDED:
        run.floor = None
        new: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None)
    else:
        floor = run.floor
        if floor is not None and levels.get(tier or "", 0) >= floor[0]:
            run.floor = floor = None  # the record caught up with the policy
        pol_tier, pol_team = (floor[1], floor[2]) if floor is not None else (tier, team)
        new = (tier or "(none)", team or "(none)", pol_tier or "(none)", pol_team or "(none)")
    old = run.place
    if new == old:
        return  # most events (an assignee, a status) leave the case where it was
    m.tier_recorded.move(old[0], new[0])
    m.team_recorded.move(old[1], new[1])
    m.tier_policy.move(old[2], new[2])
    m.team_policy.move(old[3], new[3])
    run.place = new


def finish_recorded(m: Metrics, run: CaseRun) -> None:
    """The record's figures known only at the end of a case: ping-pong (the record's teams
    went A→B→A), team changes, whether it was transferred at all."""
    path = run.src.teams
    bounces = sum(1 for i in range(len(path) - 2) if path[i] == path[i + 2])
    if bounces:
        m.ping_pong_cases += 1
        m.ping_pongs += bounces
    m.team_changes += run.src.team_changes
    if run.outcome.recorded_moves:
        m.cases_transferred += 1
