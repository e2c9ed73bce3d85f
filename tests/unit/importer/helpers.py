"""Small logs and mappings for importer tests, written to a temporary folder."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from tierline.importer.mapping_load import LoadedMapping, load_mapping_text

#: A help-desk export in the shape of the ServiceNow log: day-first minute stamps, "?" for none.
HEADER = ["number", "state", "updated", "mod", "group", "assignee", "priority", "opened", "sla"]

MAPPING = """
name: test_desk
missing: ["?", ""]
case:
  id: number
  order_by: [timestamp, {column: mod, type: int}]
  opened_at: opened
timestamp: {column: updated, format: "%d/%m/%Y %H:%M", timezone: UTC}
status:
  column: state
  values: {New: new, Active: open, Waiting: waiting_on_customer, Resolved: resolved,
           Closed: closed}
  pauses: [waiting_on_customer]
team: {column: group, default: unassigned}
tier:
  levels: [L1, L2, L3]
  rules:
    - {match: "^L3", tier: L3}
    - {match: "^L2", tier: L2}
  default: L1
severity:
  column: priority
  values: {"1 - Critical": S1, "2 - High": S2, "3 - Moderate": S3, "4 - Low": S4}
agent: {column: assignee, if_missing: clear}
acceptance: {when: agent_set}
attributes:
  made_sla: {column: sla, take: last}
"""


def mapping(text: str = MAPPING, **replace: str) -> LoadedMapping:
    for old, new in replace.items():
        text = text.replace(old, new)
    return load_mapping_text(text, "test.yaml")


def rows_csv(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def write_log(
    folder: Path,
    rows: Sequence[Sequence[str]],
    kind: str = "csv",
    header: Sequence[str] = HEADER,
    name: str = "log",
) -> Path:
    text = rows_csv(rows, header)
    if kind == "csv":
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
    elif kind == "gz":
        path = folder / f"{name}.csv.gz"
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path = folder / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(f"{name}.csv", text)
            z.writestr(f"__MACOSX/._{name}.csv", b"\x00\x05\x16\x07junk")
    return path


def row(
    number: str,
    state: str,
    updated: str,
    mod: int,
    group: str = "L1 desk",
    assignee: str = "?",
    priority: str = "3 - Moderate",
    opened: str = "1/3/2016 09:00",
    sla: str = "true",
) -> list[str]:
    return [number, state, updated, str(mod), group, assignee, priority, opened, sla]
