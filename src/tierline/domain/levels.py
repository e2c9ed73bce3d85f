"""What happens when a clock reaches a stage: the escalation levels of the matrix (R-TRIG-2).

A warning notifies; a breach notifies and, where the level says so, moves the case one tier up as
an SLA escalation; ``breach + N`` widens the circle. An overdue acceptance is an ownership vacuum
(R-OWN-2) and an overdue approval is flagged to the approver's superiors (R-AUTH-2): neither moves
the case up a tier, because the problem is the missing owner or decision, not the case.
"""

from __future__ import annotations

from functools import lru_cache

from tierline.domain.case import CaseState
from tierline.domain.clocks import Clock, Stage
from tierline.domain.decisions import Decision, DecisionKind, Explanation
from tierline.domain.policy import Policy, Target
from tierline.domain.vocabulary import (
    COMMUNICATION_CLOCKS,
    MESSAGE_KIND_OF_CLOCK,
    ClockKind,
    EscalationType,
)


def stage_decisions(policy: Policy, clock: Clock, stage: Stage, state: CaseState) -> list[Decision]:
    """Decisions for one due stage of one clock; ``policy`` is normally the case's frozen plan."""
    if clock.kind in COMMUNICATION_CLOCKS and clock.kind is not ClockKind.COMMITMENT:
        return communication_decisions(policy, clock, stage, state)
    if clock.kind is ClockKind.CONFIRMATION:
        if stage.name != "breach":
            return []
        return [
            Decision(
                DecisionKind.FLAG,
                Explanation(
                    "confirmation_expired",
                    policy.version,
                    _facts(clock, stage, state),
                    "the customer did not confirm the resolution in time: process-closed",
                ),
                flag="confirmation_expired",
            )
        ]
    facts = _facts(clock, stage, state)
    return _sla_decisions(policy, clock, stage, state, facts)


@lru_cache(maxsize=256)
def _describe(target: Target) -> str:
    """A target in words; a policy has a handful of targets and every stage quotes one."""
    return target.describe()


def _facts(clock: Clock, stage: Stage, state: CaseState) -> dict[str, object]:
    return {
        "clock": clock.key,
        "kind": clock.kind.value,
        "stage": stage.name,
        "stage_at": stage.at.isoformat() if stage.at else None,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "target": _describe(clock.target),
        "started_at": clock.started_at.isoformat(),
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "paused_seconds": clock.paused.total_seconds(),
        "tier": state.tier,
        "team": state.team,
        "owner": state.owner,
    }


def _sla_decisions(
    policy: Policy, clock: Clock, stage: Stage, state: CaseState, facts: dict[str, object]
) -> list[Decision]:
    out: list[Decision] = []
    is_breach = stage.name == "breach"
    if clock.kind is ClockKind.ACCEPTANCE and is_breach:
        out.append(
            Decision(
                DecisionKind.FLAG,
                Explanation(
                    "ownership_vacuum",
                    policy.version,
                    facts,
                    f"transfer {clock.subject} not accepted within {_describe(clock.target)}",
                ),
                notify=policy.ownership.vacuum_notify,
                flag="ownership_vacuum",
            )
        )
        return out
    if clock.kind is ClockKind.APPROVAL and is_breach:
        out.append(
            Decision(
                DecisionKind.FLAG,
                Explanation(
                    "approval_overdue",
                    policy.version,
                    facts,
                    f"approval {clock.subject} not decided within {_describe(clock.target)}",
                ),
                notify=("team_lead",),
                flag="approval_overdue",
            )
        )
        return out
    if clock.kind is ClockKind.COMMITMENT and is_breach:
        out.append(
            Decision(
                DecisionKind.FLAG,
                Explanation(
                    "commitment_missed",
                    policy.version,
                    facts,
                    "the contact promised to the customer did not happen in time",
                ),
                notify=("owner", "coordinator", "team_lead"),
                flag="commitment_missed",
            )
        )
    for level in policy.escalation_levels:
        if not level.applies_to(clock.kind):
            continue
        if (stage.name.startswith("warning") and level.at == "warning") or (
            level.at == "breach" and level.stage == stage.name
        ):
            pass
        else:
            continue
        rule = f"escalation_levels.{level.stage}"
        summary = f"{clock.kind.value} {stage.name} ({_describe(clock.target)})"
        explanation = Explanation(rule, policy.version, facts, summary)
        nxt = policy.next_tier(state.tier) if level.escalate else None
        if (
            nxt is not None
            and state.pending_transfer is None
            and clock.kind
            in (
                ClockKind.FIRST_RESPONSE,
                ClockKind.RESOLUTION,
                ClockKind.NEXT_UPDATE,
                ClockKind.REGULATORY,
            )
        ):
            team = policy.team_for_tier(nxt.id)
            out.append(
                Decision(
                    DecisionKind.ESCALATE,
                    explanation,
                    target_tier=nxt.id,
                    target_team=team.id if team else None,
                    escalation_type=EscalationType.SLA,
                    notify=level.notify,
                )
            )
        elif level.notify:
            out.append(Decision(DecisionKind.NOTIFY, explanation, notify=level.notify))
    return out


def communication_decisions(
    policy: Policy, clock: Clock, stage: Stage, state: CaseState
) -> list[Decision]:
    """A message owed to the customer: remind whoever owns the next communication, send it
    ourselves where the policy says so, and widen the circle when it is missed (R-COMM-6)."""
    kind = MESSAGE_KIND_OF_CLOCK.get(clock.kind, clock.kind.value)
    facts = _facts(clock, stage, state)
    auto = kind in policy.communication.auto_send
    due = clock.due_at.isoformat() if clock.due_at else "?"

    def explain(rule: str, summary: str) -> Explanation:
        return Explanation(rule, policy.version, facts, summary)

    last_warning = max(
        (s.name for s in clock.stages if s.name.startswith("warning")),
        key=lambda n: float(n.split(":")[1]),
        default=None,
    )
    if auto and (stage.name == "open" or stage.name == last_warning):
        return [
            Decision(
                DecisionKind.SEND,
                explain(f"communication.auto_send.{kind}", f"the {kind} is sent from its template"),
                flag=kind,
            )
        ]
    if stage.name == "open":
        return [
            Decision(
                DecisionKind.NOTIFY,
                explain(f"communication.{kind}", f"the {kind} window is open until {due}"),
                notify=("next_comm_owner",),
            )
        ]
    if stage.name.startswith("warning"):
        return [
            Decision(
                DecisionKind.NOTIFY,
                explain(f"communication.{kind}", f"the {kind} to the customer is due by {due}"),
                notify=("next_comm_owner",),
            )
        ]
    if stage.name == "breach":
        return [
            Decision(
                DecisionKind.FLAG,
                explain(
                    f"communication.{kind}", f"the {kind} to the customer was not sent by {due}"
                ),
                notify=("next_comm_owner",),
                flag="communication_missed",
            )
        ]
    # breach + N: the coordinator steps in, with whoever the level names.
    level = next((lv for lv in policy.escalation_levels if lv.stage == stage.name), None)
    notify = tuple(dict.fromkeys(("coordinator", *(level.notify if level else ()))))
    return [
        Decision(
            DecisionKind.NOTIFY,
            explain(f"escalation_levels.{stage.name}", f"the {kind} is still missing since {due}"),
            notify=notify,
        )
    ]
