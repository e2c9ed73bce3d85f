"""Resolution with closure (R-COMM-3): refuse a draft missing a part, flag what a reader notices."""

from __future__ import annotations

from tierline.domain.frustration import asks_for_escalation
from tierline.domain.policy import RESOLUTION_PARTS
from tierline.domain.resolution import check_resolution
from tierline.domain.vocabulary import ClockKind

GOOD = {
    "what_was_done": "We corrected the duplicate invoice and credited 1,800 EUR to your account.",
    "impact_acknowledged": "We know this held up your month-end close and cost your team a day.",
    "root_cause": "Our billing system sent the November invoice twice after a retry.",
    "recurrence_prevention": "Invoices are now checked for duplicates before they are sent.",
    "apology": "We are sorry: this was our mistake, not yours.",
}


def test_a_complete_message_passes() -> None:
    check = check_resolution(RESOLUTION_PARTS, GOOD, None, at_fault=True)
    assert check.complete and check.flags == ()


def test_missing_parts_are_listed_and_filler_does_not_count() -> None:
    fields = {**GOOD, "impact_acknowledged": "n/a", "recurrence_prevention": ""}
    check = check_resolution(RESOLUTION_PARTS, fields, None, at_fault=True)
    assert check.missing == ("impact_acknowledged", "recurrence_prevention")
    assert check.details()[0]["expected"].startswith("an acknowledgement of the impact")


def test_the_apology_is_required_only_when_the_organisation_was_at_fault() -> None:
    fields = {k: v for k, v in GOOD.items() if k != "apology"}
    assert check_resolution(RESOLUTION_PARTS, fields, None, at_fault=False).complete
    assert check_resolution(RESOLUTION_PARTS, fields, None, at_fault=True).missing == ("apology",)
    unknown = check_resolution(RESOLUTION_PARTS, fields, None, at_fault=None)
    assert unknown.complete and "whether an apology is owed" in unknown.flags[0]


def test_jargon_bare_texts_and_missing_apologies_are_flagged() -> None:
    fields = {**GOOD, "root_cause": "A NullPointerException in invoice_job.py after the deploy."}
    check = check_resolution(RESOLUTION_PARTS, fields, "This has been resolved.", at_fault=True)
    assert check.complete  # flags inform; they do not refuse
    text = " | ".join(check.flags)
    assert "technical terms" in text and "null" in text and "deploy" in text
    assert "resolution without closure" in text
    assert "does not apologise" in text


def test_a_text_that_carries_every_part_raises_no_flag() -> None:
    text = " ".join(GOOD.values())
    assert check_resolution(RESOLUTION_PARTS, GOOD, text, at_fault=True).flags == ()


def test_asking_for_a_manager_is_told_apart_from_mentioning_one() -> None:
    assert asks_for_escalation("I want to speak to a manager now!")
    assert asks_for_escalation("Please escalate this to someone senior.")
    assert asks_for_escalation("Honestly I have lost confidence in your team.")
    assert not asks_for_escalation("My manager asked me to report this bug.")
    assert not asks_for_escalation("The export is empty again.")


def test_clock_kinds_are_distinct() -> None:
    values = [k.value for k in ClockKind]
    assert len(values) == len(set(values))  # an equal value would silently alias two kinds
