"""Importing event logs on SQLite and PostgreSQL: stored like live cases, verifiable, idempotent,
resumable, never half a case; and through the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tierline.importer.run import import_events
from tierline.store.eventlog import EventLog
from tierline.store.tables import cases, escalations, events, import_runs

from ..unit.importer.helpers import MAPPING, mapping, row, write_log
from .conftest import make_env

ROWS = [
    row("INC1", "New", "1/3/2016 09:00", 0, assignee="Ann"),
    row("INC1", "Active", "1/3/2016 10:00", 1, group="L2 net", assignee="Ann"),
    row("INC1", "Active", "1/3/2016 11:00", 2, group="L2 net", assignee="Bob"),
    row("INC1", "Resolved", "2/3/2016 12:00", 3, group="L2 net", assignee="Bob"),
    row("INC2", "New", "1/3/2016 09:30", 0),
    row("INC2", "Waiting", "1/3/2016 10:30", 1),
    row("INC3", "New", "1/3/2016 09:40", 0),
    row("INC3", "Bogus", "1/3/2016 10:40", 1),  # a bad row: INC3 is not imported at all
    *[row(f"INC{n}", "New", "3/3/2016 09:00", 0) for n in range(4, 12)],
]


def count(engine: Engine, table: object) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_an_import_is_stored_like_live_cases_and_verifies(engine: Engine, tmp_path: Path) -> None:
    env = make_env(engine)
    result = import_events(env.rt, write_log(tmp_path, ROWS), mapping())
    assert result.status == "complete"
    assert (result.rows, result.cases_in_file, result.imported) == (16, 10, 10)
    assert (result.bad_rows, result.skipped_cases) == (1, 1)
    assert result.problems == [
        "line 9 (case INC3): status 'Bogus' is not in the mapping; expected one of: Active, "
        "Closed, New, Resolved, Waiting"
    ]
    with engine.connect() as c:
        refs = {r[0] for r in c.execute(select(cases.c.external_ref))}
        assert refs == {f"INC{n}" for n in (1, 2, *range(4, 12))}
        inc1 = c.execute(select(cases).where(cases.c.external_ref == "INC1")).mappings().one()
        assert (inc1["source"], inc1["status"], inc1["team"], inc1["owner"]) == (
            "test_desk",
            "resolved",
            "L2 net",
            "Bob",
        )
        assert inc1["next_due_at"] is None and inc1["audit_seq"] == 6
        esc = c.execute(select(escalations).where(escalations.c.case_id == inc1["id"])).mappings()
        assert [(e["id"], e["status"], e["accepted_by"]) for e in esc] == [
            (f"E{inc1['id']}-1", "accepted", "Bob")
        ]
        assert list(EventLog(c).verify()) == []
        run = c.execute(select(import_runs)).mappings().one()
        assert (run["status"], run["cases_imported"], run["bad_rows"]) == ("complete", 10, 1)
    timeline = env.get("root", f"/api/cases/{inc1['id']}/timeline")
    assert timeline.status_code == 200, timeline.text
    body = timeline.json()
    items = body["events"] if isinstance(body, dict) and "events" in body else body
    kinds = [e["kind"] for e in items]
    assert kinds[:5] == ["opened", "escalated", "status_changed", "accepted", "resolved"]


def test_importing_the_same_file_twice_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    env = make_env(engine)
    first = import_events(env.rt, write_log(tmp_path, ROWS), mapping())
    before = (count(engine, cases), count(engine, events))
    copy = shutil.copy(write_log(tmp_path, ROWS), tmp_path / "renamed.csv")
    again = import_events(env.rt, copy, mapping())
    assert again.status == "unchanged" and again.run_id == first.run_id and again.imported == 0
    more = write_log(tmp_path, [*ROWS, row("INC99", "New", "4/3/2016 09:00", 0)], name="more")
    third = import_events(env.rt, more, mapping())
    assert (third.status, third.imported, third.existing) == ("complete", 1, 10)
    assert count(engine, cases) == before[0] + 1
    other = mapping(MAPPING.replace("name: test_desk", "name: test_desk\nsource: another_desk"))
    fourth = import_events(env.rt, more, other)
    assert fourth.imported == 11  # another source: its own cases


def test_an_interrupted_import_resumes_where_it_stopped(engine: Engine, tmp_path: Path) -> None:
    env = make_env(engine)
    path = write_log(tmp_path, ROWS)

    def stop_after_two_batches(phase: str, done: int, total: int | None) -> None:
        if phase == "importing" and done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_events(env.rt, path, mapping(), batch_size=2, progress=stop_after_two_batches)
    assert count(engine, cases) == 4  # two whole batches, nothing of the third
    with engine.connect() as c:
        assert list(EventLog(c).verify()) == []
        run = c.execute(select(import_runs)).mappings().one()
        assert (run["status"], run["cases_imported"]) == ("interrupted", 4)
    resumed = import_events(env.rt, path, mapping(), batch_size=2)
    assert (resumed.status, resumed.resumed_from) == ("complete", run["id"])
    assert (resumed.imported, resumed.existing) == (6, 4)
    assert count(engine, cases) == 10
    with engine.connect() as c:
        assert list(EventLog(c).verify()) == []
    assert import_events(env.rt, path, mapping()).status == "unchanged"


def test_the_command_line_imports_and_reports_bad_rows(tmp_path: Path) -> None:
    log = write_log(tmp_path, ROWS)
    (tmp_path / "m.yaml").write_text(MAPPING)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINE_")}

    def tierline(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tierline.cli.main", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    r = tierline("import", "events", str(log), "--mapping", "m.yaml")
    assert r.returncode == 1 and "run 'tierline init' first" in r.stderr
    assert tierline("init").returncode == 0
    r = tierline("import", "events", str(log), "--mapping", "m.yaml")
    assert r.returncode == 0, r.stderr
    assert "cases imported             10" in r.stdout
    assert "line 9 (case INC3): status 'Bogus'" in r.stderr
    r = tierline("import", "events", str(log), "--mapping", "m.yaml")
    assert r.returncode == 0 and "already imported by run 1" in r.stdout
    r = tierline("audit", "verify")
    assert r.returncode == 0 and "every chain intact" in r.stdout
    (tmp_path / "bad.yaml").write_text(MAPPING.replace("pauses:", "pausez:"))
    r = tierline("import", "events", str(log), "--mapping", "bad.yaml")
    assert r.returncode == 1 and "bad.yaml:" in r.stderr and "did you mean 'pauses'" in r.stderr
    r = tierline("import", "runs")
    assert r.returncode == 0 and "complete" in r.stdout
