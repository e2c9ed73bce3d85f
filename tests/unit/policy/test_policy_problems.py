"""Broken variants of the examples are refused with every problem, each at the right place.

Each case edits the example text, names where the problem must be reported (a needle whose first
character is the expected line and column in the edited text), the key path and the start of the
message. The format is ``FILE:LINE:COL: key.path: what is wrong; what is expected``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.unit.policy.policy_helpers import edit, position, problems
from tierline.policy import PolicyError, Problem, check_file, load_policy_text


@dataclass(frozen=True)
class Broken:
    id: str
    old: str
    new: str
    at: str  # needle in the edited text: its first character is the reported position
    path: str
    message: str  # the start of "what is wrong; what is expected"
    policy: str = "saas"


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
        "unknown calendar of a team",
        "    calendar: americas_support\n    skills: [general, english",
        "    calendar: americas\n    skills: [general, english",
        "americas\n",
        "teams.frontline_americas.calendar",
        "unknown calendar 'americas'; did you mean 'americas_support'?",
    ),
    Broken(
        "unknown default calendar",
        "default_calendar: emea_support",
        "default_calendar: emea",
        "emea\n",
        "default_calendar",
        "unknown calendar 'emea'",
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
        "unknown holiday country",
        "country: DE",
        "country: XX",
        "XX",
        "calendars.emea_support.holidays.country",
        "no holidays are known for country 'XX'",
    ),
    Broken(
        "unknown holiday subdivision",
        "subdivision: NY",
        "subdivision: ZZ",
        "ZZ",
        "calendars.americas_support.holidays.subdivision",
        "'ZZ' is not a subdivision of US",
    ),
    Broken(
        "country read as a boolean (the Norway problem)",
        "country: DE",
        "country: no",
        "no\n",
        "calendars.emea_support.holidays.country",
        "false is not text",
    ),
    Broken(
        "unknown time zone",
        "timezone: Europe/Berlin",
        "timezone: Europe/Berln",
        "Europe/Berln",
        "calendars.emea_support.timezone",
        "unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?",
    ),
    Broken(
        "overlapping intervals",
        'fri: ["08:00-12:30", "13:30-17:00"]',
        'fri: ["08:00-12:30", "12:00-17:00"]',
        '["08:00-12:30", "12:00',
        "calendars.emea_support.hours.fri",
        "'08:00-12:30' and '12:00-17:00' overlap",
    ),
    Broken(
        "interval that ends before it starts",
        '2026-12-31: ["09:00-13:00"]',
        '2026-12-31: ["13:00-09:00"]',
        '"13:00-09:00"',
        "calendars.emea_support.special_hours.2026-12-31[0]",
        "'13:00-09:00' ends before it starts",
    ),
    Broken(
        "always open calendar with hours",
        "    always_open: true\n",
        '    always_open: true\n    hours: {mon: ["09:00-17:00"]}\n',
        "hours: {mon",
        "calendars.around_the_clock.hours",
        "an always-open calendar has no hours",
    ),
    Broken(
        "calendar without hours",
        "    always_open: true\n",
        "",
        "around_the_clock:\n",
        "calendars.around_the_clock.hours",
        "the calendar has no opening hours",
    ),
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
    text = edit(saas_text if case.policy == "saas" else bank_text, case.old, case.new)
    line, col = position(text, case.at)
    found = problems(text)
    prefix = f"p.yaml:{line}:{col}: {case.path}: {case.message}"
    assert any(p.startswith(prefix) for p in found), "\n".join([prefix, "-- got:", *found])


def test_every_problem_is_listed_not_only_the_first(saas_text: str) -> None:
    text = saas_text
    for old, new in [
        ("timezone: Europe/Berlin", "timezone: Mars/Olympus"),
        ("credit: 50,", "credit: -1,"),
        ("pauses: [resolution]", "pauses: [regulatory]"),
        ("    pausable: false", "    pausable: true"),
        ("notify: [director]", "notify: [nobody]"),
        ("route_to: {team: billing}", "route_to: {team: accounting}"),
    ]:
        text = edit(text, old, new)
    found = problems(text)
    assert len(found) >= 6
    for fragment in (
        "Mars/Olympus",
        "-1 is negative",
        "never pause",
        "can never pause",
        "'nobody'",
        "'accounting'",
    ):
        assert any(fragment in p for p in found), fragment
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines), "problems are listed in file order"


def test_deleting_a_team_reports_each_reference_to_it(saas_text: str) -> None:
    start = saas_text.index("  security:\n")
    end = saas_text.index("  privacy_office:\n")
    text = saas_text[:start] + saas_text[end:]
    found = [p for p in problems(text) if "unknown team 'security'" in p]
    assert {p.split(": ")[1] for p in found} == {
        "situations.personal_data_breach.route_to.team",
        "routing[0].route_to.team",
        "routing[6].route_to.team",
    }


def test_a_bad_entry_does_not_hide_references_to_it(saas_text: str) -> None:
    # The team has a problem of its own; routes to it must not also say "unknown team".
    text = edit(saas_text, "    skills: [invoicing, refunds, vat]", "    skills: invoicing")
    found = problems(text)
    assert len(found) == 1 and "teams.billing.skills" in found[0]


def test_problem_values_and_error_text(saas_text: str) -> None:
    text = edit(saas_text, "timezone: America/New_York", "timezone: America/Nowhere")
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "x.yaml")
    (problem,) = caught.value.problems
    assert isinstance(problem, Problem)
    assert problem.to_data()["path"] == "calendars.americas_support.timezone"
    assert problem.file == "x.yaml" and problem.line > 1 and problem.col > 1
    assert str(caught.value).startswith(problem.format())
    assert caught.value.format() == problem.format()


def test_check_file_returns_problems_or_nothing(tmp_path: object, saas_text: str) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    good = folder / "good.yaml"
    good.write_text(saas_text, encoding="utf-8")
    assert check_file(good) == []
    bad = folder / "bad.yaml"
    bad.write_text(edit(saas_text, "priority: 1\n", "priority: 0\n"), encoding="utf-8")
    (problem,) = check_file(bad)
    assert problem.file == str(bad) and problem.path == "severities.S1.priority"
    assert (
        problem.message == "'0' is out of range"
        and problem.expected == "expected a number at least 1"
    )


def test_a_missing_section_is_reported_once_not_at_every_reference(saas_text: str) -> None:
    start, end = saas_text.index("\nteams:\n"), saas_text.index("\nroles:\n")
    assert problems(saas_text[:start] + saas_text[end:]) == [
        "p.yaml:11:1: teams: missing required section 'teams'; expected it at the top level"
    ]


def test_empty_sections_and_duplicate_routing_ids(saas_text: str) -> None:
    text = edit(saas_text, "  - id: major_outages\n", "  - id: security_incidents\n")
    start, end = text.index("\ncontact_types:\n"), text.index("\nsituations:\n")
    found = problems(text[:start] + "\ncontact_types: {}\n" + text[end:])
    assert any("contact_types: no contact types are defined" in p for p in found)
    assert any("routing row 'security_incidents' is defined twice" in p for p in found)


def test_a_template_nested_beyond_reason_is_a_problem(saas_text: str) -> None:
    text = edit(saas_text, "Your next update will come by", "{{ " + "(" * 5000 + ")" * 5000 + " }}")
    (found,) = problems(text)
    assert "communication.templates.daily_update.en: the template nests too deeply" in found
