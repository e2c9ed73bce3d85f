"""Trigger rules evaluated against a case's state and ``now`` (R-TRIG-1, R-TRIG-4).

Each rule is typed data from the policy: a built-in kind with parameters plus optional conditions.
Evaluation returns decisions (escalate where, with which type; notify whom; raise priority), each
with the rule id, the policy version and the facts it saw. A rule fires at most once per tier: the
service records a ``trigger_fired`` event, and the state remembers it, so a case that stays
frustrated at T2 does not escalate again every time the customer writes.

Rules are compiled once per policy into small predicate functions, because this runs on every
case event and, in replay, millions of times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tierline.domain.calendar import CalendarBook
from tierline.domain.case import Account, CaseState
from tierline.domain.decisions import Decision, DecisionKind, Explanation
from tierline.domain.policy import Condition, Policy, TriggerRule
from tierline.domain.routing import RoutingError, route
from tierline.domain.vocabulary import AccountValue, TimeBasis, TriggerKind

Facts = dict[str, Any]


@dataclass(frozen=True)
class Situation:
    """Everything a trigger may look at, besides the policy."""

    state: CaseState
    now: datetime
    account: Account | None = None
    priority: int = 3


Predicate = Callable[[Situation], Facts | None]


def _field_value(field: str, sit: Situation) -> Any:
    s = sit.state
    if field == "severity":
        return s.severity.value
    if field == "priority":
        return sit.priority
    if field == "contact_type":
        return s.contact_type
    if field == "channel":
        return s.channel.value if s.channel else None
    if field == "tier":
        return s.tier
    if field == "team":
        return s.team
    if field == "account_value":
        return (sit.account.value if sit.account else AccountValue.STANDARD).value
    if field == "segment":
        return sit.account.segment.value if sit.account else None
    if field == "repeat_contacts":
        return s.repeat_contacts
    if field == "affected_customers":
        return s.affected_customers
    if field == "status":
        return s.status
    raise KeyError(field)


#: Rules about a fact that happens once (the customer asked, a flag was raised, the account is
#: VIP) fire once per case; the others (time in tier, the designated tier, waits, authority)
#: once per tier, since a new tier brings a new situation.
ONCE_PER_CASE = frozenset(
    {
        TriggerKind.CUSTOMER_REQUEST,
        TriggerKind.REGULATORY_FLAG,
        TriggerKind.SUSPECTED_DEFECT,
        TriggerKind.REPEAT_CONTACTS,
        TriggerKind.ACCOUNT_VALUE,
        TriggerKind.TIME_SENSITIVE_CATEGORY,
        TriggerKind.FRUSTRATION,
        TriggerKind.MANY_AFFECTED,
    }
)

CONDITION_FIELDS = (
    "severity",
    "priority",
    "contact_type",
    "channel",
    "tier",
    "team",
    "account_value",
    "segment",
    "repeat_contacts",
    "affected_customers",
    "status",
)

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "gt": lambda a, b: a is not None and a > b,
    "gte": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "lte": lambda a, b: a is not None and a <= b,
    "contains": lambda a, b: a is not None and b in a,
}


def condition_holds(cond: Condition, sit: Situation) -> bool:
    return _OPS[cond.op](_field_value(cond.field, sit), cond.value)


class TriggerEngine:
    """A policy's trigger rules, compiled; one engine per policy version."""

    def __init__(self, policy: Policy, calendars: CalendarBook) -> None:
        self.policy = policy
        self.calendars = calendars
        self._rules: list[tuple[TriggerRule, Predicate]] = [
            (r, self._compile(r)) for r in policy.triggers if r.enabled
        ]
        self._route_cache: dict[tuple[Any, ...], tuple[str | None, str | None, int] | None] = {}

    # ----------------------------------------------------------------- evaluation

    def evaluate(
        self,
        state: CaseState,
        now: datetime,
        account: Account | None = None,
        priority: int = 3,
    ) -> list[Decision]:
        if not state.is_open:
            return []
        sit = Situation(state, now, account, priority)
        fired = state.fired_rules
        tier_key = state.tier or ""
        fired_anywhere = {rule_id for rule_id, _ in fired}
        out: list[Decision] = []
        for rule, predicate in self._rules:
            if (rule.id, tier_key) in fired or (
                rule.kind in ONCE_PER_CASE and rule.id in fired_anywhere
            ):
                continue
            facts = predicate(sit)
            if facts is None:
                continue
            if rule.conditions:
                if not all(condition_holds(c, sit) for c in rule.conditions):
                    continue
                facts["conditions"] = [f"{c.field} {c.op} {c.value}" for c in rule.conditions]
            decision = self._decide(rule, facts, sit)
            if decision is not None:
                out.append(decision)
        return out

    def next_check_at(self, state: CaseState) -> datetime | None:
        """When a time-based trigger (time in tier, customer wait) could next become true."""
        if not state.is_open:
            return None
        times: list[datetime] = []
        for rule, _ in self._rules:
            if (rule.id, state.tier or "") in state.fired_rules:
                continue
            if rule.kind is TriggerKind.TIME_IN_TIER and state.tier:
                limit = (
                    self.policy.tier(state.tier).max_time_in_tier
                    if self._has_tier(state.tier)
                    else None
                )
                if limit is not None:
                    start = state.tier_entered_at or state.opened_at
                    times.append(self._calendar_for(limit, state).add(start, limit.duration))
            elif rule.kind is TriggerKind.CUSTOMER_WAIT:
                since = self._waiting_since(state)
                if since is not None:
                    # Real time: ``since + wait`` on a ZoneInfo instant would add wall-clock
                    # time and be off by an hour across a DST change.
                    times.append(
                        datetime.fromtimestamp(
                            since.timestamp() + rule.wait.total_seconds(), since.tzinfo
                        )
                    )
        return min(times, key=datetime.timestamp) if times else None

    # ----------------------------------------------------------------- compiling

    def _compile(self, rule: TriggerRule) -> Predicate:
        kind = rule.kind
        K = TriggerKind
        if kind is K.TIME_IN_TIER:
            return self._time_in_tier
        if kind is K.CONTACT_TYPE_TIER:
            return self._designated_tier
        if kind is K.CUSTOMER_REQUEST:
            return lambda s: {"customer_requested": True} if s.state.customer_requested else None
        if kind is K.REGULATORY_FLAG:
            return lambda s: (
                {"regulatory_obligations": list(s.state.regulatory_obligations)}
                if (s.state.regulatory_obligations)
                else None
            )
        if kind is K.SUSPECTED_DEFECT:
            return lambda s: {"suspected_defect": True} if s.state.suspected_defect else None
        if kind is K.REPEAT_CONTACTS:
            n = max(rule.threshold, 1)
            return lambda s: (
                {"repeat_contacts": s.state.repeat_contacts, "threshold": n}
                if (s.state.repeat_contacts >= n)
                else None
            )
        if kind is K.CUSTOMER_WAIT:
            wait = rule.wait
            return lambda s: self._customer_wait(s, wait)
        if kind is K.AUTHORITY_EXCEEDED:
            return lambda s: (
                {"pending_approvals": list(s.state.pending_approvals)}
                if (s.state.authority_exceeded)
                else None
            )
        if kind is K.ACCOUNT_VALUE:
            values = frozenset(rule.values or ("vip", "strategic"))
            return lambda s: (
                {"account_value": s.account.value.value, "account": s.account.id}
                if (s.account is not None and s.account.value.value in values)
                else None
            )
        if kind is K.TIME_SENSITIVE_CATEGORY:
            cats = frozenset(rule.values)
            flagged = frozenset(
                c.id for c in self.policy.contact_types.values() if c.time_sensitive
            )
            chosen = cats or flagged
            return lambda s: (
                {"contact_type": s.state.contact_type, "time_sensitive": True}
                if (s.state.contact_type in chosen)
                else None
            )
        if kind is K.FRUSTRATION:
            threshold = rule.min_score or 0.5
            return lambda s: (
                {"frustration_score": round(s.state.frustration_score, 3), "min_score": threshold}
                if (s.state.frustration_score >= threshold)
                else None
            )
        if kind is K.MANY_AFFECTED:
            n = max(rule.threshold, 2)
            return lambda s: (
                {"affected_customers": s.state.affected_customers, "threshold": n}
                if (s.state.affected_customers >= n)
                else None
            )
        if kind is K.CONDITION:
            return lambda s: {}
        raise ValueError(f"unknown trigger kind {kind}")

    def _has_tier(self, tier_id: str) -> bool:
        return any(t.id == tier_id for t in self.policy.tiers)

    def _calendar_for(self, limit: Any, state: CaseState) -> Any:
        if limit.basis is TimeBasis.CALENDAR:
            return self.calendars.get("24x7")
        return self.calendars.get(
            limit.calendar or self.policy.calendar_for_team(state.team) or "24x7"
        )

    def _time_in_tier(self, s: Situation) -> Facts | None:
        state = s.state
        if not state.tier or not self._has_tier(state.tier):
            return None
        limit = self.policy.tier(state.tier).max_time_in_tier
        if limit is None:
            return None
        start = state.tier_entered_at or state.opened_at
        cal = self._calendar_for(limit, state)
        spent = cal.between(start, s.now)
        if spent < limit.duration:
            return None
        return {
            "tier": state.tier,
            "in_tier_since": start.isoformat(),
            "time_in_tier_seconds": spent.total_seconds(),
            "max_time_in_tier": limit.describe(),
        }

    def _designated_tier(self, s: Situation) -> Facts | None:
        state = s.state
        value = s.account.value if s.account else AccountValue.STANDARD
        key = (state.contact_type, state.severity, state.channel, value)
        if key not in self._route_cache:
            try:
                r = route(self.policy, state.contact_type, state.severity, state.channel, value)
                self._route_cache[key] = (r.tier, r.team, self.policy.tier_level(r.tier))
            except RoutingError:
                self._route_cache[key] = None
        hit = self._route_cache[key]
        if hit is None:
            return None
        tier, team, level = hit
        if level <= self.policy.tier_level(state.tier):
            return None
        return {
            "contact_type": state.contact_type,
            "designated_tier": tier,
            "designated_team": team,
            "current_tier": state.tier,
        }

    @staticmethod
    def _waiting_since(state: CaseState) -> datetime | None:
        inbound, outbound = state.last_inbound_at, state.last_outbound_at
        if inbound is None or (
            outbound is not None and outbound.timestamp() >= inbound.timestamp()
        ):
            return None
        return inbound

    def _customer_wait(self, s: Situation, wait: timedelta) -> Facts | None:
        since = self._waiting_since(s.state)
        if since is None:
            return None
        waited = s.now.timestamp() - since.timestamp()  # real time, whatever the zones
        if waited < wait.total_seconds():
            return None
        return {
            "waiting_since": since.isoformat(),
            "waited_seconds": waited,
            "max_wait_seconds": wait.total_seconds(),
        }

    # ----------------------------------------------------------------- deciding

    def _decide(self, rule: TriggerRule, facts: Facts, sit: Situation) -> Decision | None:
        policy, state, action = self.policy, sit.state, rule.action
        tier: str | None = None
        team: str | None = None
        if rule.kind is TriggerKind.CONTACT_TYPE_TIER and not (
            action.escalate_to or action.next_tier
        ):
            tier, team = facts["designated_tier"], facts["designated_team"]
        elif action.next_tier:
            nxt = policy.next_tier(state.tier)
            if nxt is not None:
                tier = nxt.id
                default = policy.team_for_tier(nxt.id)
                team = default.id if default else None
        elif action.escalate_to is not None:
            tier, team = policy.resolve_route(action.escalate_to)
        here, there = policy.tier_level(state.tier), policy.tier_level(tier)
        moves = (
            (tier is not None or team is not None)
            and not (team == state.team and there <= here)
            and not (team is None and there <= here)
            # Never down: a case that has moved up is not sent back by a rule (a person may).
            and not (tier is not None and there < here)
        )
        if moves and state.pending_transfer is not None:
            facts["pending_transfer"] = state.pending_transfer.escalation_id
            moves = False  # one transfer at a time: the open one must be accepted first
        summary = rule.description or rule.kind.value.replace("_", " ")
        explanation = Explanation(rule.id, policy.version, facts, summary)
        if moves:
            return Decision(
                DecisionKind.ESCALATE,
                explanation,
                target_tier=tier,
                target_team=team,
                escalation_type=action.escalation_type,
                notify=action.notify,
                priority_raise=action.raise_priority,
            )
        if action.notify:
            return Decision(
                DecisionKind.NOTIFY,
                explanation,
                notify=action.notify,
                priority_raise=action.raise_priority,
            )
        if action.raise_priority:
            return Decision(
                DecisionKind.RAISE_PRIORITY, explanation, priority_raise=action.raise_priority
            )
        return None
