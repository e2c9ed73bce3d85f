"""What happens when a clock reaches a stage: the escalation levels of the matrix (R-TRIG-2).

A warning notifies; a breach notifies and, where the level says so, moves the case one tier up as
an SLA escalation; ``breach + N`` widens the circle. An overdue acceptance is an ownership vacuum
(R-OWN-2) and an overdue approval is flagged to the approver's superiors (R-AUTH-2): neither moves
the case up a tier, because the problem is the missing owner or decision, not the case.
"""

from __future__ import annotations

from tierline.domain.case import CaseState
from tierline.domain.clocks import Clock, Stage
from tierline.domain.decisions import Decision, DecisionKind, Explanation
from tierline.domain.policy import Policy
from tierline.domain.vocabulary import ClockKind, EscalationType


def stage_decisions(policy: Policy, clock: Clock, stage: Stage, state: CaseState) -> list[Decision]:
    """Decisions for one due stage of one clock; ``policy`` is normally the case's frozen plan."""
    facts = {
        "clock": clock.key,
        "kind": clock.kind.value,
        "stage": stage.name,
        "stage_at": stage.at.isoformat() if stage.at else None,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "target": clock.target.describe(),
        "started_at": clock.started_at.isoformat(),
        "elapsed_seconds": clock.elapsed.total_seconds(),
        "paused_seconds": clock.paused.total_seconds(),
        "tier": state.tier,
        "team": state.team,
        "owner": state.owner,
    }
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
                    f"transfer {clock.subject} not accepted within {clock.target.describe()}",
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
                    f"approval {clock.subject} not decided within {clock.target.describe()}",
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
        summary = f"{clock.kind.value} {stage.name} ({clock.target.describe()})"
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
