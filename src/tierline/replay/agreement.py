"""How well a replay agrees with what the log itself recorded (docs/replay.md has the figures).

**SLA agreement** (the ServiceNow log records, per incident, whether it ``made_sla``; its
targets are not in the data). The cases are split in two halves by a hash of their id (the first
byte of the SHA-256 of the id: even → fit half, odd → test half; stable across runs and
machines). On the fit half, each case's resolution time is measured by replaying the log through
the template policy with its resolution targets set out of reach (so the clock runs with the
policy's pauses but never breaches); then, per severity, the target *T* is chosen that maximises
the share of fit cases for which "resolution time > *T*" equals "the log says the SLA was
missed". A policy with those targets is replayed on the test half and its breach flag (any
resolution clock breached) is compared with the log: confusion matrix, accuracy, precision and
recall of "breached", against the majority-class baseline. Two variants: the policy's pauses,
and no pauses at all.

**Tier agreement** (the Volvo log records moves between 1st, 2nd and 3rd line). For every case
that opened at the first line: did the record move it to the 2nd line or higher, and would the
policy have escalated it there (a time limit or an SLA breach while it was still at the first
line)? The same for the 3rd line. Decisions are evaluated on the recorded path, so once the
record has moved a case up, the policy's first-line time limit no longer applies to it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from statistics import median
from typing import Any

from tierline.domain.policy import Policy, Target, TierTargets
from tierline.domain.vocabulary import Severity, TimeBasis
from tierline.policy import LoadedPolicy, calendar_book
from tierline.replay.engine import Replay
from tierline.replay.result import CaseOutcome
from tierline.replay.runner import LogInput, prepared

OUT_OF_REACH = timedelta(days=3650)


def half_of(ref: str) -> str:
    return "fit" if hashlib.sha256(ref.encode()).digest()[0] % 2 == 0 else "test"


def with_resolution_targets(
    policy: Policy, targets: dict[Severity, timedelta], tiers: Iterable[str], *, pauses: bool
) -> Policy:
    """Only resolution clocks, calendar time, one target per severity at every tier; no
    triggers or escalation levels (the study is about the breach flag alone)."""
    levels = {}
    for sev, level in policy.severities.items():
        target = Target(targets.get(sev, OUT_OF_REACH), TimeBasis.CALENDAR)
        levels[sev] = replace(level, targets={t: TierTargets(resolution=target) for t in tiers})
    return replace(
        policy,
        severities=levels,
        triggers=(),
        escalation_levels=(),
        pause_statuses=dict(policy.pause_statuses) if pauses else {},
        warning_fractions=(),
    )


def _confusion(pairs: Iterable[tuple[bool, bool]]) -> dict[str, Any]:
    """(predicted breached, recorded breached) pairs → the usual figures."""
    tp = fp = tn = fn = 0
    for predicted, actual in pairs:
        if predicted and actual:
            tp += 1
        elif predicted:
            fp += 1
        elif actual:
            fn += 1
        else:
            tn += 1
    n = tp + fp + tn + fn
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    positives = tp + fn
    return {
        "cases": n,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
        "accuracy": round((tp + tn) / n, 4) if n else None,
        "precision": round(precision, 4) if precision is not None else None,
        "recall": round(recall, 4) if recall is not None else None,
        "f1": round(f1, 4) if f1 is not None else None,
        "recorded_positive": positives,
        "predicted_positive": tp + fp,
        "majority_baseline_accuracy": round(max(positives, n - positives) / n, 4) if n else None,
    }


def best_threshold(points: Sequence[tuple[float, bool]]) -> tuple[float, int]:
    """The threshold T maximising agreement of "value > T" with the flag; (T, correct)."""
    ordered = sorted(points)
    correct = sum(1 for _, flag in ordered if flag)  # T below every value: all predicted true
    best, best_t = correct, (ordered[0][0] - 1.0) if ordered else 0.0
    i = 0
    while i < len(ordered):
        value = ordered[i][0]
        while i < len(ordered) and ordered[i][0] == value:
            correct += -1 if ordered[i][1] else 1
            i += 1
        if correct > best:
            best, best_t = correct, value
    return max(best_t, 0.0), best


def sla_agreement(
    template: LoadedPolicy, log: LogInput, *, outcome: str = "made_sla", missed: str = "false"
) -> dict[str, Any]:
    base, warnings = prepared(template.policy, log)
    tiers = sorted({t.id for t in base.tiers} | _log_tiers(log))
    cases = log.contents.cases
    recorded = {c.ref: c.final_attributes.get(outcome) or c.attributes.get(outcome) for c in cases}
    usable = [c for c in cases if recorded[c.ref] is not None]
    fit = [c for c in usable if half_of(c.ref) == "fit"]
    test = [c for c in usable if half_of(c.ref) == "test"]
    variants = []
    for name, pauses in (("the policy's pauses", True), ("no pauses", False)):
        measuring = with_resolution_targets(base, {}, tiers, pauses=pauses)
        measured = Replay(measuring, calendar_book(measuring), collect_clocks=True).run(fit)
        by_sev: dict[str, list[tuple[float, bool]]] = {}
        for o in measured.outcomes:
            if o.resolution_clocks:
                elapsed = max(e for e, _ in o.resolution_clocks)
                by_sev.setdefault(o.severity, []).append((elapsed, recorded[o.ref] == missed))
        targets: dict[Severity, timedelta] = {}
        fit_pairs: list[tuple[bool, bool]] = []
        for sev, points in sorted(by_sev.items()):
            t, _ = best_threshold(points)
            minutes = max(1, math.ceil(t / 60))  # whole minutes: elapsed <= T is met
            targets[Severity(sev)] = timedelta(minutes=minutes)
            fit_pairs.extend((e > minutes * 60, flag) for e, flag in points)
        fitted = with_resolution_targets(base, targets, tiers, pauses=pauses)
        tested = Replay(fitted, calendar_book(fitted)).run(test)
        test_pairs = [
            ("resolution" in o.breached, recorded[o.ref] == missed) for o in tested.outcomes
        ]
        by_severity = {
            sev: _confusion(
                ("resolution" in o.breached, recorded[o.ref] == missed)
                for o in tested.outcomes
                if o.severity == sev
            )
            for sev in sorted({o.severity for o in tested.outcomes})
        }
        variants.append(
            {
                "name": name,
                "pause_statuses": sorted(fitted.pause_statuses),
                "targets_hours": {
                    s.value: round(t.total_seconds() / 3600, 2) for s, t in targets.items()
                },
                "fit_half": _confusion(fit_pairs),
                "test_half": _confusion(test_pairs),
                "test_half_by_severity": by_severity,
            }
        )
    return {
        "kind": "sla",
        "template_policy": template.policy.name,
        "outcome": {"attribute": outcome, "missed_when": missed},
        "split": "SHA-256 of the case id, first byte even: fit half; odd: test half",
        "method": "per severity, the resolution target that maximises agreement on the fit half",
        "cases": {"with_outcome": len(usable), "fit": len(fit), "test": len(test)},
        "warnings": warnings,
        "variants": variants,
    }


def _log_tiers(log: LogInput) -> set[str]:
    return {
        str(ev.data.get("tier") or ev.data.get("to_tier"))
        for c in log.contents.cases
        for ev in c.events
        if ev.data.get("tier") or ev.data.get("to_tier")
    }


def tier_agreement(outcomes: Sequence[CaseOutcome], levels: dict[str, int]) -> dict[str, Any]:
    """Replayed escalations to higher lines against the record's moves (see the module doc)."""
    lowest = min(levels.values(), default=1)
    first_line = [o for o in outcomes if levels.get(o.opened_tier or "", lowest) == lowest]
    out: dict[str, Any] = {
        "kind": "tiers",
        "cases": len(outcomes),
        "opened_at_first_line": len(first_line),
    }
    for label, level in (("second_line_or_higher", lowest + 1), ("third_line", lowest + 2)):
        pairs, gaps, waits = [], [], []
        for o in first_line:
            rec = [t for t, tier, _ in o.recorded_moves if levels.get(tier or "", 0) >= level]
            pol = [t for t, _, tier, _ in o.escalations if levels.get(tier or "", 0) >= level]
            pairs.append((bool(pol), bool(rec)))
            if rec:
                waits.append((min(rec) - o.opened_at) / 3600)
            if rec and pol:
                gaps.append((min(pol) - min(rec)) / 3600)
        figures = _confusion(pairs)
        figures["record_median_hours_before_the_move"] = round(median(waits), 2) if waits else None
        figures["both"] = {
            "cases": len(gaps),
            "policy_first": sum(1 for g in gaps if g < 0),
            "median_policy_minus_record_hours": round(median(gaps), 2) if gaps else None,
        }
        out[label] = figures
    return out
