"""Business-time ``add``: Tierline against businesstimedelta on the same cases, in one run.

    .venv/bin/python bench/business_time.py [--cases 100000] [--seed 20260329]

Calendar (both libraries): Europe/Berlin (DST), Monday–Friday 09:00–17:00 with lunch
12:00–13:00, and the German-style holiday list of the oracle test (2026–2027). Cases: seeded
random whole-second instants from January 2026 to June 2027 and durations from one minute to 40
hours, the range of real SLA targets. Every case is computed by both libraries and the results
compared; calls per second are measured on the same case list.

Target: Tierline at least 30 times as many calls per second as businesstimedelta.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import businesstimedelta as btd
import pytz
from machine import pin_to_one_core, print_facts

from tierline.domain.calendar import BusinessCalendar, CalendarSpec, parse_interval

ZONE = "Europe/Berlin"
HOLIDAYS = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 10, 3),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 1),
        date(2027, 5, 6),
        date(2027, 5, 17),
        date(2027, 10, 3),
        date(2027, 12, 25),
        date(2030, 1, 1),  # businesstimedelta needs a holiday ahead of every instant
    }
)
TARGET_RATIO = 30.0


def tierline_calendar(holidays: frozenset[date] = HOLIDAYS) -> BusinessCalendar:
    day = (parse_interval("09:00-12:00"), parse_interval("13:00-17:00"))
    return BusinessCalendar(
        CalendarSpec("bench", ZONE, weekly=(day,) * 5 + ((), ()), closed_dates=holidays)
    )


def oracle_rules(holidays: frozenset[date] = HOLIDAYS) -> btd.Rules:
    tz = pytz.timezone(ZONE)
    hours = {"working_days": range(5), "tz": tz}
    rules = [
        btd.WorkDayRule(start_time=clock_time(9), end_time=clock_time(17), **hours),
        btd.LunchTimeRule(start_time=clock_time(12), end_time=clock_time(13), **hours),
    ]
    if holidays:
        rules.append(btd.HolidayRule(holidays, tz=tz))
    return btd.Rules(rules)


def make_cases(n: int, seed: int, max_seconds: int = 40 * 3600) -> list[tuple[datetime, timedelta]]:
    rng = random.Random(seed)
    lo = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    hi = int(datetime(2027, 6, 1, tzinfo=UTC).timestamp())
    return [
        (
            datetime.fromtimestamp(rng.randrange(lo, hi), UTC),
            timedelta(seconds=rng.randrange(60, max_seconds)),
        )
        for _ in range(n)
    ]


Cases = list[tuple[datetime, timedelta]]


def run_tierline(
    cases: Cases, repeats: int = 3, holidays: frozenset[date] = HOLIDAYS
) -> tuple[float, list[datetime]]:
    cal = tierline_calendar(holidays)
    cal.add(cases[0][0], cases[0][1])  # lay out the year tables once, outside the timing
    add = cal.add
    best = float("inf")
    results: list[datetime] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        results = [add(start, duration) for start, duration in cases]
        best = min(best, time.perf_counter() - t0)
    return len(cases) / best, results


def run_oracle(cases: Cases, holidays: frozenset[date] = HOLIDAYS) -> tuple[float, list[datetime]]:
    rules = oracle_rules(holidays)
    delta = btd.BusinessTimeDelta
    t0 = time.perf_counter()
    results = [delta(rules, timedelta=duration) + start for start, duration in cases]
    return len(cases) / (time.perf_counter() - t0), results


def cold_start(cases: Cases) -> float:
    """Seconds for a fresh calendar's first call (it lays out three years of intervals)."""
    cal = tierline_calendar()
    t0 = time.perf_counter()
    cal.add(*cases[0])
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260329)
    parser.add_argument("--reference-cases", type=int, default=20_000)
    args = parser.parse_args()

    print_facts()
    print(f"  process  {pin_to_one_core()}")
    cases = make_cases(args.cases, args.seed)
    print(
        f"\ncases: {len(cases):,} (seed {args.seed}), calendar {ZONE} Mon–Fri 09–17, lunch 12–13,"
    )
    print(f"       {len(HOLIDAYS)} holidays; durations 1 min – 40 h")

    ours_rate, ours = run_tierline(cases)
    print(f"\ntierline BusinessCalendar.add   {ours_rate:>12,.0f} calls/s (best of 3 passes)")
    print(f"tierline first call, cold        {cold_start(cases) * 1000:>12.1f} ms (table layout)")
    print("businesstimedelta: running (one pass, this takes a while)…", flush=True)
    theirs_rate, theirs = run_oracle(cases)
    print(f"businesstimedelta + timedelta    {theirs_rate:>12,.0f} calls/s (one pass)")
    ratio = ours_rate / theirs_rate
    verdict = "met" if ratio >= TARGET_RATIO else "MISSED"
    target = f"target ≥ {TARGET_RATIO:g}×: {verdict}"
    print(f"ratio                            {ratio:>12,.1f} × ({target})")

    agree = sum(a.timestamp() == b.timestamp() for a, b in zip(ours, theirs, strict=True))
    print(
        f"agreement                        {agree:>12,} / {len(cases):,} identical instants"
        f" ({100 * agree / len(cases):.2f} %)"
    )
    for (start, duration), a, b in zip(cases, ours, theirs, strict=True):
        if a.timestamp() != b.timestamp():
            print(f"  differs: {start.isoformat()} + {duration}: tierline {a}, oracle {b}")
            break

    # For reference: businesstimedelta's easiest realistic setting (no holiday rule, targets of
    # at most 8 hours), where it walks few periods. Same cases for both libraries again.
    easy = make_cases(args.reference_cases, args.seed + 1, max_seconds=8 * 3600)
    easy_ours, ours_easy = run_tierline(easy, holidays=frozenset())
    easy_theirs, theirs_easy = run_oracle(easy, holidays=frozenset())
    same = sum(a.timestamp() == b.timestamp() for a, b in zip(ours_easy, theirs_easy, strict=True))
    print(f"\nreference, no holidays, durations ≤ 8 h, {len(easy):,} cases:")
    print(
        f"  tierline {easy_ours:,.0f} calls/s, businesstimedelta {easy_theirs:,.0f} calls/s, "
        f"ratio {easy_ours / easy_theirs:,.1f} ×, agreement {same:,}/{len(easy):,}"
    )
    return 0 if agree == len(cases) and ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
