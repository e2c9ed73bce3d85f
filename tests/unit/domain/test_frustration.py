"""The transparent frustration signal (R-WARN-1): words, shouting, the policy's own terms."""

from __future__ import annotations

import pytest

from tierline.domain.frustration import frustration_score, frustration_signals


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("", 0.0),
        ("Thanks, the export works now.", 0.0),
        ("I will cancel and talk to my lawyer", 0.7),  # two threats, 0.35 each
        ("This is unacceptable", 0.2),
        ("This is unacceptable, the third time", 0.4),
        ("THE EXPORT IS BROKEN AGAIN", 0.5),  # shouting 0.3 + "again" 0.2
        ("Why?!!", 0.15),
        ("cancel cancel lawyer sue press, this is unacceptable and ridiculous", 1.0),  # capped
    ],
)
def test_scores(text: str, score: float) -> None:
    assert frustration_score(text) == score


def test_words_match_whole_words_only() -> None:
    # "issue" contains "sue", "cancellation" contains "cancel": neither is a threat.
    assert frustration_score("There is an issue with my cancellation fee") == 0.0
    assert frustration_signals("we are switching to another vendor")["threats"] == ["switching to"]


def test_short_capitals_are_not_shouting() -> None:
    assert frustration_score("OK, VAT ID?") == 0.0  # fewer than 12 letters


def test_the_policy_can_add_its_own_terms() -> None:
    assert frustration_signals("I will file a Chargeback", ["chargeback", " "]) == {
        "threats": [],
        "dissatisfaction": [],
        "policy_terms": ["chargeback"],
    }
    assert frustration_score("I will file a chargeback", ["chargeback"]) == 0.3
