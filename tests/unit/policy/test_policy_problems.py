"""Broken policies are refused with every problem, each at the right place: all problems listed
in file order, references to a missing entry, problem values and error text, ``check_file``.

The broken variants of the examples, one edit each, are in ``test_policy_problems_*.py`` by
theme (values, calendars, rules, triggers).
"""

from __future__ import annotations

import pytest

from tests.unit.policy.policy_helpers import edit, problems
from tierline.policy import PolicyError, Problem, check_file, load_policy_text


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
