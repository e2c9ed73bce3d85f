"""Checks of the matrix's rules: trigger parameters and actions, and the order of routing rows.

A trigger kind reads only its own parameters (see ``domain.triggers``); one given to the wrong kind
is a mistake, not a harmless extra. Routing rows are tried in order and the first match wins, so
a row below a broader one is dead and reported.
"""

from __future__ import annotations

from typing import Any

from tierline.domain.vocabulary import AccountValue, TriggerKind
from tierline.policy.errors import Path, ProblemList, one_of
from tierline.policy.validate import Sections

#: Parameters a trigger kind needs (it has no sensible default for them).
TRIGGER_PARAMS: dict[TriggerKind, tuple[str, ...]] = {
    TriggerKind.REPEAT_CONTACTS: ("threshold",),
    TriggerKind.MANY_AFFECTED: ("threshold",),
    TriggerKind.CUSTOMER_WAIT: ("wait",),
}
#: Parameters a kind may take but has a default for (see ``domain.triggers``): account_value
#: defaults to vip and strategic, time_sensitive_category to the contact types marked
#: time-sensitive, frustration to a score of 0.5.
OPTIONAL_PARAMS: dict[TriggerKind, tuple[str, ...]] = {
    TriggerKind.ACCOUNT_VALUE: ("values",),
    TriggerKind.TIME_SENSITIVE_CATEGORY: ("values",),
    TriggerKind.FRUSTRATION: ("min_score",),
}
ALL_PARAMS = ("threshold", "wait", "values", "min_score")
_EXAMPLE = {
    "threshold": "threshold: 3",
    "wait": "wait: 2h",
    "values": "values: [vip, strategic]",
    "min_score": "min_score: 0.6",
}


def check_triggers(s: Sections, sink: ProblemList) -> None:
    ids: dict[str, int] = {}
    tiers = s.get("tiers") or {}
    for i, rule in (s.get("triggers") or {}).items():
        here: Path = ("triggers", i)
        if rule.id in ids:
            sink.add(
                (*here, "id"),
                f"trigger '{rule.id}' is defined twice",
                f"expected unique ids (first at triggers[{ids[rule.id]}])",
            )
        ids.setdefault(rule.id, i)
        required = TRIGGER_PARAMS.get(rule.kind, ())
        allowed = required + OPTIONAL_PARAMS.get(rule.kind, ())
        for param in ALL_PARAMS:
            given = getattr(rule, param) is not None
            if given and param not in allowed:
                sink.add(
                    (*here, param),
                    f"'{param}' does not apply to a '{rule.kind.value}' trigger",
                    f"expected only: {', '.join(allowed)}" if allowed else "expected no parameters",
                    at="key",
                )
            if not given and param in required:
                sink.add(
                    (*here, param),
                    f"a '{rule.kind.value}' trigger needs '{param}'",
                    f"expected e.g. {_EXAMPLE[param]}",
                )
        _trigger_values(s, rule, here, sink)
        if rule.kind is TriggerKind.CONDITION and not rule.when:
            sink.add(
                (*here, "when"),
                "a 'condition' trigger has no conditions",
                "expected when: [{field: severity, op: in, value: [S1]}]",
            )
        if (
            rule.kind is TriggerKind.TIME_IN_TIER
            and tiers
            and not any(t.max_time_in_tier for t in tiers.values())
        ):
            sink.add(
                (*here, "kind"),
                "no tier sets max_time_in_tier, so this trigger never fires",
                "expected max_time_in_tier on the tiers it should watch",
            )
        act = rule.action
        if act.escalate_to is not None and act.next_tier:
            sink.add(
                (*here, "action", "next_tier"),
                "the action both names a target and moves up a tier",
                "expected escalate_to or next_tier: true, not both",
            )
        designated = rule.kind is TriggerKind.CONTACT_TYPE_TIER  # moves to the routed tier
        idle = act.escalate_to is None and not act.next_tier and not act.notify
        if idle and not act.raise_priority and not designated:
            sink.add(
                (*here, "action"),
                "the action does nothing",
                "expected escalate_to, next_tier, notify or raise_priority",
            )


def _trigger_values(s: Sections, rule: Any, here: Path, sink: ProblemList) -> None:
    if rule.kind is TriggerKind.ACCOUNT_VALUE and rule.values is not None:
        flags = [v.value for v in AccountValue]
        for value in rule.values:
            if value not in flags:
                sink.add(
                    s.item_path((*here, "values"), value),
                    f"'{value}' is not an account value flag",
                    one_of(flags, value),
                )
    if (
        rule.kind is TriggerKind.REPEAT_CONTACTS
        and rule.threshold is not None
        and rule.threshold < 1
    ):
        sink.add(
            (*here, "threshold"),
            "a threshold of 0 fires on every case",
            "expected 1 or more repeat contacts",
        )
    if rule.kind is TriggerKind.MANY_AFFECTED and rule.threshold is not None and rule.threshold < 2:
        sink.add(
            (*here, "threshold"),
            f"{rule.threshold} customer is not 'many'",
            "expected 2 or more affected customers",
        )


def check_routing_order(s: Sections, sink: ProblemList) -> None:
    """A row below a broader row can never match: first match wins."""
    rows = sorted((s.get("routing") or {}).items())
    first: dict[str, int] = {}
    for i, row in rows:
        if row.id in first:
            sink.add(
                ("routing", i, "id"),
                f"routing row '{row.id}' is defined twice",
                f"expected unique ids (first at routing[{first[row.id]}])",
            )
        first.setdefault(row.id, i)
    ranks = {v.value: v.rank for v in AccountValue}
    dims = ("contact_types", "channels", "situations", "severities")
    for j, later in rows:
        for i, earlier in rows:
            if i >= j:
                break
            covers = all(
                not getattr(earlier, d)
                or (getattr(later, d) and set(getattr(later, d)) <= set(getattr(earlier, d)))
                for d in dims
            )
            lo, hi = earlier.min_account_value, later.min_account_value
            if covers and (lo is None or (hi is not None and ranks[lo.value] <= ranks[hi.value])):
                sink.add(
                    ("routing", j),
                    f"row '{later.id}' can never match: row '{earlier.id}' "
                    f"(routing[{i}]) above it matches every contact it would",
                    "expected more specific rows before broader ones",
                )
                break
