"""The ServiceNow log (UCI 498), whole: the replay's counts against counts made independently
from the raw CSV with nothing but ``zipfile`` and ``csv``; the import through the command line."""

from __future__ import annotations

import csv
import io
import itertools
import os
import subprocess
import sys
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tierline.importer.mapping_load import load_mapping
from tierline.policy import load_policy
from tierline.replay.runner import read_log, replay_policy

from .conftest import MAPPINGS, POLICIES

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture(scope="module")
def raw(uci_log: Path) -> dict[str, Any]:
    """Counted straight from the CSV, ordered as the data set's README says."""
    with zipfile.ZipFile(uci_log) as z, z.open("incident_event_log.csv") as f:
        rows = list(csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline="")))
    by_case: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_case[r["number"]].append(r)

    def key(r: dict[str, str]) -> tuple[datetime, int]:
        return datetime.strptime(r["sys_updated_at"], "%d/%m/%Y %H:%M"), int(r["sys_mod_count"])

    reassignments = reopens = missed = 0
    for case_rows in by_case.values():
        case_rows.sort(key=key)
        groups = [r["assignment_group"] for r in case_rows]
        reassignments += sum(1 for a, b in itertools.pairwise(groups) if a != b)
        last = None
        for r in case_rows:
            state = r["incident_state"]
            if state == "-100":
                continue  # no state recorded on this row
            if last in ("Resolved", "Closed") and state not in ("Resolved", "Closed"):
                reopens += 1
            last = state
        missed += case_rows[-1]["made_sla"] == "false"
    return {
        "rows": len(rows),
        "cases": len(by_case),
        "reassignments": reassignments,
        "reopens": reopens,
        "missed": missed,
    }


@pytest.fixture(scope="module")
def replayed(uci_log: Path) -> dict[str, Any]:
    log = read_log(uci_log, load_mapping(MAPPINGS / "uci_incident_event_log.yaml"))
    _, report = replay_policy(load_policy(POLICIES / "itsm_baseline.yaml"), log)
    report["_missed"] = sum(
        1 for c in log.contents.cases if c.final_attributes.get("made_sla") == "false"
    )
    return report


def test_the_whole_log_replays_with_the_raw_counts(
    raw: dict[str, Any], replayed: dict[str, Any]
) -> None:
    assert raw["rows"] == 141_712 and raw["cases"] == 24_918  # the README's figures
    assert replayed["log"]["rows"] == raw["rows"]
    assert replayed["log"]["bad_rows"] == 0
    assert replayed["cases"]["total"] == raw["cases"]
    assert replayed["recorded"]["team_changes"] == raw["reassignments"]
    assert replayed["cases"]["reopens"] == raw["reopens"]
    assert replayed["_missed"] == raw["missed"] == 9_115
    assert replayed["replay"]["log_events"] == 141_712


def test_the_report_is_complete(replayed: dict[str, Any]) -> None:
    assert replayed["escalations"]["total"] > 0 and replayed["breaches"]["total"] > 0
    assert replayed["vacuums"]["total"] == replayed["breaches"]["by_clock"]["acceptance"]
    assert len(replayed["workload"]["days"]) > 300
    assert replayed["warnings"] == []


def test_the_log_imports_through_the_command_line(uci_log: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINE_")}

    def tierline(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tierline.cli.main", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    assert tierline("init", "--policy", str(POLICIES / "itsm_baseline.yaml")).returncode == 0
    mapping = str(MAPPINGS / "uci_incident_event_log.yaml")
    r = tierline("import", "events", str(uci_log), "--mapping", mapping, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "cases imported         24,918" in r.stdout
    r = tierline("import", "events", str(uci_log), "--mapping", mapping)
    assert "already imported" in r.stdout
