"""Six logs in layouts unlike the shared two, imported through the command line into one SQLite
database, each with the example mapping written for it alone (no code for any of them): the
cases land under their own source, bad rows are reported with their lines, the audit chains
verify, and importing again adds nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from tierline.store.db import make_engine
from tierline.store.tables import cases, escalations

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "unit" / "importer" / "fixtures"
MAPPINGS = REPO / "examples" / "mappings"

#: log, mapping, source, rows, cases imported, bad rows, the first problem shown
LAYOUTS = [
    (
        "bpic2014_detail_incident_activity.csv",
        "bpic2014_incident_activity.yaml",
        "bpic2014-rabobank",
        38,
        4,
        2,
        "line 30 (case IM0000023): timestamp: '31-02-2013 10:00:00' is not a real date",
    ),
    (
        "helpdesk_finale.csv",
        "helpdesk_activity_log.yaml",
        "helpdesk-polato",
        33,
        5,
        1,
        "line 30 (case Case 1010): timestamp: '2012/04/31 10:02:10.000' is not a real date",
    ),
    (
        "jira_issue_history.tsv",
        "jira_issue_history.yaml",
        "jira-sup",
        20,
        3,
        1,
        "line 24 (case SUP-1045): severity 'Px - Unknown' is not in the mapping",
    ),
    (
        "zendesk_ticket_events.csv",
        "zendesk_ticket_events.yaml",
        "zendesk-desk",
        33,
        3,
        1,
        "line 33 (case 48215): timestamp: '2023-03-32T08:10:00+01:00' is not an ISO 8601",
    ),
    (
        "excel_desk_export.csv",
        "excel_desk_export.yaml",
        "desk-excel",
        20,
        3,
        1,
        "line 19 (case T-2023-0417): timestamp: '25.03.2023 25:10' is not a real date",
    ),
    (
        "itsm_lifecycle.xes",
        "itsm_lifecycle_xes.yaml",
        "itsm-xes",
        19,
        2,
        2,
        "line 164 (case INC-7003): the timestamp is missing",
    ),
]


def test_each_layout_imports_through_the_command_line_with_its_own_mapping(
    tmp_path: Path,
) -> None:
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

    assert tierline("init").returncode == 0
    for log, mapping, source, rows, imported, bad, problem in LAYOUTS:
        args = ("import", "events", str(FIXTURES / log), "--mapping", str(MAPPINGS / mapping))
        r = tierline(*args, "--quiet")
        assert r.returncode == 0, (log, r.stderr)
        assert f"as source '{source}'" in r.stdout, r.stdout
        assert re.search(rf"rows read +{rows}\n", r.stdout), r.stdout
        assert re.search(rf"cases imported +{imported}\n", r.stdout), r.stdout
        assert re.search(rf"bad rows +{bad} ", r.stdout), r.stdout
        assert problem in r.stderr, r.stderr
        again = tierline(*args, "--quiet")
        assert again.returncode == 0 and "already imported by run" in again.stdout, again.stdout

    r = tierline("audit", "verify")
    assert r.returncode == 0 and "every chain intact" in r.stdout, r.stdout + r.stderr

    engine = make_engine(f"sqlite:///{tmp_path / 'tierline.db'}")
    try:
        with engine.connect() as c:
            per_source = dict(
                c.execute(select(cases.c.source, func.count()).group_by(cases.c.source)).all()
            )
            assert per_source == {source: n for _, _, source, _, n, _, _ in LAYOUTS}
            row = (
                c.execute(
                    select(cases).where(
                        cases.c.source == "zendesk-desk", cases.c.external_ref == "48213"
                    )
                )
                .mappings()
                .one()
            )
            assert (row["status"], row["team"], row["tier"], row["owner"]) == (
                "closed",
                "Tier 2 Support",
                "L2",
                "Ana Ibáñez",
            )
            jira = (
                c.execute(
                    select(cases).where(
                        cases.c.source == "jira-sup", cases.c.external_ref == "SUP-1043"
                    )
                )
                .mappings()
                .one()
            )
            assert (jira["status"], jira["severity"], jira["tier"]) == ("resolved", "S1", "L3")
            moves = c.execute(
                select(func.count())
                .select_from(escalations)
                .where(
                    escalations.c.case_id.in_(
                        select(cases.c.id).where(cases.c.source == "bpic2014-rabobank")
                    )
                )
            ).scalar_one()
            assert moves == 6  # 1 + 1 + 3 + 1 recorded transfers
    finally:
        engine.dispose()
