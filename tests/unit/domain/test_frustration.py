"""The transparent frustration signal (R-WARN-1): words, shouting, the policy's own terms."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tierline.domain.frustration import (
    _alternatives,
    _count,
    frustration_score,
    frustration_signals,
)


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


_VOCABULARY = (
    "cancel", "cancelling", "refund", "refund now", "now", "fund", "re", "no one", "one",
    "still not", "not", "won't", "c++", "a.b", "press", "switching to",
)  # fmt: skip


@example(["refund now", "refund"], ["we want a refund now"])  # the phrase is preferred
@example(["refund", "refund now"], ["we want a refund now"])  # the word is preferred
@example(["no one", "one", "cancel"], ["no one will cancel"])
@given(
    st.lists(st.sampled_from(_VOCABULARY), max_size=8),
    st.lists(
        st.sampled_from([*_VOCABULARY, " ", ", ", "!", "x", "ing", "\n"]) | st.text(max_size=4),
        max_size=30,
    ),
)
def test_one_alternation_finds_what_one_alternative_per_phrase_finds(
    phrases: list[str], pieces: list[str]
) -> None:
    """The compiled pattern shares ``\\b`` between runs of words for speed; it must find the
    same terms, with the same preference, as one alternative per phrase in the list's order."""
    text = "".join(pieces).lower()
    alternatives = _alternatives(tuple(phrases))
    reference = re.compile("|".join(alternatives)) if alternatives else None
    expected = sorted({m.group(0) for m in reference.finditer(text)}) if reference else []
    assert _count(text, phrases) == expected
