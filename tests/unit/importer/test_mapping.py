"""Mapping files: the shipped ones load; broken ones are refused with every problem located."""

from __future__ import annotations

from pathlib import Path

import pytest

from tierline.importer.mapping_load import MappingError, load_mapping, load_mapping_text

from .helpers import MAPPING, mapping

REPO = Path(__file__).resolve().parents[3]
SHIPPED = sorted((REPO / "examples" / "mappings").glob("*.yaml"))


def problems(text: str) -> list[str]:
    with pytest.raises(MappingError) as exc:
        load_mapping_text(text, "m.yaml")
    return [p.format() for p in exc.value.problems]


def test_the_shipped_mappings_load() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"uci_incident_event_log", "bpic2013_incidents_csv", "bpic2013_incidents_xes"} <= names
    for path in SHIPPED:
        loaded = load_mapping(path)
        assert loaded.mapping.columns(), path
        assert len(loaded.digest) == 16


def test_a_column_can_be_written_as_a_plain_string() -> None:
    m = mapping().mapping
    assert m.case.id.column == "number"
    assert m.agent is not None and m.agent.if_missing == "clear"
    assert [k.special or k.column for k in m.case.order_by] == ["timestamp", "mod"]
    assert m.source_name == "test_desk"


def test_an_unknown_key_is_refused_at_its_line_with_a_suggestion() -> None:
    found = problems(MAPPING.replace("  pauses: [waiting_on_customer]", "  pausez: [x]"))
    assert any(
        p.startswith("m.yaml:")
        and "status.pausez: unknown key 'pausez'; did you mean 'pauses'?" in p
        for p in found
    ), found


def test_every_problem_is_listed_with_line_and_key() -> None:
    text = (
        MAPPING.replace("timezone: UTC", "timezone: Mars/Base")
        .replace('{match: "^L3", tier: L3}', '{match: "(", tier: L3}')
        .replace('"4 - Low": S4', '"4 - Low": S5')
    )
    found = problems(text)
    joined = "\n".join(found)
    assert "timestamp.timezone: unknown time zone 'Mars/Base'" in joined
    assert "tier.rules[0].match: '(' is not a regular expression" in joined
    assert "severity 'S5' is unknown; expected one of: S1, S2, S3, S4" in joined
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines) and all(n > 1 for n in lines)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("Closed: closed}", "Closed: finished}"), "neither a lifecycle status nor a listed pause"),
        (('format: "%d/%m/%Y %H:%M"', 'format: "%d/%m/%Y %Q"'), "not a usable strptime format"),
        (('format: "%d/%m/%Y %H:%M"', 'format: "dd/mm/yyyy"'), "is not a timestamp format"),
        (("order_by: [timestamp,", "order_by: [time,"), "'time' is not an order key"),
        (
            ("team: {column: group, default: unassigned}", "team: {column: group, constant: x}"),
            "expected exactly one of column, columns or constant",
        ),
        (("default: L1", "default: L4"), "tier 'L4' is not in levels"),
    ],
)
def test_wrong_values_are_refused_with_what_is_expected(
    change: tuple[str, str], expected: str
) -> None:
    text = MAPPING.replace(*change)
    assert text != MAPPING
    assert any(expected in p for p in problems(text))


def test_missing_required_sections_are_named() -> None:
    found = problems("name: x\ncase: {id: number}\n")
    assert any("timestamp: missing required key 'timestamp'" in p for p in found)
    assert any("status: missing required key 'status'" in p for p in found)


def test_rules_that_need_another_key_say_so() -> None:
    text = MAPPING.replace("agent: {column: assignee, if_missing: clear}\n", "")
    assert any("acceptance.when: agent_set needs the agent" in p for p in problems(text))


def test_duplicate_keys_and_non_mappings_are_refused() -> None:
    assert any("appears twice" in p for p in problems(MAPPING + "\nname: again\n"))
    assert any("holds no mapping" in p for p in problems("- a\n- b\n"))
    assert any("holds no mapping" in p for p in problems(""))


def test_numbers_in_value_tables_are_read_as_text() -> None:
    m = mapping(MAPPING.replace("Closed: closed}", "Closed: closed, -100: open}")).mapping
    assert m.status.values["-100"] == "open"


def test_a_file_that_does_not_exist_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as exc:
        load_mapping(tmp_path / "nope.yaml")
    assert "no such file" in exc.value.problems[0].format()


# --------------------------------------------------------------------------- other layouts


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('values: {"1 - Critical": S1,', 'rules: [{match: "(P1", value: S1}]\n  values: {'),
            "severity.rules[0].match: '(P1' is not a regular expression",
        ),
        (
            ('values: {"1 - Critical": S1,', 'rules: [{match: "^P1", value: S9}]\n  values: {'),
            "severity 'S9' is unknown; expected one of: S1, S2, S3, S4",
        ),
        (
            ("Closed: closed}", "Closed: closed}\n  rules: [{match: '^Done', value: done}]"),
            "'/^Done/' maps to 'done', which is neither a lifecycle status nor a listed pause",
        ),
        (
            ("  id: number\n", "  id: {column: number, when: {column: state, values: [New]}}\n"),
            "case.id.when: every row needs this; expected no when condition here",
        ),
        (
            ("team: {column: group,", "team: {when: {column: state, values: []}, column: group,"),
            "team.when.values: values is empty",
        ),
        (("name: test_desk", "name: test_desk\ncsv: {encoding: latin-9x}"), "unknown encoding"),
        (("name: test_desk", "name: test_desk\ncsv: {encoding: rot13}"), "unknown encoding"),
        (("name: test_desk", "name: test_desk\ncsv: {delimiter: ';;'}"), "is not one character"),
        (("name: test_desk", "name: test_desk\ncsv: {skip_lines: -1}"), "csv.skip_lines"),
        (
            ("  default: L1\n", "  default: L1\n  other: L4\n"),
            "tier 'L4' is not in levels",
        ),
        (
            ("  default: L1\n", "  default: L1\n  other: keep\n"),
            "tier: values and other translate a tier column; expected column: NAME",
        ),
    ],
)
def test_layout_options_are_checked_where_they_are_written(
    change: tuple[str, str], expected: str
) -> None:
    text = MAPPING.replace(*change)
    assert text != MAPPING
    found = problems(text)
    assert any(expected in p for p in found), found
    assert all(p.startswith("m.yaml:") and int(p.split(":")[1]) > 1 for p in found), found


def test_tab_delimiter_patterns_conditions_and_tier_keep_are_accepted() -> None:
    text = (
        MAPPING.replace("name: test_desk", "name: test_desk\ncsv: {delimiter: tab, skip_lines: 2}")
        .replace(
            'values: {"1 - Critical": S1,',
            'rules: [{match: "^p1", value: S1, ignore_case: true}]\n  values: {',
        )
        .replace(
            "team: {column: group, default: unassigned}",
            "team: {column: group, values: {Desk: L1 desk}, other: keep}",
        )
        .replace(
            "agent: {column: assignee, if_missing: clear}",
            "agent: {column: assignee, if_missing: clear, when: {column: state, values: [Active]}}",
        )
    )
    m = mapping(text).mapping
    assert m.csv.delimiter == "\t" and m.csv.skip_lines == 2
    assert m.severity is not None and m.severity.rules[0].ignore_case
    assert m.team is not None and m.team.other == "keep"
    assert m.agent is not None and m.agent.when is not None
    assert "state" in m.columns()  # a condition's column is read
    tiered = mapping(
        MAPPING.replace(
            '  rules:\n    - {match: "^L3", tier: L3}\n    - {match: "^L2", tier: L2}\n',
            "  column: group\n  values: {Up: L2}\n  other: keep\n",
        )
    ).mapping
    assert tiered.tier is not None and tiered.tier.other == "keep"
