"""What a replay counts, and the report it turns into (plain JSON-ready data).

Two kinds of figures sit side by side:

* **the record** — what the log says happened: cases, transfers (by direction, tier and team),
  changes of team, ping-pong (a case back at a team it had left, A→B→A), reopens, and the time
  from a transfer to its acceptance (pick-up);
* **the policy** — what the replayed policy would have done on that record: escalations by type,
  target tier, target team and rule; clock breaches and warnings by clock; ownership vacuums
  (transfers not accepted within the policy's acceptance target).

Workload is the number of open cases sitting at each tier and team at the end of each day
(UTC), in two views: as recorded, and under the policy, where a case the policy escalated counts
at the policy's tier and team until the record moves it that high itself or resolves it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DAY = 86_400.0
#: Daily series are kept for this many teams (those with the highest peaks); a log can have
#: hundreds of teams over hundreds of days.
TOP_TEAMS = 20


def _quantiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median_hours": None, "p90_hours": None, "mean_hours": None}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return {
        "count": len(values),
        "median_hours": round(statistics.median(ordered) / 3600, 2),
        "p90_hours": round(p90 / 3600, 2),
        "mean_hours": round(statistics.fmean(ordered) / 3600, 2),
    }


@dataclass
class Workload:
    """Open cases per key (tier or team), kept current, snapshotted at each day's end."""

    current: Counter[str] = field(default_factory=Counter)
    days: list[dict[str, int]] = field(default_factory=list)

    def move(self, old: str | None, new: str | None) -> None:
        if old == new:
            return
        if old is not None:
            self.current[old] -= 1
        if new is not None:
            self.current[new] += 1

    def snapshot(self) -> None:
        self.days.append({k: v for k, v in self.current.items() if v})

    def series(self, top: int | None = None) -> dict[str, list[int]]:
        """Daily values per key; with ``top``, only the keys with the highest peaks."""
        keys = sorted({k for d in self.days for k in d})
        if top is not None:
            peaks = self.peaks()
            keys = sorted(sorted(keys, key=lambda k: (-peaks[k], k))[:top])
        return {k: [d.get(k, 0) for d in self.days] for k in keys}

    def peaks(self) -> dict[str, int]:
        peaks: dict[str, int] = {}
        for d in self.days:
            for k, v in d.items():
                if v > peaks.get(k, 0):
                    peaks[k] = v
        return peaks


@dataclass
class Metrics:
    cases: int = 0
    resolved: int = 0
    closed: int = 0
    reopens: int = 0
    cases_reopened: int = 0
    team_changes: int = 0
    transfers: Counter[str] = field(default_factory=Counter)  # by direction
    transfers_by_tier: Counter[str] = field(default_factory=Counter)
    transfers_by_team: Counter[str] = field(default_factory=Counter)
    cases_transferred: int = 0
    ping_pong_cases: int = 0
    ping_pongs: int = 0
    pickups: list[float] = field(default_factory=list)
    pickups_by_team: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    never_accepted: int = 0
    escalations: Counter[str] = field(default_factory=Counter)  # by type
    escalations_by_tier: Counter[str] = field(default_factory=Counter)
    escalations_by_team: Counter[str] = field(default_factory=Counter)
    escalations_by_rule: Counter[str] = field(default_factory=Counter)
    cases_escalated: int = 0
    breaches: Counter[str] = field(default_factory=Counter)  # by clock kind
    warnings: Counter[str] = field(default_factory=Counter)
    cases_breached: int = 0
    vacuums: int = 0
    vacuums_by_team: Counter[str] = field(default_factory=Counter)
    notifications: int = 0
    tier_recorded: Workload = field(default_factory=Workload)
    team_recorded: Workload = field(default_factory=Workload)
    tier_policy: Workload = field(default_factory=Workload)
    team_policy: Workload = field(default_factory=Workload)
    day_starts: list[float] = field(default_factory=list)

    def snapshot(self, day_end: float) -> None:
        self.day_starts.append(day_end - DAY)
        for w in (self.tier_recorded, self.team_recorded, self.tier_policy, self.team_policy):
            w.snapshot()

    def report(self) -> dict[str, Any]:
        days = [datetime.fromtimestamp(t, UTC).date().isoformat() for t in self.day_starts]
        pickup_by_team = {
            team: _quantiles(v)
            for team, v in sorted(self.pickups_by_team.items(), key=lambda kv: -len(kv[1]))
        }
        return {
            "cases": {
                "total": self.cases,
                "resolved": self.resolved,
                "closed": self.closed,
                "reopens": self.reopens,
                "cases_reopened": self.cases_reopened,
            },
            "recorded": {
                "team_changes": self.team_changes,
                "transfers": sum(self.transfers.values()),
                "transfers_by_direction": dict(self.transfers),
                "transfers_by_tier": dict(sorted(self.transfers_by_tier.items())),
                "transfers_by_team": dict(self.transfers_by_team.most_common()),
                "cases_transferred": self.cases_transferred,
                "ping_pong_cases": self.ping_pong_cases,
                "ping_pongs": self.ping_pongs,
            },
            "pickup": {
                **_quantiles(self.pickups),
                "never_accepted": self.never_accepted,
                "by_team": pickup_by_team,
            },
            "escalations": {
                "total": sum(self.escalations.values()),
                "cases": self.cases_escalated,
                "by_type": dict(self.escalations.most_common()),
                "by_tier": dict(sorted(self.escalations_by_tier.items())),
                "by_team": dict(self.escalations_by_team.most_common()),
                "by_rule": dict(self.escalations_by_rule.most_common()),
            },
            "breaches": {
                "total": sum(self.breaches.values()),
                "cases": self.cases_breached,
                "by_clock": dict(self.breaches.most_common()),
                "warnings_by_clock": dict(self.warnings.most_common()),
            },
            "vacuums": {
                "total": self.vacuums,
                "by_team": dict(self.vacuums_by_team.most_common()),
            },
            "notifications": self.notifications,
            "workload": {
                "definition": "open cases at each tier / team at the end of each day (UTC)",
                "days": days,
                "teams_shown": f"the {TOP_TEAMS} teams with the highest peaks (peaks: all)",
                "recorded": {
                    "by_tier": self.tier_recorded.series(),
                    "by_team": self.team_recorded.series(TOP_TEAMS),
                    "peaks_by_tier": self.tier_recorded.peaks(),
                    "peaks_by_team": self.team_recorded.peaks(),
                },
                "policy": {
                    "by_tier": self.tier_policy.series(),
                    "by_team": self.team_policy.series(TOP_TEAMS),
                    "peaks_by_tier": self.tier_policy.peaks(),
                    "peaks_by_team": self.team_policy.peaks(),
                },
            },
        }
