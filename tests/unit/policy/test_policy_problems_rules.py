"""Broken variants of the examples about the desk's rules, each refused at the right place:
roles and permissions, severities and targets, pauses, ownership, routing, regulatory
obligations and communication standards (in both examples).

How a case is written and checked: see ``policy_helpers.Broken``.
"""

from __future__ import annotations

import pytest

from tests.unit.policy.policy_helpers import Broken, refused_at_the_right_place

CASES = [
    Broken(
        "unknown permission",
        "[case.read_all, report.read]\n  admin",
        "[case.read_all, report.reed]\n  admin",
        "report.reed",
        "roles.qa_reviewer.permissions[1]",
        "unknown permission 'report.reed'; did you mean 'report.read'?",
    ),
    Broken(
        "duplicate rank",
        "    rank: 15\n",
        "    rank: 10\n",
        "10\n    permissions: [case.read_all, report.read]",
        "roles.qa_reviewer.rank",
        "rank 10 is already role 'agent'",
    ),
    Broken(
        "severity missing",
        "  S4:\n    label: Low",
        "  S5:\n    label: Low",
        "severities:\n  S1:",
        "severities",
        "S4 not defined; expected all four severities",
    ),
    Broken(
        "target for an unknown tier",
        "      T3: {first_response: 27h",
        "      T4: {first_response: 27h",
        "T4:",
        "severities.S4.targets.T4",
        "unknown tier 'T4'",
    ),
    Broken(
        "regulatory clock in a pause status",
        "pauses: [resolution]",
        "pauses: [resolution, regulatory]",
        "regulatory]",
        "pause_statuses.scheduled_fix.pauses[1]",
        "regulatory deadlines never pause",
    ),
    Broken(
        "pause status named like a lifecycle status",
        "  scheduled_fix:",
        "  open:",
        "open:\n    label: Fix",
        "pause_statuses.open",
        "'open' is a lifecycle status every policy shares",
    ),
    Broken(
        "pausable regulatory escalation",
        "    pausable: false",
        "    pausable: true",
        "true\n  sla:",
        "escalation_types.regulatory.pausable",
        "a regulatory escalation can never pause",
    ),
    Broken(
        "hybrid ownership without a coordinator",
        "  coordinator_role: coordinator\n",
        "",
        "ownership:",
        "ownership.coordinator_role",
        "the hybrid model needs a coordinator role",
    ),
    Broken(
        "unknown coordinator role",
        "coordinator_role: coordinator",
        "coordinator_role: coordinater",
        "coordinater",
        "ownership.coordinator_role",
        "unknown role 'coordinater'; did you mean 'coordinator'?",
    ),
    Broken(
        "routing row that can never match",
        "  - id: everything_else\n    route_to: {tier: T1}\n",
        "  - id: everything_else\n    route_to: {tier: T1}\n"
        "  - id: late\n    contact_types: [how_to]\n    route_to: {tier: T2}\n",
        "id: late",
        "routing[11]",
        "row 'late' can never match: row 'everything_else'",
    ),
    Broken(
        "routing to a team at another tier",
        "    route_to: {team: billing}",
        "    route_to: {team: billing, tier: T3}",
        "T3}\n    escalation_type: functional\n  - id: access",
        "routing[5].route_to.tier",
        "team 'billing' sits at tier 'T2', not 'T3'",
    ),
    Broken(
        "routing to a team that runs no clocks",
        "    tier: T2\n    function: security\n",
        "    function: security\n",
        "security}\n    escalation_type: functional\n  - id: major",
        "routing[0].route_to.team",
        "team 'security' sits at no tier",
    ),
    Broken(
        "regulatory situation without an obligation",
        "    route_to: {team: security}\n    regulatory_obligation: gdpr_breach_notification\n",
        "    route_to: {team: security}\n",
        "personal_data_breach:",
        "situations.personal_data_breach.regulatory_obligation",
        "a regulatory situation names no obligation",
    ),
    Broken(
        "unknown resolution part",
        "recurrence_prevention, apology]",
        "recurrence_prevention, apologies]",
        "apologies",
        "communication.resolution_parts[4]",
        "'apologies' is not a resolution part; did you mean 'apology'?",
    ),
    Broken(
        "follow-up window closes before it opens",
        "    after: 48h\n    within: 72h",
        "    after: 48h\n    within: 24h",
        "24h\n    severities",
        "communication.follow_up.within",
        "the follow-up window closes before it opens",
    ),
    Broken(
        "template syntax",
        "Your next update will come by",
        "Your next update will come by {{ oops",
        "|\n        Subject: Update on your case",
        "communication.templates.daily_update.en",
        "template line 5",
    ),
    Broken(
        "unknown handoff field",
        "stated_urgency]\n  min_text: 15",
        "stated_urgncy]\n  min_text: 15",
        "stated_urgncy",
        "handoff.required[5]",
        "'stated_urgncy' is not a handoff field",
    ),
    Broken(
        "bank: PSD2 deadline pause",
        "pauses: [resolution]\n\nwarning",
        "pauses: [resolution, commitment]\n\nwarning",
        "commitment]",
        "pause_statuses.awaiting_merchant.pauses[1]",
        "a commitment to the customer never pauses",
        policy="bank",
    ),
    Broken(
        "bank: unknown obligation",
        "regulatory_obligation: fca_summary_resolution",
        "regulatory_obligation: fca_summary",
        "fca_summary\n",
        "contact_types.complaint.regulatory_obligation",
        "unknown regulatory obligation 'fca_summary'",
        policy="bank",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_variant_is_refused_at_the_right_place(
    case: Broken, saas_text: str, bank_text: str
) -> None:
    refused_at_the_right_place(case, saas_text, bank_text)
