"""Policy data for how people work a case between them: the ownership model, what a handoff
must contain, and the root-cause categories recorded at resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

from tierline.domain.vocabulary import OwnershipModel


@dataclass(frozen=True)
class OwnershipRules:
    model: OwnershipModel = OwnershipModel.RELAY
    coordinator_role: str | None = None
    #: Who hears about an ownership vacuum (acceptance overdue).
    vacuum_notify: tuple[str, ...] = ("coordinator", "team_lead")


@dataclass(frozen=True)
class RootCause:
    id: str
    label: str = ""
    signal: str = "product"  # product, training, capacity, policy, customer
    at_fault: bool = True  # the organisation was at fault: the resolution must apologise


@dataclass(frozen=True)
class HandoffRules:
    required: tuple[str, ...] = (
        "issue_summary",
        "steps_taken",
        "reason",
        "customer_told",
        "emotional_state",
        "stated_urgency",
    )
    #: Below this many characters a text field counts as missing ("n/a", "see notes").
    min_text: int = 12
