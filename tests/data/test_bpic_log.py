"""The Volvo IT Belgium log (BPI Challenge 2013): the CSV and the XES give the same histories,
the record's moves match the data set's own support lines, and the tier agreement runs."""

from __future__ import annotations

import csv
import itertools
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tierline.importer.mapping_load import load_mapping
from tierline.policy import load_policy
from tierline.replay.agreement import tier_agreement
from tierline.replay.runner import LogInput, read_log, replay_policy

from .conftest import MAPPINGS, POLICIES

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module")
def from_csv(bpic_dir: Path) -> LogInput:
    return read_log(
        bpic_dir / "bpic2013_incidents_events.csv",
        load_mapping(MAPPINGS / "bpic2013_incidents_csv.yaml"),
    )


@pytest.fixture(scope="module")
def raw(bpic_dir: Path) -> dict[str, Any]:
    by_case: dict[str, list[dict[str, str]]] = defaultdict(list)
    with open(bpic_dir / "bpic2013_incidents_events.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            by_case[r["case_id"]].append(r)
    changes = 0
    for rows in by_case.values():
        rows.sort(key=lambda r: int(r["event_index"]))
        groups = [r["org_group"] for r in rows]
        changes += sum(1 for a, b in itertools.pairwise(groups) if a != b)
    lines = {c: {r["support_line"] for r in rows} for c, rows in by_case.items()}
    return {
        "cases": len(by_case),
        "group_changes": changes,
        "reach_second": sum(1 for s in lines.values() if s & {"L2", "L3", "L2/L3"}),
        "reach_third": sum(1 for s in lines.values() if s & {"L3", "L2/L3"}),
    }


def test_csv_and_xes_give_the_same_histories(bpic_dir: Path, from_csv: LogInput) -> None:
    xes = read_log(
        bpic_dir / "BPI_Challenge_2013_incidents.xes.gz",
        load_mapping(MAPPINGS / "bpic2013_incidents_xes.yaml"),
    )
    assert xes.contents.rows == from_csv.contents.rows == 65_533
    a = {
        c.ref: [(e.at, e.kind, {k: v for k, v in e.data.items() if k != "line"}) for e in c.events]
        for c in from_csv.contents.cases
    }
    b = {
        c.ref: [(e.at, e.kind, {k: v for k, v in e.data.items() if k != "line"}) for e in c.events]
        for c in xes.contents.cases
    }
    assert a == b


def test_the_record_matches_the_raw_counts(raw: dict[str, Any], from_csv: LogInput) -> None:
    cases = from_csv.contents.cases
    assert len(cases) == raw["cases"] == 7_554
    assert sum(c.team_changes for c in cases) == raw["group_changes"]

    def reached(tiers: set[str]) -> int:
        n = 0
        for c in cases:
            seen = {str(e.data.get("tier") or e.data.get("to_tier")) for e in c.events}
            n += bool(seen & tiers)
        return n

    assert reached({"L2", "L3"}) == raw["reach_second"] == 3_008
    assert reached({"L3"}) == raw["reach_third"] == 544


def test_replay_and_tier_agreement(from_csv: LogInput) -> None:
    loaded = load_policy(POLICIES / "itsm_baseline.yaml")
    result, report = replay_policy(loaded, from_csv)
    assert report["recorded"]["transfers_by_direction"]["up"] > 0
    assert report["pickup"]["count"] > 0
    agreement = tier_agreement(result.outcomes, {t.id: t.level for t in loaded.policy.tiers})
    second = agreement["second_line_or_higher"]
    assert second["cases"] == agreement["opened_at_first_line"] > 6_000
    assert 0 <= second["accuracy"] <= 1


def test_the_log_imports_through_the_command_line(bpic_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINE_")}
    run = [sys.executable, "-m", "tierline.cli.main"]
    kw: dict[str, Any] = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True}
    assert subprocess.run([*run, "init"], **kw).returncode == 0
    r = subprocess.run(
        [
            *run,
            "import",
            "events",
            str(bpic_dir / "BPI_Challenge_2013_incidents.xes.gz"),
            "--mapping",
            str(MAPPINGS / "bpic2013_incidents_xes.yaml"),
            "--quiet",
        ],
        **kw,
    )
    assert r.returncode == 0, r.stderr
    assert "cases imported          7,554" in r.stdout
    r = subprocess.run([*run, "audit", "verify"], **kw)
    assert r.returncode == 0 and "every chain intact" in r.stdout
