"""Small builders for domain tests: a realistic policy in Python, cases as dated stories.

Domain tests build their policy here rather than from YAML, so they test the domain alone; the
policy layer has its own tests over the example files.

The builders live in modules by what they build — ``offices`` (time zones, opening hours, the
Berlin and New York calendars), ``desk`` (the test desk's policy, ``t`` for targets,
``calendars``) and ``stories`` (case histories) — and are re-exported here, so
``from tests.builders import X`` keeps working.
"""

from __future__ import annotations

from tests.builders.desk import calendars, policy, t
from tests.builders.offices import (
    BERLIN,
    BERLIN_OFFICE,
    LONDON,
    NEW_YORK,
    NEW_YORK_OFFICE,
    hours,
    weekdays,
)
from tests.builders.stories import Story
from tierline.domain.policy import PauseStatus  # some tests take it from here

__all__ = [
    "BERLIN",
    "BERLIN_OFFICE",
    "LONDON",
    "NEW_YORK",
    "NEW_YORK_OFFICE",
    "PauseStatus",
    "Story",
    "calendars",
    "hours",
    "policy",
    "t",
    "weekdays",
]
