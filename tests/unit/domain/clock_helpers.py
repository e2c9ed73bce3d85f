"""Shared by the clock tests (``test_clocks*.py``): clocks computed from a story at a fixed
``now``, and the stages of one clock by name.

Targets of the test policy (``tests.builders.policy``), business hours of the Berlin office
(Mon–Fri 08:00–12:30, 13:30–17:00) unless marked calendar:

* S3 at T1: first response 4h, update 8h, resolution 24h, acceptance 1h; at T2 4h / 8h / 40h / 2h.
* S2 at T1: 1h / 4h / 16h / 30m.  S1 everywhere: 15m / 1h / 8h / 15m of *calendar* time.
* Warnings at 50 % and 75 %; escalation levels at warning, breach, and breach + 2h.

2026-03-02 is a Monday.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.builders import Story, calendars, policy
from tierline.domain.clocks import ClockSet, compute_clocks
from tierline.domain.policy import Policy

H = timedelta(hours=1)


def clocks_at(s: Story, now: str, p: Policy | None = None) -> ClockSet:
    p = p or policy()
    return compute_clocks(s.events, p, calendars(p), s.at(now), communications=False)


def story(**opened: object) -> Story:
    return Story().opened("2026-03-02T09:00", **opened)  # type: ignore[arg-type]


def stages(cs: ClockSet, key: str) -> dict[str, datetime | None]:
    clock = cs.get(key)
    assert clock is not None, f"no clock {key}; have {[c.key for c in cs.clocks]}"
    return {st.name: st.at for st in clock.stages}
