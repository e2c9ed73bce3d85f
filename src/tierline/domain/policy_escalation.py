"""Policy data for escalating: who hears at warning and breach, explicit trigger rules, escalation
types, regulatory obligations, priority raises and the rules that keep staff alerts bearable.

Everything that moves a case up or tells someone it should move lives here, apart from the
targets it is measured against (``policy_targets``) and the routes it moves along
(``policy_routing``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tierline.domain.policy_routing import RouteTarget
from tierline.domain.policy_targets import Target
from tierline.domain.vocabulary import ClockKind, EscalationType, TriggerKind


@dataclass(frozen=True)
class EscalationLevel:
    """Who hears about a clock at warning, at breach, and at breach + N (R-TRIG-2)."""

    at: str  # "warning" or "breach"
    after: timedelta = timedelta(0)  # only for "breach": breach + after
    notify: tuple[str, ...] = ()  # role ids, or owner / team_lead / coordinator / account_manager
    escalate: bool = False  # move the case to the next tier (an SLA escalation)
    clocks: frozenset[ClockKind] = frozenset()  # empty: every clock

    @property
    def stage(self) -> str:
        """A stable name for the level, used to record that it has fired."""
        if self.at == "warning":
            return "warning"
        return "breach" if not self.after else f"breach+{int(self.after.total_seconds())}s"

    def applies_to(self, kind: ClockKind) -> bool:
        return not self.clocks or kind in self.clocks


#: Names that may appear in ``notify`` lists besides role ids.
NOTIFY_RELATIONS: frozenset[str] = frozenset(
    {"owner", "team_lead", "coordinator", "account_manager", "next_comm_owner", "previous_owner"}
)


@dataclass(frozen=True)
class Condition:
    """A typed test of one case fact: ``severity in [S1, S2]``, ``repeat_contacts >= 3``."""

    field: str
    op: str  # eq, ne, in, not_in, gt, gte, lt, lte, contains
    value: object


@dataclass(frozen=True)
class TriggerAction:
    escalate_to: RouteTarget | None = None
    #: Escalate one tier up from wherever the case is, instead of a fixed target.
    next_tier: bool = False
    escalation_type: EscalationType = EscalationType.TIER
    notify: tuple[str, ...] = ()
    raise_priority: int = 0


@dataclass(frozen=True)
class TriggerRule:
    """An explicit escalation rule (R-TRIG-1): a built-in kind, its parameters, extra conditions."""

    id: str
    kind: TriggerKind
    action: TriggerAction
    description: str = ""
    conditions: tuple[Condition, ...] = ()
    # Parameters; each kind reads the ones it needs (validated by the policy layer).
    threshold: int = 0  # repeat_contacts, many_affected
    wait: timedelta = timedelta(0)  # customer_wait (calendar time)
    values: tuple[str, ...] = ()  # account_value: value flags; time_sensitive: categories
    min_score: float = 0.0  # frustration
    enabled: bool = True


@dataclass(frozen=True)
class EscalationTypeRule:
    """Defaults per escalation type (SPEC §2)."""

    type: EscalationType
    label: str = ""
    default_owner: RouteTarget | None = None
    #: Overrides the acceptance target of the receiving tier for this type.
    acceptance: Target | None = None
    #: Overrides the escalation notice deadline (R-COMM-1) for this type.
    notice_within: Target | None = None
    follow_up: bool = False
    pausable: bool = True  # always False for regulatory: the policy layer refuses True
    raise_priority: int = 0


@dataclass(frozen=True)
class RegulatoryObligation:
    """An external obligation: its deadline comes from the rule, never from an SLA, never pauses."""

    id: str
    label: str
    deadline: Target
    acknowledge_within: Target | None = None
    reference: str = ""  # e.g. the rule's citation


@dataclass(frozen=True)
class PriorityRules:
    """R-TRIG-5: how much each fact raises priority (subtracted from the base, 1 is highest)."""

    vip_boost: int = 1
    strategic_boost: int = 1
    regulatory_boost: int = 1
    time_sensitive_boost: int = 1
    affected_customers_boost_at: int = 10
    affected_customers_boost: int = 1


@dataclass(frozen=True)
class AlertRules:
    """Staff alerts without fatigue: repeat until acknowledged, on duty only, deduplicated,
    batched into digests for the kinds the policy names."""

    repeat_every: timedelta = timedelta(minutes=15)
    max_repeats: int = 3
    dedupe_window: timedelta = timedelta(minutes=10)
    digest_kinds: tuple[str, ...] = ("warning",)
    digest_every: timedelta = timedelta(minutes=30)
    route_to_on_duty: bool = True
