"""What a clock stage decides during a replay, worked out once per situation, not per stage.

A log of tens of thousands of cases reaches tens of thousands of stages, and the domain's
:func:`~tierline.domain.levels.stage_decisions` builds each decision's explanation (the facts,
with their instants as text) for the case file of a live service. A replay reads only what was
decided: the kind, target, notification, priority raise and rule. For an SLA clock those depend
on the clock's kind, the stage's name, the case's tier and whether a transfer is pending, and on
nothing else of the clock or the case (the instants, the target and the subject only go into the
explanation's words). So the decisions of the first stage in each such situation serve every
later one; their explanations describe that first stage and are never read.

Communication and confirmation clocks decide from more of the clock (its stages, its due
instant), so they are always asked afresh; a replay seldom has them.
"""

from __future__ import annotations

from tierline.domain.case import CaseState
from tierline.domain.clocks import Clock, Stage
from tierline.domain.decisions import Decision
from tierline.domain.levels import stage_decisions
from tierline.domain.policy import Policy
from tierline.domain.vocabulary import COMMUNICATION_CLOCKS, ClockKind

#: Clocks whose decisions :func:`stage_decisions` reads from more than the situation's key.
_ASKED_AFRESH = (COMMUNICATION_CLOCKS - {ClockKind.COMMITMENT}) | {ClockKind.CONFIRMATION}

_Key = tuple[ClockKind, str, str | None, bool]


class StageDecisions:
    """``stage_decisions`` for one policy, remembered by situation (``exact``: never)."""

    def __init__(self, policy: Policy, *, exact: bool = False) -> None:
        self.policy = policy
        self.exact = exact
        self.known: dict[_Key, list[Decision]] = {}

    def __call__(self, clock: Clock, stage: Stage, state: CaseState) -> list[Decision]:
        kind = clock.kind
        if self.exact or kind in _ASKED_AFRESH:
            return stage_decisions(self.policy, clock, stage, state)
        key = (kind, stage.name, state.tier, state.pending_transfer is None)
        decisions = self.known.get(key)
        if decisions is None:
            decisions = self.known[key] = stage_decisions(self.policy, clock, stage, state)
        return decisions
