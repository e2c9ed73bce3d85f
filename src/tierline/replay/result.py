"""What a replay returns: the counts (``Metrics``), and one outcome per case.

Per-case outcomes are what agreement studies compare with the record (breaches, the policy's
escalations with their instants, the record's moves) and what a per-case export would list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tierline.replay.metrics import Metrics


@dataclass(slots=True)
class CaseOutcome:
    """What happened to one case in the replay (for agreement studies and per-case export)."""

    ref: str
    severity: str
    opened_at: float
    opened_tier: str | None
    breached: set[str] = field(default_factory=set)  # clock kinds with a breach
    escalations: list[tuple[float, str, str | None, str]] = field(default_factory=list)
    recorded_moves: list[tuple[float, str | None, str]] = field(default_factory=list)
    resolution_clocks: list[tuple[float, bool]] = field(default_factory=list)  # elapsed, stopped
    attributes: dict[str, str | None] = field(default_factory=dict)


@dataclass
class ReplayResult:
    metrics: Metrics
    outcomes: list[CaseOutcome]
    events: int
    seconds: float
    start: float | None
    end: float | None

    def report(self) -> dict[str, Any]:
        out = self.metrics.report()
        out["replay"] = {
            "events": self.events,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events / self.seconds) if self.seconds else None,
            "from": _iso(self.start),
            "to": _iso(self.end),
        }
        return out


def _iso(t: float | None) -> str | None:
    return datetime.fromtimestamp(t, UTC).isoformat() if t is not None else None
