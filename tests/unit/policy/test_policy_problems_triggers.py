"""Broken variants of the examples about escalation levels and trigger rules, each refused at
the right place: warning fractions, whom to notify, trigger kinds and parameters, typed
conditions and actions.

How a case is written and checked: see ``policy_helpers.Broken``.
"""

from __future__ import annotations

import pytest

from tests.unit.policy.policy_helpers import Broken, refused_at_the_right_place

CASES = [
    Broken(
        "warning fraction out of range",
        "warning_fractions: [0.5, 0.75, 0.9]",
        "warning_fractions: [0.5, 1.5]",
        "1.5",
        "warning_fractions[1]",
        "'1.5' is out of range; expected a number less than 1",
    ),
    Broken(
        "unknown role to notify",
        "notify: [director]",
        "notify: [directr]",
        "directr",
        "escalation_levels[3].notify[0]",
        "unknown role 'directr'; did you mean 'director'?",
    ),
    Broken(
        "bad escalation level",
        "at: breach + 2h",
        "at: breach + -2h",
        "breach + -2h",
        "escalation_levels[2].at",
        "'-2h' is negative",
    ),
    Broken(
        "parameter of another trigger kind",
        "    min_score: 0.7\n",
        "    min_score: 0.7\n    threshold: 3\n",
        "threshold: 3\n    action: {type: cust",
        "triggers[10].threshold",
        "'threshold' does not apply to a 'frustration' trigger",
    ),
    Broken(
        "missing trigger parameter",
        "    threshold: 3\n    action: {next_tier",
        "    action: {next_tier",
        "id: repeat_contacts",
        "triggers[5].threshold",
        "a 'repeat_contacts' trigger needs 'threshold'",
    ),
    Broken(
        "unknown trigger kind",
        "kind: customer_wait",
        "kind: customer_waiting",
        "customer_waiting",
        "triggers[6].kind",
        "'customer_waiting' is not allowed here; did you mean 'customer_wait'?",
    ),
    Broken(
        "unknown account value flag",
        "values: [vip, strategic]",
        "values: [vip, gold]",
        "gold",
        "triggers[8].values[1]",
        "'gold' is not an account value flag",
    ),
    Broken(
        "unknown time-sensitive contact type",
        "values: [outage, security_incident]",
        "values: [outage, security_breach]",
        "security_breach",
        "triggers[9].values[1]",
        "unknown contact type 'security_breach'; did you mean 'security_incident'?",
    ),
    Broken(
        "unknown condition field",
        "{field: segment, op: eq",
        "{field: segmant, op: eq",
        "segmant",
        "triggers[12].when[0].field",
        "'segmant' is not a case fact a condition can test; did you mean 'segment'?",
    ),
    Broken(
        "order comparison on a name",
        "{field: tier, op: eq, value: T2}",
        "{field: tier, op: gt, value: T2}",
        "gt, value: T2",
        "triggers[4].when[0].op",
        "'tier' is not a number, so 'gt' cannot compare it",
    ),
    Broken(
        "condition naming an unknown tier",
        "{field: tier, op: eq, value: T2}",
        "{field: tier, op: eq, value: T9}",
        "T9}",
        "triggers[4].when[0].value",
        "unknown tier 'T9'",
    ),
    Broken(
        "in without a list",
        "{field: severity, op: in, value: [S3, S4]}",
        "{field: severity, op: in, value: S3}",
        "S3}\n    action",
        "triggers[6].when[0].value",
        "'in' compares with one value",
    ),
    Broken(
        "action that both targets and moves up",
        "action: {escalate_to: {tier: T3}, type: functional",
        "action: {escalate_to: {tier: T3}, next_tier: true, type: functional",
        "true, type: functional",
        "triggers[4].action.next_tier",
        "the action both names a target and moves up a tier",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_variant_is_refused_at_the_right_place(
    case: Broken, saas_text: str, bank_text: str
) -> None:
    refused_at_the_right_place(case, saas_text, bank_text)
