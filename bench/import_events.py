"""Import speed: a real log into a fresh SQLite file and a fresh PostgreSQL schema.

    .venv/bin/python bench/import_events.py [--log FILE --mapping FILE] [--backend both]

Defaults: the whole ServiceNow log of ../shared/data (141,712 events, 24,918 cases) with its
shipped mapping, under examples/replay/itsm_baseline.yaml as the active policy, in batches of
500 cases: exactly what ``tierline import events`` does (reading, translating, projections and
hash chains, batched inserts). ``--backend`` is sqlite, postgres or both. PostgreSQL:
``TIERLINE_BENCH_PG_URL`` (default the test server, ``postgresql://postgres@127.0.0.1:5432/test``)
in a schema of its own, dropped afterwards. After each import, ``audit verify`` must find every
chain intact.

Target: at least 10,000 log events per second into each backend.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from machine import pin_to_one_core, print_facts
from sqlalchemy import Engine, create_engine, text

from tierline.clock import SystemClock
from tierline.config import Settings
from tierline.importer.mapping_load import load_mapping
from tierline.importer.run import import_events
from tierline.service.actors import SYSTEM
from tierline.service.policies import install_policy
from tierline.service.runtime import Tierline
from tierline.store.db import make_engine, normalise_url
from tierline.store.eventlog import EventLog
from tierline.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
TARGET = 10_000
PG_URL = os.environ.get("TIERLINE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = f"tl_bench_import_{os.getpid()}"


def run(engine: Engine, label: str, log: str, mapping_path: str, policy: str) -> float:
    upgrade(engine)
    rt = Tierline(Settings(database_url=str(engine.url)), engine, SystemClock())
    install_policy(rt, Path(policy).read_text(encoding="utf-8"), "policy.yaml", SYSTEM)
    mapping = load_mapping(mapping_path)
    started, cpu = time.perf_counter(), time.process_time()
    result = import_events(rt, log, mapping)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with engine.connect() as conn:
        problems = list(EventLog(conn).verify())
    rate = result.rows / seconds
    print(
        f"{label}: {result.rows:,} log events ({result.imported:,} cases, "
        f"{result.events_written:,} case events) in {seconds:.2f} s = {rate:,.0f} log events/s "
        f"({result.events_written / seconds:,.0f} case events/s); this process's CPU time "
        f"{cpu:.2f} s; audit verify: {'intact' if not problems else f'{len(problems)} problems'}"
    )
    return rate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--log", default=str(DATA / "uci_incident_event_log/incident_event_log.csv.zip")
    )
    ap.add_argument(
        "--mapping", default=str(REPO / "examples/mappings/uci_incident_event_log.yaml")
    )
    ap.add_argument("--policy", default=str(REPO / "examples/replay/itsm_baseline.yaml"))
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = ap.parse_args()
    pinned = pin_to_one_core()
    print_facts()
    print(f"  process   {pinned} (the PostgreSQL server runs on the other core)")
    rates = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            rates.append(run(engine, "SQLite", args.log, args.mapping, args.policy))
            engine.dispose()
    if args.backend in ("postgres", "both"):
        admin = create_engine(normalise_url(PG_URL))
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        try:
            engine = create_engine(
                normalise_url(PG_URL), connect_args={"options": f"-csearch_path={SCHEMA}"}
            )
            rates.append(run(engine, "PostgreSQL", args.log, args.mapping, args.policy))
            engine.dispose()
        finally:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
            admin.dispose()
    met = all(r >= TARGET for r in rates)
    print(f"target: >= {TARGET:,} log events/s on each backend: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
