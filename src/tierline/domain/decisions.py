"""Decisions and their explanations: a step decides, the service layer acts (R-TRIG-4).

Every automatic decision carries the rule that made it, the policy version in force and the facts
it saw, so "why was this escalated?" has an answer that is stored with the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tierline.domain.vocabulary import EscalationType


@dataclass(frozen=True)
class Explanation:
    rule: str
    policy_version: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""

    def to_data(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "policy_version": self.policy_version,
            "facts": dict(self.facts),
            "summary": self.summary,
        }


class DecisionKind(StrEnum):
    ESCALATE = "escalate"
    NOTIFY = "notify"
    RAISE_PRIORITY = "raise_priority"
    FLAG = "flag"  # ownership vacuum, approval overdue, commitment missed…
    SEND = "send"  # send a customer communication from its template (``flag`` names the kind)


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    explanation: Explanation
    target_tier: str | None = None
    target_team: str | None = None
    escalation_type: EscalationType | None = None
    notify: tuple[str, ...] = ()
    priority_raise: int = 0
    flag: str | None = None

    @property
    def rule(self) -> str:
        return self.explanation.rule

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "target_tier": self.target_tier,
            "target_team": self.target_team,
            "escalation_type": self.escalation_type.value if self.escalation_type else None,
            "notify": list(self.notify),
            "priority_raise": self.priority_raise,
            "flag": self.flag,
            "explanation": self.explanation.to_data(),
        }
