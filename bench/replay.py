"""Replay speed: a real log through a policy with no database, on one core.

    .venv/bin/python bench/replay.py [--log FILE --mapping FILE] [--policy FILE] [--runs 3]

Defaults: the whole ServiceNow log of ../shared/data (141,712 events) with its shipped mapping,
through examples/replay/itsm_baseline.yaml, exactly what ``tierline replay --no-store`` does.
Each run reads the log (zip + CSV + mapping + translation into case histories) and replays it;
the figures are log events (rows of the file) per second end to end, and case events (the
domain events the rows became, with the simulated clock's stages and triggers) per second for
the replay alone. The best of ``--runs`` runs is reported, with each run's figures.

Wall-clock time is reported with the process's CPU time beside it: on a machine shared with
other work (a second process on the same core), wall time grows while CPU time does not; the
target is judged on wall time, pinned to one core, on a quiet machine.

Target: at least 20,000 log events per second on one core, end to end.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from machine import pin_to_one_core, print_facts

from tierline.importer.mapping_load import load_mapping
from tierline.policy import load_policy
from tierline.replay.runner import read_log, replay_policy

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
TARGET = 20_000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--log", default=str(DATA / "uci_incident_event_log/incident_event_log.csv.zip")
    )
    ap.add_argument(
        "--mapping", default=str(REPO / "examples/mappings/uci_incident_event_log.yaml")
    )
    ap.add_argument("--policy", default=str(REPO / "examples/replay/itsm_baseline.yaml"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    pinned = pin_to_one_core()
    print_facts()
    print(f"  process   {pinned}")
    mapping, policy = load_mapping(args.mapping), load_policy(args.policy)
    best: tuple[float, float, float, int, int] | None = None
    for i in range(args.runs):
        cpu = time.process_time()
        log = read_log(args.log, mapping)
        result, report = replay_policy(policy, log)
        cpu = time.process_time() - cpu
        read_s, replay_s = log.contents.read_seconds, result.seconds
        rows, events = log.contents.rows, result.events
        total = read_s + replay_s
        print(
            f"run {i + 1}: {rows:,} log events in {total:.2f} s = {rows / total:,.0f} events/s "
            f"(CPU {cpu:.2f} s = {rows / cpu:,.0f} events/s; reading {read_s:.2f} s, replay "
            f"{replay_s:.2f} s = {events / replay_s:,.0f} case events/s; "
            f"{report['escalations']['total']:,} escalations, "
            f"{report['breaches']['total']:,} breaches)"
        )
        if best is None or total < best[0]:
            best = (total, read_s, replay_s, rows, events)
    assert best is not None
    total, read_s, replay_s, rows, events = best
    rate = rows / total
    print(
        f"best: {rate:,.0f} log events/s end to end ({rows:,} in {total:.2f} s); replay alone "
        f"{events / replay_s:,.0f} case events/s ({events:,} in {replay_s:.2f} s)"
    )
    print(f"target: >= {TARGET:,} log events/s: {'met' if rate >= TARGET else 'NOT met'}")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
