"""Deadline-to-escalation latency with a real worker over 100,000 open cases (target p99 <= 1 s).

Setup: 100,000 open cases whose deadlines lie days ahead (bulk copies of a real case, so the
due index holds them all), plus 1,000 real S1 cases opened through the use case so that their
first-response breach falls at staggered instants over the next minute. Then a real
``tierline worker`` process runs on the wall clock, and for every breach it records we measure
the time from the breach instant to the moment its ``clock_fired`` event (with the SLA
escalation and the notifications it queues) was committed.

    .venv/bin/python bench/deadline_latency.py [--background 100000] [--cases 1000] [--spread 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).parent))
from api_create_case import forget_database
from machine import print_facts

PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_latency"


def setup(backend: str, background: int, n_cases: int, spread: float, lead: float) -> str:
    from dataclasses import replace

    from tierline.bootstrap import build
    from tierline.cli.ops_cmd import initialise
    from tierline.clock import FakeClock, SystemClock
    from tierline.config import Settings
    from tierline.domain.vocabulary import Severity
    from tierline.service.actors import SYSTEM
    from tierline.service.cases import OpenCase, open_case
    from tierline.store.db import make_engine
    from tierline.store.tables import cases

    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='tl-lat-')) / 'lat.db'}"
    else:
        admin = make_engine(PG)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()
        url = f"{PG}?options=-csearch_path%3D{SCHEMA}"
    settings = replace(Settings.from_env(), database_url=url)
    initialise(settings, None, "Bench admin", quiet=True)
    real_now = SystemClock().now()
    clock = FakeClock(real_now)
    rt = build(settings, clock)
    template = open_case(rt, OpenCase(contact_type="how_to", subject="background"), SYSTEM).row
    base = {k: v for k, v in template.items() if k not in ("id", "external_ref")}
    with rt.engine.begin() as conn:
        for start in range(0, background, 20_000):
            rows = [
                {
                    **base,
                    "external_ref": f"bg-{i}",
                    "next_due_at": real_now + timedelta(days=2, seconds=i),
                }
                for i in range(start, min(background, start + 20_000))
            ]
            conn.execute(insert(cases), rows)
    # S1 first response: 15 minutes of calendar time. Open each case so that its breach falls
    # ``lead`` seconds after setup ends plus its place in the spread.
    t0 = time.perf_counter()
    for i in range(n_cases):
        clock.set(real_now - timedelta(minutes=15) + timedelta(seconds=lead + spread * i / n_cases))
        open_case(
            rt,
            OpenCase(
                contact_type="bug_report",
                severity=Severity.S1,
                subject=f"latency {i}",
                contact_email=f"l{i}@x.example",
                new_case=True,
            ),
            SYSTEM,
        )
    took = time.perf_counter() - t0
    if took > lead:
        raise SystemExit(
            f"setup took {took:.0f} s, longer than the {lead:.0f} s lead; raise --lead"
        )
    rt.engine.dispose()
    return url


def run_worker(url: str, until: float) -> list[float]:
    from tierline.store.db import make_engine
    from tierline.store.tables import events

    env = {**os.environ, "TIERLINE_DATABASE_URL": url}
    log = open(Path(tempfile.gettempdir()) / "tl-bench-worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "tierline.cli.main", "worker"], env=env, stdout=log, stderr=log
    )
    engine = make_engine(url)
    try:
        while time.time() < until:
            time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.data, events.c.recorded_at).where(events.c.kind == "clock_fired")
        ).all()
        total = conn.execute(select(func.count()).select_from(events)).scalar_one()
    engine.dispose()
    lat = []
    for data, recorded in rows:
        if data.get("clock") == "first_response" and data.get("stage") == "breach":
            lat.append((recorded - datetime.fromisoformat(data["stage_at"])).total_seconds())
    print(f"  events in store: {total:,}")
    return lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--background", type=int, default=100_000)
    ap.add_argument("--cases", type=int, default=1_000)
    ap.add_argument("--spread", type=float, default=60.0, help="seconds the breaches spread over")
    ap.add_argument("--lead", type=float, default=60.0, help="seconds allowed for setup")
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    print_facts()
    for backend in args.backends.split(","):
        started = time.time()
        url = setup(backend, args.background, args.cases, args.spread, args.lead)
        until = started + args.lead + args.spread + 15
        try:
            lat = run_worker(url, until)
        finally:
            forget_database(url, SCHEMA)
        if len(lat) < args.cases:
            print(f"{backend}: only {len(lat)} of {args.cases} breaches fired")
        ms = sorted(x * 1000 for x in lat)
        p99 = ms[int(0.99 * (len(ms) - 1))]
        print(
            f"{backend}: {len(ms)} breaches among {args.background + args.cases:,} open cases: "
            f"deadline to escalation median {statistics.median(ms):.0f} ms, "
            f"p99 {p99:.0f} ms, max {ms[-1]:.0f} ms (target p99 <= 1000 ms); "
            f"{datetime.now(UTC) - datetime.fromtimestamp(started, UTC)} in all"
        )


if __name__ == "__main__":
    main()
