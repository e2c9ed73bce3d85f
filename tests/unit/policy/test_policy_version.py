"""A policy's version names its meaning: how it is written does not change it, any rule does."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.unit.policy.policy_helpers import edit
from tierline.policy import load_policy_text, policy_version


def version(text: str) -> str:
    return load_policy_text(text, "v.yaml").policy.version


def test_the_version_is_a_prefixed_hash_of_the_canonical_document(saas_text: str) -> None:
    loaded = load_policy_text(saas_text, "v.yaml")
    assert loaded.policy.version == policy_version(loaded.document)
    assert loaded.policy.version.startswith("pv-") and len(loaded.policy.version) == 19
    assert json.loads(json.dumps(loaded.document)) == loaded.document  # plain JSON data


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("# Escalation policy of a B2B SaaS", "# A different comment about the B2B SaaS"),
        ("name: saas_support\n", "# a new comment\nname:    saas_support   # trailing\n\n\n"),
        ("currency: EUR\n", "currency: 'EUR'\n"),
        ("default_calendar: emea_support\n", ""),  # moved: re-added at the end below
        ("T1: {first_response: 1h,", "T1: {first_response: 60m,"),
        ("resolution: 8h, acceptance: 10m}", "resolution: 480m, acceptance: 600s}"),
        ("credit: 50,", "credit: 50.00,"),
        (
            "[case.read, case.write, case.escalate, case.accept, case.resolve, policy.read]",
            "[policy.read, case.resolve, case.accept, case.escalate, case.write, case.read]",
        ),
        ("approval_target: 4h business", "approval_target: {duration: 4h, time: business}"),
        ("warning_fractions: [0.5, 0.75, 0.9]", "warning_fractions: [0.9, 0.5, 0.75]"),
        ("  daily_updates: true\n", ""),  # the default, written or not
        ("at: breach + 2h", "at: breach+120m"),
        (
            "T2: {first_response: 2h, update_interval: 4h, resolution: 27h,",
            "T2: {first_response: 2h, update_interval: 4h, resolution: 27h business,",
        ),
    ],
)
def test_writing_the_same_policy_differently_keeps_the_version(
    saas_text: str, old: str, new: str
) -> None:
    text = edit(saas_text, old, new)
    if old.startswith("default_calendar"):
        text += "\ndefault_calendar: emea_support\n"
    assert version(text) == version(saas_text)


def test_a_yaml_round_trip_and_the_normalised_document_keep_the_version(bank_text: str) -> None:
    reformatted = yaml.safe_dump(yaml.safe_load(bank_text), sort_keys=True, width=40)
    assert version(reformatted) == version(bank_text)
    document = load_policy_text(bank_text).document
    assert version(json.dumps(document)) == version(bank_text)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("T1: {first_response: 1h,", "T1: {first_response: 45m,"),
        ("credit: 50,", "credit: 60,"),
        ("label: Acme Cloud - B2B SaaS support", "label: Acme Cloud support"),
        ("  - id: data_exports\n", "  - id: export_requests\n"),
        ("warning_fractions: [0.5, 0.75, 0.9]", "warning_fractions: [0.5, 0.9]"),
        ("deadline: 30d calendar", "deadline: 30d business"),
    ],
)
def test_changing_a_rule_changes_the_version(saas_text: str, old: str, new: str) -> None:
    assert version(edit(saas_text, old, new)) != version(saas_text)


def test_routing_order_is_part_of_the_version(saas_text: str) -> None:
    rows = (
        "  - id: data_exports\n    contact_types: [data_export]\n"
        "    route_to: {team: product_specialists}\n"
    )
    swapped = edit(saas_text, rows, "")
    swapped = edit(swapped, "  - id: everything_else\n", rows + "  - id: everything_else\n")
    assert version(swapped) != version(saas_text)
