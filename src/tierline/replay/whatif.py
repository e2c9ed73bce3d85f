"""What-if: the difference between two replays of the same log (R-POL-5, R-SIM-1).

Both reports come from the same record, so every difference is the policies' doing:
escalations per type, tier and team, breaches per clock, cases breached, ownership vacuums,
and the peaks of daily workload per tier and team (in the policy view, where an escalated case
counts at the tier the policy sent it to).
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def _delta(a: int | float | None, b: int | float | None) -> Row:
    a, b = a or 0, b or 0
    pct = round(100.0 * (b - a) / a, 1) if a else None
    return {"baseline": a, "candidate": b, "change": b - a, "change_percent": pct}


def _table(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Row]:
    keys = sorted(set(a) | set(b), key=lambda k: (-(max(a.get(k, 0), b.get(k, 0))), k))
    return {k: _delta(a.get(k), b.get(k)) for k in keys}


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The candidate ``b`` against the baseline ``a`` (two replay reports of one log)."""
    wa, wb = a["workload"]["policy"], b["workload"]["policy"]
    return {
        "escalations": _delta(a["escalations"]["total"], b["escalations"]["total"]),
        "cases_escalated": _delta(a["escalations"]["cases"], b["escalations"]["cases"]),
        "escalations_by_type": _table(a["escalations"]["by_type"], b["escalations"]["by_type"]),
        "escalations_by_tier": _table(a["escalations"]["by_tier"], b["escalations"]["by_tier"]),
        "escalations_by_team": _table(a["escalations"]["by_team"], b["escalations"]["by_team"]),
        "breaches": _delta(a["breaches"]["total"], b["breaches"]["total"]),
        "cases_breached": _delta(a["breaches"]["cases"], b["breaches"]["cases"]),
        "breaches_by_clock": _table(a["breaches"]["by_clock"], b["breaches"]["by_clock"]),
        "vacuums": _delta(a["vacuums"]["total"], b["vacuums"]["total"]),
        "workload_peaks_by_tier": _table(wa["peaks_by_tier"], wb["peaks_by_tier"]),
        "workload_peaks_by_team": _table(wa["peaks_by_team"], wb["peaks_by_team"]),
    }


def summary_lines(diff: dict[str, Any], top: int = 10) -> list[tuple[str, str, Row]]:
    """(section, key, row) in reading order, the longest tables cut to ``top`` rows."""
    out: list[tuple[str, str, Row]] = []
    for name in ("escalations", "cases_escalated", "breaches", "cases_breached", "vacuums"):
        out.append(("total", name, diff[name]))
    for section in (
        "escalations_by_type",
        "escalations_by_tier",
        "escalations_by_team",
        "breaches_by_clock",
        "workload_peaks_by_tier",
        "workload_peaks_by_team",
    ):
        rows = list(diff[section].items())
        if section.endswith("_team"):
            rows.sort(key=lambda kv: -abs(kv[1]["change"]))
        for key, row in rows[:top]:
            out.append((section, key, row))
    return out
