"""Replay and what-if as use cases: a policy and a log in, a report (plain data) out.

Shared by the CLI (``tierline replay`` / ``simulate``) and the API (``POST /api/replay`` /
``/api/simulate``). The log is read once per call and replayed through each policy; nothing
here needs a database (storing a report is a separate, optional step: :func:`store_report`).

Before a replay the policy learns the log's teams (``dataclasses.replace`` adds each as a team
at the tier the mapping gave it, marked ``function: imported`` so it never becomes a tier's
default team), and the report warns where policy and log do not fit: a tier of the log the policy
does not define (its cases have no targets there), or a waiting status of the mapping that the
policy pauses no clock for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from tierline.domain.calendar import CalendarBook
from tierline.domain.events import EventKind
from tierline.domain.policy import Policy, Team
from tierline.importer.log import LogContents, read_cases
from tierline.importer.mapping_load import LoadedMapping
from tierline.policy import LoadedPolicy, calendar_book
from tierline.replay.engine import Replay
from tierline.replay.result import ReplayResult
from tierline.replay.whatif import compare
from tierline.store.tables import replay_runs


@dataclass(frozen=True)
class LogInput:
    """A log read through its mapping, with what identifies it in reports."""

    contents: LogContents
    file: str
    mapping: LoadedMapping
    sha256: str | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "file": os.path.basename(self.file),
            "sha256": self.sha256,
            "mapping": self.mapping.mapping.name,
            "source": self.mapping.mapping.source_name,
            **self.contents.summary(),
            "read_seconds": round(self.contents.read_seconds, 3),
        }


def read_log(
    path: str | os.PathLike[str],
    mapping: LoadedMapping,
    *,
    max_rows: int | None = None,
    sha256: str | None = None,
) -> LogInput:
    contents = read_cases(path, mapping.mapping, max_rows=max_rows)
    return LogInput(contents, str(path), mapping, sha256)


def prepared(policy: Policy, log: LogInput) -> tuple[Policy, list[str]]:
    """The policy with the log's teams added, and warnings where the two do not fit."""
    teams: dict[str, Team] = dict(policy.teams)
    tiers_seen: set[str] = set()
    opened, escalated = EventKind.OPENED, EventKind.ESCALATED  # read once: every event asks
    for case in log.contents.cases:
        for ev in case.events:
            kind = ev.kind
            if kind is opened:
                team, tier = ev.data.get("team"), ev.data.get("tier")
            elif kind is escalated:
                team, tier = ev.data.get("to_team"), ev.data.get("to_tier")
            else:
                continue
            if tier:
                tiers_seen.add(str(tier))
            if team and team not in teams:
                teams[str(team)] = Team(
                    id=str(team), label=str(team), tier=tier, function="imported"
                )
    known = {t.id for t in policy.tiers}
    warnings = [
        f"the log's tier '{t}' is not a tier of policy '{policy.name}': its cases have no "
        "targets and no time limit there"
        for t in sorted(tiers_seen - known)
    ]
    paused = set(policy.pause_statuses)
    for status in log.mapping.mapping.status.pauses:
        if status not in paused:
            warnings.append(
                f"the mapping's waiting status '{status}' pauses no clock in policy "
                f"'{policy.name}': time spent in it counts against every clock"
            )
    return replace(policy, teams=teams), warnings


def replay_policy(
    loaded: LoadedPolicy, log: LogInput, *, collect_clocks: bool = False
) -> tuple[ReplayResult, dict[str, Any]]:
    """Replay ``log`` through ``loaded``; returns the result and its report."""
    policy, warnings = prepared(loaded.policy, log)
    calendars: CalendarBook = calendar_book(policy)
    result = Replay(policy, calendars, collect_clocks=collect_clocks).run(log.contents.cases)
    return result, report_of(result, loaded, log, warnings)


def report_of(
    result: ReplayResult, loaded: LoadedPolicy, log: LogInput, warnings: list[str]
) -> dict[str, Any]:
    report = result.report()
    total = log.contents.read_seconds + result.seconds
    report["replay"]["log_events"] = log.contents.rows
    report["replay"]["log_events_per_second"] = round(log.contents.rows / total) if total else None
    return {
        "policy": {
            "name": loaded.policy.name,
            "label": loaded.policy.label,
            "version": loaded.version,
            "file": os.path.basename(loaded.filename),
        },
        "log": log.describe(),
        "warnings": warnings,
        **report,
    }


def simulate(baseline: LoadedPolicy, candidate: LoadedPolicy, log: LogInput) -> dict[str, Any]:
    """Replay both policies on the same log and compare them (R-POL-5)."""
    _, a = replay_policy(baseline, log)
    _, b = replay_policy(candidate, log)
    return {"baseline": a, "candidate": b, "difference": compare(a, b)}


def store_report(
    conn: Connection,
    kind: str,
    report: dict[str, Any],
    log: LogInput,
    now: datetime,
    created_by: str | None,
) -> int:
    """Keep a report for later (the web UI's list of what-if studies); returns its id."""
    if kind == "simulate":
        policy = report["baseline"]["policy"]["version"]
        candidate: str | None = report["candidate"]["policy"]["version"]
        events = int(report["baseline"]["replay"]["log_events"])
    else:
        policy, candidate = report["policy"]["version"], None
        events = int(report["replay"]["log_events"])
    res = conn.execute(
        insert(replay_runs)
        .values(
            kind=kind,
            policy_version=policy,
            candidate_version=candidate,
            log_name=os.path.basename(log.file)[:500],
            log_sha256=log.sha256 or "",
            mapping_name=log.mapping.mapping.name,
            events=events,
            created_at=now,
            created_by=created_by,
            report=report,
        )
        .returning(replay_runs.c.id)
    )
    return int(res.scalar_one())
