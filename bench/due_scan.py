"""The worker's due-clock scan over 1,000,000 open cases (issue 3 target: <= 10 ms for 1,000 due).

Loads 1,000,000 open case rows whose ``next_due_at`` is spread over the next 30 days, of which
1,000 are already due, then times the worker's claim query (``CaseRepo.due``: ``next_due_at <=
now ORDER BY next_due_at LIMIT n``, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) inside a write
transaction, as the worker runs it. The rows are bulk-inserted copies of one real case (the scan
reads only the indexed column, so their histories do not matter here).

    .venv/bin/python bench/due_scan.py [--cases 1000000] [--due 1000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).parent))
from api_create_case import forget_database
from machine import print_facts

PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_scan"


def setup(backend: str, n_cases: int, n_due: int, now: datetime) -> str:
    from dataclasses import replace

    from tierline.bootstrap import build
    from tierline.cli.ops_cmd import initialise
    from tierline.config import Settings
    from tierline.service.actors import SYSTEM
    from tierline.service.cases import OpenCase, open_case
    from tierline.store.db import make_engine
    from tierline.store.tables import cases

    if backend == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='tl-scan-')) / 'scan.db'}"
    else:
        admin = make_engine(PG)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        admin.dispose()
        url = f"{PG}?options=-csearch_path%3D{SCHEMA}"
    settings = replace(Settings.from_env(), database_url=url)
    initialise(settings, None, "Bench admin", quiet=True)
    rt = build(settings)
    template = open_case(rt, OpenCase(contact_type="how_to", subject="template"), SYSTEM).row
    base = {k: v for k, v in template.items() if k not in ("id", "external_ref")}
    t0 = time.perf_counter()
    batch = 20_000
    horizon = 30 * 86_400
    with rt.engine.begin() as conn:
        for start in range(0, n_cases, batch):
            rows = []
            for i in range(start, min(n_cases, start + batch)):
                if i < n_due:  # due in the last hour
                    due = now - timedelta(seconds=(i * 3_600) / n_due + 1)
                else:
                    due = now + timedelta(seconds=1 + (i * 7919) % horizon)
                rows.append({**base, "next_due_at": due, "external_ref": f"bulk-{i}"})
            conn.execute(insert(cases), rows)
            print(
                f"\r  {backend}: loaded {min(n_cases, start + batch):,} cases", end="", flush=True
            )
    print(f" in {time.perf_counter() - t0:.0f} s")
    if backend == "postgres":
        with rt.engine.begin() as conn:
            conn.execute(text("ANALYZE cases"))
    rt.engine.dispose()
    return url


def measure(url: str, n_due: int, now: datetime, rounds: int) -> list[float]:
    from tierline.store.db import make_engine
    from tierline.store.uow import UnitOfWork

    engine = make_engine(url)
    times = []
    for _ in range(rounds):
        with UnitOfWork(engine) as uow:
            t0 = time.perf_counter()
            ids = uow.cases.due(now, n_due)
            times.append(time.perf_counter() - t0)
            assert len(ids) == n_due, f"expected {n_due} due cases, got {len(ids)}"
            uow.rollback()
    engine.dispose()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--due", type=int, default=1_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    print_facts()
    now = datetime.now(UTC)  # the bench's own reference instant; nothing reads it in the domain
    for backend in args.backends.split(","):
        url = setup(backend, args.cases, args.due, now)
        try:
            times = measure(url, args.due, now, args.rounds)
        finally:
            forget_database(url, SCHEMA)
        ms = sorted(t * 1000 for t in times)
        print(
            f"{backend}: claim {args.due:,} due of {args.cases:,} open cases: "
            f"median {statistics.median(ms):.2f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.2f} ms, "
            f"max {ms[-1]:.2f} ms over {args.rounds} rounds (target <= 10 ms)"
        )


if __name__ == "__main__":
    main()
