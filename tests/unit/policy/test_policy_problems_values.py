"""Broken variants of the examples about the document's shape and its values, each refused at
the right place: unknown and missing keys and sections, duplicates, durations, time bases,
amounts, currencies and dates.

How a case is written and checked: see ``policy_helpers.Broken``.
"""

from __future__ import annotations

import pytest

from tests.unit.policy.policy_helpers import Broken, refused_at_the_right_place

CASES = [
    Broken(
        "unknown key with suggestion",
        "    lead_role: engineering_manager\n  on_call",
        "    lead_rol: engineering_manager\n  on_call",
        "lead_rol:",
        "teams.engineering.lead_rol",
        "unknown key 'lead_rol'; did you mean 'lead_role'?",
    ),
    Broken(
        "unknown top-level section",
        "default_calendar: emea_support\n",
        "default_calendar: emea_support\nseverity: {}\n",
        "severity: {}",
        "severity",
        "unknown section 'severity'; did you mean 'severities'?",
    ),
    Broken(
        "missing required key points at the enclosing mapping",
        "    label: Security analyst\n    rank: 26\n",
        "    label: Security analyst\n",
        "security_analyst:",
        "roles.security_analyst.rank",
        "missing required key 'rank'",
    ),
    Broken(
        "missing required section",
        "default_calendar: emea_support\n",
        "",
        "name: saas_support",
        "default_calendar",
        "missing required section 'default_calendar'",
    ),
    Broken(
        "negative duration",
        "T1: {first_response: 15m,",
        "T1: {first_response: -15m,",
        "-15m",
        "severities.S1.targets.T1.first_response",
        "'-15m' is negative; durations must be zero or more",
    ),
    Broken(
        "malformed duration",
        "wait: 24h",
        "wait: 24 hours",
        "24 hours\n    when",
        "triggers[6].wait",
        "'24 hours' is not a duration",
    ),
    Broken(
        "duration over twenty years",
        "max_time_in_tier: 18h}",
        "max_time_in_tier: 9999w}",
        "9999w",
        "tiers[1].max_time_in_tier",
        "'9999w' is longer than 20 years",
    ),
    Broken(
        "time basis typo",
        "approval_target: 4h business",
        "approval_target: 4h bussiness",
        "4h bussiness",
        "approval_target",
        "'bussiness' is not a time basis (did you mean 'business'?)",
    ),
    Broken(
        "regulatory deadline without a time basis",
        "deadline: 30d calendar",
        "deadline: 30d",
        "30d\n",
        "regulatory_obligations.gdpr_data_subject_request.deadline",
        "'30d' does not say whether it counts business or calendar time",
    ),
    Broken(
        "huge amount",
        "credit: 1000000,",
        "credit: 99999999999999999999999999999999,",
        "9999",
        "roles.director.limits.credit",
        "99999999999999999999... is too large",
    ),
    Broken(
        "negative amount",
        "credit: 50,",
        "credit: -50,",
        "-50",
        "roles.agent.limits.credit",
        "-50 is negative; expected zero or more",
    ),
    Broken(
        "duplicate key",
        "  how_to: {label: How-to question, default_severity: S4}",
        "  how_to: {label: How-to question, default_severity: S4}\n  how_to: {label: Again}",
        "how_to: {label: Again}",
        "contact_types.how_to",
        "key 'how_to' appears twice (first at line",
    ),
    Broken(
        "duplicate tier id",
        "{id: T3, level: 3",
        "{id: T2, level: 3",
        "T2, level: 3",
        "tiers[2].id",
        "tier 'T2' is defined twice",
    ),
    Broken(
        "currency",
        "currency: EUR",
        "currency: euro",
        "euro",
        "currency",
        "'euro' has the wrong form",
    ),
    Broken(
        "bad date",
        "closed: [2026-12-24]",
        "closed: [2026-02-30]",
        "2026-02-30",
        "calendars.emea_support.holidays.closed[0]",
        "cannot read '2026-02-30'",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_variant_is_refused_at_the_right_place(
    case: Broken, saas_text: str, bank_text: str
) -> None:
    refused_at_the_right_place(case, saas_text, bank_text)
