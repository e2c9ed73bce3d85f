"""Agreement studies: the threshold fit, the split, the figures, the tier comparison."""

from __future__ import annotations

from pathlib import Path

from tierline.replay.agreement import (
    _confusion,
    best_threshold,
    half_of,
    sla_agreement,
    tier_agreement,
)
from tierline.replay.result import CaseOutcome

from .helpers import log_of, policy, row


def test_the_best_threshold_maximises_agreement() -> None:
    points = [(1.0, False), (2.0, False), (3.0, True), (4.0, False), (5.0, True), (6.0, True)]
    t, correct = best_threshold(points)
    assert (t, correct) == (2.0, 5)  # "> 2" gets 5 of 6 right
    assert best_threshold([(1.0, True), (2.0, True)]) == (0.0, 2)  # everything breached
    assert best_threshold([(1.0, False), (9.0, False)]) == (9.0, 2)  # nothing breached


def test_ties_move_together() -> None:
    t, correct = best_threshold([(5.0, True), (5.0, False), (5.0, False), (7.0, True)])
    assert (t, correct) == (5.0, 3)


def test_confusion_figures() -> None:
    pairs = [(True, True)] * 3 + [(True, False)] + [(False, True)] * 2 + [(False, False)] * 4
    f = _confusion(pairs)
    assert f["confusion"] == {"tp": 3, "fp": 1, "tn": 4, "fn": 2}
    assert (f["accuracy"], f["precision"], f["recall"]) == (0.7, 0.75, 0.6)
    assert f["majority_baseline_accuracy"] == 0.5 and f["recorded_positive"] == 5


def test_the_split_is_stable_and_about_even() -> None:
    halves = [half_of(f"INC{n:07d}") for n in range(2000)]
    assert halves == [half_of(f"INC{n:07d}") for n in range(2000)]
    assert 900 < halves.count("fit") < 1100


def test_sla_agreement_recovers_a_target_the_log_followed(tmp_path: Path) -> None:
    """Cases resolved within 5 h made their SLA, later ones did not: the fit finds 5 h (to the
    minute) and the test half agrees perfectly."""
    rows = []
    for n in range(60):
        hours = 1 + (n % 10)
        sla = "true" if hours <= 5 else "false"
        end = f"{1 + hours // 24}/3/2016 {(hours % 24):02d}:00"
        rows.append(row(f"C{n}", "New", "1/3/2016 00:00", 0, sla=sla, opened="1/3/2016 00:00"))
        rows.append(row(f"C{n}", "Resolved", end, 1, sla=sla, opened="1/3/2016 00:00"))
    out = sla_agreement(policy(), log_of(tmp_path, rows))
    assert out["cases"]["with_outcome"] == 60
    assert out["cases"]["fit"] + out["cases"]["test"] == 60
    for variant in out["variants"]:
        assert variant["targets_hours"] == {"S3": 5.0}
        assert variant["test_half"]["accuracy"] == 1.0
        assert variant["fit_half"]["accuracy"] == 1.0


def outcome(
    ref: str, tier: str, moves: list[tuple[float, str]], esc: list[tuple[float, str]]
) -> CaseOutcome:
    return CaseOutcome(
        ref,
        "S3",
        0.0,
        tier,
        recorded_moves=[(t, to, "up") for t, to in moves],
        escalations=[(t, "tier", to, "rule") for t, to in esc],
    )


def test_tier_agreement_counts_cases_opened_at_the_first_line() -> None:
    levels = {"L1": 1, "L2": 2, "L3": 3}
    outcomes = [
        outcome("both", "L1", [(100.0, "L2")], [(50.0, "L2")]),  # policy 50 s earlier
        outcome("record_only", "L1", [(100.0, "L3")], []),
        outcome("policy_only", "L1", [], [(10.0, "L2")]),
        outcome("neither", "L1", [], []),
        outcome("opened_higher", "L2", [(5.0, "L3")], []),
    ]
    out = tier_agreement(outcomes, levels)
    assert out["opened_at_first_line"] == 4
    second = out["second_line_or_higher"]
    assert second["confusion"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 1}
    assert second["both"] == {
        "cases": 1,
        "policy_first": 1,
        "median_policy_minus_record_hours": round(-50 / 3600, 2),
    }
    assert out["third_line"]["confusion"] == {"tp": 0, "fp": 0, "tn": 3, "fn": 1}
