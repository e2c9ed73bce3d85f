"""Broken variants of the examples about calendars, each refused at the right place: unknown
names, holiday countries and subdivisions, time zones and opening hours.

How a case is written and checked: see ``policy_helpers.Broken``.
"""

from __future__ import annotations

import pytest

from tests.unit.policy.policy_helpers import Broken, refused_at_the_right_place

CASES = [
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
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_variant_is_refused_at_the_right_place(
    case: Broken, saas_text: str, bank_text: str
) -> None:
    refused_at_the_right_place(case, saas_text, bank_text)
