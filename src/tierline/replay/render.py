"""Replay and what-if reports for people (a text table) and for machines (CSV rows).

The JSON report is the source; the table shows its key figures (the ten largest teams of each
list), and the CSV holds every figure as ``section,name,key,value`` rows, daily workload series
included (``key`` is then the date).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from tierline.replay.whatif import summary_lines

TOP = 10


def _hours(v: Any) -> str:
    return "-" if v is None else f"{v:,.1f} h"


def _counts(title: str, data: dict[str, Any], top: int = TOP) -> list[str]:
    if not data:
        return [f"  {title}: none"]
    items = list(data.items())
    shown = ", ".join(f"{k} {v:,}" for k, v in items[:top])
    more = f", ... ({len(items)} in all)" if len(items) > top else ""
    return [f"  {title}: {shown}{more}"]


def report_text(r: dict[str, Any]) -> str:
    log, rep, cases, rec = r["log"], r["replay"], r["cases"], r["recorded"]
    esc, br, pk, vac = r["escalations"], r["breaches"], r["pickup"], r["vacuums"]
    lines = [
        f"Replay of {log['file']} (mapping {log['mapping']}) through policy "
        f"{r['policy']['name']} ({r['policy']['version']})",
        f"  log: {log['rows']:,} events, {log['cases']:,} cases, {log['bad_rows']:,} bad rows "
        f"({log['skipped_cases']:,} cases skipped); {rep['from']} to {rep['to']}",
        f"  speed: {rep['log_events']:,} log events in {log['read_seconds'] + rep['seconds']:.1f} s"
        f" ({rep['log_events_per_second']:,} events/s; the replay alone "
        f"{rep['events_per_second']:,} case events/s)",
    ]
    lines += [f"  warning: {w}" for w in r.get("warnings", [])]
    lines += [
        "",
        "The record",
        f"  cases {cases['total']:,}; resolutions {cases['resolved']:,}, closures "
        f"{cases['closed']:,}, reopens {cases['reopens']:,} ({cases['cases_reopened']:,} cases)",
        f"  team changes {rec['team_changes']:,}; transfers {rec['transfers']:,} in "
        f"{rec['cases_transferred']:,} cases; ping-pong (A→B→A) {rec['ping_pongs']:,} in "
        f"{rec['ping_pong_cases']:,} cases",
        *_counts("transfers by direction", rec["transfers_by_direction"]),
        *_counts("transfers by tier", rec["transfers_by_tier"]),
        *_counts("transfers by team", rec["transfers_by_team"]),
        f"  time to pick-up: {pk['count']:,} accepted transfers, "
        f"median {_hours(pk['median_hours'])}, p90 {_hours(pk['p90_hours'])}; "
        f"{pk['never_accepted']:,} never accepted",
        "",
        "What the policy would have done",
        f"  escalations {esc['total']:,} in {esc['cases']:,} cases",
        *_counts("by type", esc["by_type"]),
        *_counts("by tier", esc["by_tier"]),
        *_counts("by team", esc["by_team"]),
        *_counts("by rule", esc["by_rule"]),
        f"  breaches {br['total']:,} in {br['cases']:,} cases",
        *_counts("breaches by clock", br["by_clock"]),
        *_counts("warnings by clock", br["warnings_by_clock"]),
        f"  ownership vacuums {vac['total']:,}",
        *_counts("vacuums by team", vac["by_team"]),
        "",
        "Workload (open cases at the end of each day)",
        *_counts("recorded peak by tier", r["workload"]["recorded"]["peaks_by_tier"]),
        *_counts("policy peak by tier", r["workload"]["policy"]["peaks_by_tier"]),
        *_counts(
            "policy peak by team",
            dict(sorted(r["workload"]["policy"]["peaks_by_team"].items(), key=lambda kv: -kv[1])),
        ),
    ]
    if "agreement" in r:
        lines += ["", *agreement_text(r["agreement"])]
    return "\n".join(lines) + "\n"


def agreement_text(a: dict[str, Any]) -> list[str]:
    def fig(f: dict[str, Any]) -> str:
        c = f["confusion"]
        return (
            f"accuracy {f['accuracy']}, precision {f['precision']}, recall {f['recall']} "
            f"(tp {c['tp']}, fp {c['fp']}, tn {c['tn']}, fn {c['fn']}; "
            f"majority baseline {f['majority_baseline_accuracy']})"
        )

    if a["kind"] == "sla":
        out = [
            f"Agreement with the log's '{a['outcome']['attribute']}' "
            f"(missed when '{a['outcome']['missed_when']}')",
            f"  split: {a['split']}; {a['cases']['fit']:,} fit / {a['cases']['test']:,} test cases",
            f"  method: {a['method']}",
        ]
        for v in a["variants"]:
            targets = ", ".join(f"{k} {h:g} h" for k, h in v["targets_hours"].items())
            out += [
                f"  {v['name']}: targets {targets}",
                f"    fit half:  {fig(v['fit_half'])}",
                f"    test half: {fig(v['test_half'])}",
            ]
        return out
    out = [
        f"Agreement with the recorded moves ({a['opened_at_first_line']:,} of {a['cases']:,} "
        "cases opened at the first line)"
    ]
    for label in ("second_line_or_higher", "third_line"):
        f = a[label]
        both = f["both"]
        out += [
            f"  {label.replace('_', ' ')}: {fig(f)}",
            f"    the record moved cases after a median "
            f"{_hours(f['record_median_hours_before_the_move'])}; both: {both['cases']:,} cases, "
            f"policy first in {both['policy_first']:,}, median policy minus record "
            f"{_hours(both['median_policy_minus_record_hours'])}",
        ]
    return out


def simulate_text(s: dict[str, Any]) -> str:
    a, b = s["baseline"], s["candidate"]
    lines = [
        f"What-if on {a['log']['file']}: baseline {a['policy']['name']} ({a['policy']['version']})"
        f" vs candidate {b['policy']['name']} ({b['policy']['version']})",
        f"  {a['log']['rows']:,} log events, {a['log']['cases']:,} cases",
        "",
        f"  {'':<26}{'':<22}{'baseline':>10}{'candidate':>11}{'change':>9}{'%':>8}",
    ]
    for section, key, row in summary_lines(s["difference"]):
        pct = "-" if row["change_percent"] is None else f"{row['change_percent']:+.1f}"
        lines.append(
            f"  {section:<26}{str(key)[:21]:<22}{row['baseline']:>10,}{row['candidate']:>11,}"
            f"{row['change']:>+9,}{pct:>8}"
        )
    for label, rep in (("baseline", a), ("candidate", b)):
        lines += [f"  warning ({label}): {w}" for w in rep.get("warnings", [])]
    return "\n".join(lines) + "\n"


def _flatten(prefix: str, value: Any, days: list[str]) -> Iterator[tuple[str, str, str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict | list):
                yield from _flatten(f"{prefix}.{k}" if prefix else str(k), v, days)
            else:
                yield (prefix, str(k), "", v)
    elif isinstance(value, list):
        is_series = len(value) == len(days) and all(isinstance(v, int) for v in value)
        name, _, key = prefix.rpartition(".")
        for i, v in enumerate(value):
            yield (name, key, days[i] if is_series else str(i), v)


def report_csv(report: dict[str, Any]) -> str:
    """Every figure of a replay (or what-if) report as ``section,name,key,value`` rows."""
    days = _days(report)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "name", "key", "value"])
    for row in _flatten("", {k: v for k, v in report.items() if k != "workload"}, days):
        w.writerow(row)
    for side in ("recorded", "policy"):
        work = report.get("workload", {}).get(side, {})
        for series in ("by_tier", "by_team"):
            for name, values in work.get(series, {}).items():
                for day, v in zip(days, values, strict=False):
                    w.writerow([f"workload.{side}.{series}", name, day, v])
    return out.getvalue()


def _days(report: dict[str, Any]) -> list[str]:
    if "workload" in report:
        return list(report["workload"]["days"])
    if "baseline" in report:
        return list(report["baseline"]["workload"]["days"])
    return []
