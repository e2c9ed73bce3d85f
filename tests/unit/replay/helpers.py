"""A small policy and small logs whose replay can be worked out by hand."""

from __future__ import annotations

from pathlib import Path

from tierline.importer.log import LogContents, read_cases
from tierline.policy import LoadedPolicy, load_policy_text
from tierline.replay.runner import LogInput

from ..importer.helpers import mapping, row, write_log

__all__ = ["POLICY", "log_of", "policy", "row"]

#: 24x7; S3: resolved within 10 h, a transfer picked up within 1 h; the first line keeps a case
#: 4 h at most; a resolution breach escalates one tier up; waiting on the customer pauses the
#: resolution clock; a warning at half of each target.
POLICY = """
name: replay_test
default_calendar: always
calendars:
  always: {timezone: UTC, always_open: true}
tiers:
  - {id: L1, level: 1, max_time_in_tier: 4h}
  - {id: L2, level: 2}
  - {id: L3, level: 3}
teams:
  first: {tier: L1}
  second: {tier: L2}
  third: {tier: L3}
roles:
  lead: {rank: 1, permissions: [report.read]}
contact_types:
  incident: {}
severities:
  S1:
    {label: Critical, priority: 1, time: calendar,
     targets: {L1: &t {resolution: 10h, acceptance: 1h}, L2: *t, L3: *t}}
  S2: {label: High, priority: 2, time: calendar, targets: {L1: *t, L2: *t, L3: *t}}
  S3: {label: Moderate, priority: 3, time: calendar, targets: {L1: *t, L2: *t, L3: *t}}
  S4: {label: Low, priority: 4, time: calendar, targets: {L1: *t, L2: *t, L3: *t}}
pause_statuses:
  waiting_on_customer: {pauses: [resolution]}
warning_fractions: [0.5]
escalation_levels:
  - {at: warning, notify: [owner]}
  - {at: breach, notify: [owner], escalate: true}
triggers:
  - id: first_line_limit
    kind: time_in_tier
    action: {next_tier: true, type: tier}
"""


def policy(text: str = POLICY, **replace: str) -> LoadedPolicy:
    for old, new in replace.items():
        text = text.replace(old, new)
    return load_policy_text(text, "replay_test.yaml")


def log_of(tmp_path: Path, rows: list[list[str]]) -> LogInput:
    loaded = mapping()
    path = write_log(tmp_path, rows)
    contents: LogContents = read_cases(path, loaded.mapping)
    assert contents.bad_rows == 0, contents.issues
    return LogInput(contents, str(path), loaded)
