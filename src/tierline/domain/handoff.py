"""The structured handoff (R-HAND-1..4): what must travel with a case when it changes hands.

A handoff is refused while a required field is missing, and "missing" includes filler such as
"n/a" or "see notes": a free-text note never stands in for the structured fields. What Tierline
already knows (account context, earlier escalations, the previous handoff) is prefilled so the
customer never has to repeat themselves and the agent only adds what is new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tierline.domain.case import Account, CaseState
from tierline.domain.policy import HandoffRules
from tierline.domain.vocabulary import EmotionalState

#: Every field a handoff can carry, with the question it answers (shown in forms and errors).
HANDOFF_FIELDS: dict[str, str] = {
    "issue_summary": "the issue in the customer's own terms",
    "steps_taken": "the steps already taken to investigate or resolve",
    "reason": "why the current tier cannot resolve it",
    "customer_told": "what the customer was told about the escalation",
    "promised_time": "the time promised to the customer, if any",
    "emotional_state": "the customer's emotional state",
    "stated_urgency": "the urgency or time constraints the customer stated",
    "account_context": "account context: renewal, earlier escalations, strategic status",
}

_PLACEHOLDERS = frozenset(
    {
        "n/a",
        "na",
        "none",
        "-",
        "tbd",
        "todo",
        "see notes",
        "see above",
        "same as above",
        "...",
        "x",
        "asdf",
        "test",
        "nothing",
        "?",
    }
)
#: Optional fields still count towards completeness, at half the weight of a required one.
_OPTIONAL_WEIGHT = 0.5


@dataclass(frozen=True)
class Handoff:
    issue_summary: str = ""
    steps_taken: str = ""
    reason: str = ""
    customer_told: str = ""
    promised_time: datetime | None = None
    emotional_state: EmotionalState | None = None
    stated_urgency: str = ""
    account_context: Mapping[str, Any] = field(default_factory=dict)
    warm: bool = False  # introduced live to the receiving agent (R-HAND-3)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Handoff:
        promised = data.get("promised_time")
        emotion = data.get("emotional_state")
        return cls(
            issue_summary=str(data.get("issue_summary") or ""),
            steps_taken=str(data.get("steps_taken") or ""),
            reason=str(data.get("reason") or ""),
            customer_told=str(data.get("customer_told") or ""),
            promised_time=datetime.fromisoformat(promised)
            if isinstance(promised, str) and promised
            else promised
            if isinstance(promised, datetime)
            else None,
            emotional_state=EmotionalState(emotion) if emotion else None,
            stated_urgency=str(data.get("stated_urgency") or ""),
            account_context=dict(data.get("account_context") or {}),
            warm=bool(data.get("warm", False)),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "issue_summary": self.issue_summary,
            "steps_taken": self.steps_taken,
            "reason": self.reason,
            "customer_told": self.customer_told,
            "promised_time": self.promised_time.isoformat() if self.promised_time else None,
            "emotional_state": self.emotional_state.value if self.emotional_state else None,
            "stated_urgency": self.stated_urgency,
            "account_context": dict(self.account_context),
            "warm": self.warm,
        }


@dataclass(frozen=True)
class HandoffCheck:
    missing: tuple[str, ...]  # required fields absent or filler
    weak: tuple[str, ...]  # optional fields absent or filler
    completeness: float  # 0..1, weighted (R-HAND-4)

    @property
    def complete(self) -> bool:
        return not self.missing

    def describe_missing(self) -> list[str]:
        return [f"{name}: {HANDOFF_FIELDS.get(name, name)}" for name in self.missing]


def _filled(handoff: Handoff, name: str, min_text: int) -> bool:
    value = getattr(handoff, name, None)
    if value is None:
        return False
    if isinstance(value, str):
        text = value.strip()
        return len(text) >= min_text and text.lower() not in _PLACEHOLDERS
    if isinstance(value, Mapping):
        return bool(value)
    return True


def check_handoff(rules: HandoffRules, handoff: Handoff) -> HandoffCheck:
    short_ok = {"emotional_state", "promised_time", "account_context"}
    missing, weak = [], []
    got = total = 0.0
    for name in HANDOFF_FIELDS:
        required = name in rules.required
        weight = 1.0 if required else _OPTIONAL_WEIGHT
        total += weight
        # Urgency is often one word ("today"); it needs content, not a paragraph.
        min_text = 1 if name in short_ok else (3 if name == "stated_urgency" else rules.min_text)
        if _filled(handoff, name, min_text):
            got += weight
        elif required:
            missing.append(name)
        else:
            weak.append(name)
    return HandoffCheck(tuple(missing), tuple(weak), round(got / total, 3) if total else 1.0)


def account_context(
    account: Account | None, earlier_escalations: int, today: date
) -> dict[str, Any]:
    """The account facts a receiving agent needs, computed rather than typed."""
    if account is None:
        return {"earlier_escalations": earlier_escalations}
    tenure = account.tenure_days(today)
    return {
        "account": account.name or account.id,
        "segment": account.segment.value,
        "value": account.value.value,
        "strategic": account.value.value in ("vip", "strategic"),
        "renewal_date": account.renewal_date.isoformat() if account.renewal_date else None,
        "renewal_within_90_days": account.renewal_within(today),
        "tenure_days": tenure,
        "new_customer": tenure is not None and tenure < 90,
        "earlier_escalations": earlier_escalations,
        "account_manager": account.account_manager,
    }


def prefill(
    state: CaseState,
    account: Account | None,
    earlier_handoffs: Sequence[Handoff],
    earlier_escalations: int,
    description: str,
    today: date,
) -> Handoff:
    """A draft handoff from what the case already holds; the agent completes the rest."""
    last = earlier_handoffs[-1] if earlier_handoffs else None
    steps = last.steps_taken if last else ""
    return Handoff(
        issue_summary=(last.issue_summary if last else "") or description,
        steps_taken=steps,
        customer_told=last.customer_told if last else "",
        emotional_state=last.emotional_state if last else None,
        stated_urgency=last.stated_urgency if last else "",
        promised_time=last.promised_time if last else None,
        account_context=account_context(account, earlier_escalations, today)
        | {"repeat_contacts": state.repeat_contacts, "reopen_count": state.reopen_count},
    )
