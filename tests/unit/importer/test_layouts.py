"""Logs in layouts unlike the shared two, each read by a mapping alone (examples/mappings/):

* a BPI Challenge 2014 (Rabobank) style activity log: ';', day-first stamps, "#N/B", the status
  from the activity type with every other activity ignored;
* the "Helpdesk" process-mining log (Polato et al.): status and team both from the activity;
* a Jira issue history: tab-separated, UTF-8 with a BOM, epoch milliseconds, comments quoted over
  several lines, priorities as text matched by patterns;
* a Zendesk-style field-change log: Latin-1, every field quoted, ISO stamps with offsets, one row
  per changed field (``when``);
* an Excel export: Windows-1252, a ``sep=;`` line, date and time in two columns, blank rows;
* an XES log with start/complete lifecycle, org:resource / org:role and trace attributes.

The fixtures are small hand-made files in ``fixtures/``; each test checks the histories, the
bad rows with their lines, and that a bad row drops its whole case.
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from tierline.domain.case import fold
from tierline.importer.log import LogContents, read_cases
from tierline.importer.mapping_load import load_mapping
from tierline.importer.translate import SourceCase

FIXTURES = Path(__file__).parent / "fixtures"
MAPPINGS = Path(__file__).resolve().parents[3] / "examples" / "mappings"


def read(log: str | Path, mapping: str) -> LogContents:
    path = log if isinstance(log, Path) else FIXTURES / log
    return read_cases(path, load_mapping(MAPPINGS / mapping).mapping)


def by_ref(contents: LogContents) -> dict[str, SourceCase]:
    return {c.ref: c for c in contents.cases}


def kinds(case: SourceCase) -> list[str]:
    return [e.kind.value for e in case.events if e.kind.value != "note"]


def transfers(case: SourceCase) -> list[tuple[str, str, str]]:
    return [
        (e.data["to_team"], e.data["to_tier"], e.data["direction"])
        for e in case.events
        if e.kind.value == "escalated"
    ]


def statuses(case: SourceCase) -> list[str]:
    return [e.data["to"] for e in case.events if e.kind.value == "status_changed"]


def test_bpic2014_activity_log_status_from_activities() -> None:
    got = read("bpic2014_detail_incident_activity.csv", "bpic2014_incident_activity.yaml")
    assert (got.rows, len(got.cases), got.bad_rows, got.skipped_cases) == (38, 4, 2, 1)
    assert [i.format() for i in got.issues] == [
        "line 30 (case IM0000023): timestamp: '31-02-2013 10:00:00' is not a real date and time "
        "(day is out of range for month)",
        "line 32: the case id is missing; expected every row to name its case",
    ]
    assert got.dropped_rows == 3  # IM0000023's good rows go with its bad one
    cases = by_ref(got)
    assert list(cases) == ["IM0000004", "IM0000011", "IM0000017", "IM0000029"]

    im4 = cases["IM0000004"]
    assert kinds(im4) == [
        "opened",
        "status_changed",
        "escalated",
        "accepted",  # the group's next activity picks it up (next_row)
        "status_changed",
        "closed",
    ]
    assert im4.events[0].at.isoformat() == "2013-01-07T07:17:17+00:00"  # Amsterdam, winter
    assert transfers(im4) == [("TEAM0120", "L2", "up")]
    assert statuses(im4) == ["open", "waiting_on_vendor"]  # Operator Update etc. say nothing
    assert im4.attributes == {"knowledge_article": "KM0000553", "interaction": "SD0000007"}
    assert im4.final_attributes == {"last_activity": "001A3697330"}

    im11 = cases["IM0000011"]  # rows interleaved with other incidents in the file
    assert kinds(im11) == [
        "opened",
        "status_changed",
        "closed",
        "reopened",
        "escalated",
        "accepted",
        "closed",
    ]
    assert transfers(im11) == [("TEAM0215", "L3", "up")]
    assert fold("IM0000011", im11.events).reopen_count == 1

    im17 = cases["IM0000017"]  # ping-pong between the desk and a second-line group
    assert im17.teams == ["TEAM0008", "TEAM0121", "TEAM0008", "TEAM0121"]
    assert [d for _, _, d in transfers(im17)] == ["up", "down", "up"]
    assert im17.attributes["knowledge_article"] is None  # "#N/B"

    im29 = cases["IM0000029"]  # still open at the end of the log, after a vendor wait
    assert statuses(im29) == ["open", "waiting_on_vendor", "open"]
    assert fold("IM0000029", im29.events).status == "open"


def test_helpdesk_log_team_and_status_from_the_activity() -> None:
    got = read("helpdesk_finale.csv", "helpdesk_activity_log.yaml")
    assert (got.rows, len(got.cases), got.bad_rows) == (33, 5, 1)
    assert (
        got.issues[0]
        .format()
        .startswith(
            "line 30 (case Case 1010): timestamp: '2012/04/31 10:02:10.000' is not a real date"
        )
    )
    cases = by_ref(got)
    assert "Case 1010" not in cases

    c1 = cases["Case 1"]
    assert kinds(c1) == [
        "opened",
        "status_changed",
        "assigned",  # another agent takes it in charge
        "assigned",
        "resolved",
        "assigned",  # the closing resource
        "closed",
    ]
    opened = c1.events[0].data
    assert (opened["team"], opened["tier"], opened["severity"], opened["owner"]) == (
        "first_line",
        "L1",
        "S4",
        "Value 1",
    )
    assert c1.events[0].at.isoformat() == "2012-10-09T12:50:17+00:00"  # Rome, summer time

    c10 = cases["Case 10"]  # "Require upgrade": the second line, picked up when taken in charge
    assert transfers(c10) == [("second_line", "L2", "up")]
    accepted = next(e for e in c10.events if e.kind.value == "accepted")
    assert accepted.data["by"] == "Value 5"

    c1003 = cases["Case 1003"]  # up to the second line, then to development
    assert transfers(c1003) == [("second_line", "L2", "up"), ("development", "L3", "up")]
    assert c1003.teams == ["first_line", "second_line", "development"]
    assert Counter(kinds(c1003))["accepted"] == 2  # development resolving the anomaly

    c100 = cases["Case 100"]
    assert statuses(c100) == ["open", "waiting", "open"]
    assert c100.final_attributes == {"variant": "Variant 3"}
    assert c100.attributes["workgroup"] == "Value 2"


def test_jira_tsv_with_bom_epoch_ms_multiline_fields_and_text_priorities() -> None:
    got = read("jira_issue_history.tsv", "jira_issue_history.yaml")
    assert (got.rows, len(got.cases), got.bad_rows, got.skipped_cases) == (20, 3, 1, 1)
    # Line numbers are the file's: records with quoted newlines span several lines.
    assert [i.format() for i in got.issues] == [
        "line 24 (case SUP-1045): severity 'Px - Unknown' is not in the mapping; expected one "
        "of: High, Highest, Low, Lowest, Medium, or a value matching /^P1\\b/, /^P2\\b/, "
        "/^P3\\b/, /^P4\\b/"
    ]
    cases = by_ref(got)
    sup42, sup43, sup44 = cases["SUP-1042"], cases["SUP-1043"], cases["SUP-1044"]
    first = sup42.events[0]
    assert first.at.isoformat() == "2024-01-08T09:12:44.026000+00:00"  # epoch milliseconds
    assert (first.data["channel"], first.data["account_id"]) == ("email", "Acme Logistics")
    assert sup42.contact_name == "Amélie Durand"  # UTF-8, the BOM not in the first header
    assert sup42.subject == "VPN drops every 10 minutes"
    assert transfers(sup42) == [("Service Desk L2 - Network", "L2", "up")]
    assert [e.data["to"] for e in sup42.events if e.kind.value == "severity_changed"] == ["S2"]
    assert statuses(sup42) == ["open", "waiting_on_customer", "open"]
    assert kinds(sup42)[-2:] == ["resolved", "closed"]
    # "Highest" and "P1 - Blocker" are both S1: no severity change.
    assert sup43.events[0].data["severity"] == "S1"
    assert "severity_changed" not in kinds(sup43)
    assert transfers(sup43) == [("Platform Engineering (L3)", "L3", "up")]
    assert Counter(kinds(sup43))["resolved"] == 2 and "reopened" in kinds(sup43)
    assert sup44.events[0].data["severity"] == "S4"  # "p4 - minor": ignore_case
    assert sup44.contact_name == "Chen Wei 陈伟"
    comment = sup43.final_attributes["last_comment"]
    assert comment == "Root cause: leak in PDF renderer, patched"
    assert first.data["line"] == 2 and sup42.events[-1].data["line"] == 12


def test_zendesk_field_events_latin1_iso_offsets_and_when_conditions() -> None:
    got = read("zendesk_ticket_events.csv", "zendesk_ticket_events.yaml")
    assert (got.rows, len(got.cases), got.bad_rows) == (33, 3, 1)
    assert got.issues[0].format() == (
        "line 33 (case 48215): timestamp: '2023-03-32T08:10:00+01:00' is not an ISO 8601 "
        "timestamp (such as 2010-03-31T16:59:42+02:00)"
    )
    cases = by_ref(got)
    t13, t14, t16 = cases["48213"], cases["48214"], cases["48216"]
    opened = t13.events[0]
    assert opened.at.isoformat() == "2023-03-14T08:12:44+00:00"  # +01:00 kept
    assert opened.actor == "Zoë Müller" and t13.account == "Société Générale"  # Latin-1
    # The first group named is the case's team (an assignment), not a transfer from nowhere.
    assert (opened.data["team"], t13.events[1].kind.value, t13.events[1].data["team"]) == (
        None,
        "assigned",
        "Tier 1 Support",
    )
    assert t13.teams == ["Tier 1 Support", "Tier 2 Support"] and t13.team_changes == 1
    # Rows about other fields (priority, group, comments) say nothing about the status.
    assert statuses(t13) == ["open", "waiting_on_customer", "open"]
    assert kinds(t13)[-2:] == ["resolved", "closed"]
    assert transfers(t13) == [("Tier 2 Support", "L2", "up")]
    owners = [e.data["owner"] for e in t13.events if e.kind.value == "assigned"][1:]
    assert owners == ["Jürgen Groß", None]  # an empty assignee row clears the assignee
    accepted = next(e for e in t13.events if e.kind.value == "accepted")
    assert accepted.data["by"] == "Ana Ibáñez"
    assert [e.data["to"] for e in t13.events if e.kind.value == "severity_changed"] == ["S2"]
    closed = next(e for e in t13.events if e.kind.value == "closed")
    assert closed.at.isoformat() == "2023-03-27T14:10:09+00:00"  # +02:00 after the change

    assert statuses(t14) == ["open", "on_hold", "open"]
    assert transfers(t14) == [("Engineering (Tier 3)", "L3", "up")]
    # take: last with a when condition: the last row that names tags, wherever it is.
    assert t14.final_attributes == {"tags": "vendor_bug payment_gateway"}
    assert t13.final_attributes == {"tags": None}
    assert t16.teams == [None] and kinds(t16) == ["opened", "severity_changed", "closed"]


def test_excel_export_cp1252_sep_line_date_and_time_columns_blank_rows() -> None:
    got = read("excel_desk_export.csv", "excel_desk_export.yaml")
    assert (got.rows, len(got.cases), got.bad_rows, got.blank_rows) == (20, 3, 1, 1)
    assert got.issues[0].format() == (
        "line 19 (case T-2023-0417): timestamp: '25.03.2023 25:10' is not a real date and "
        "time (hour must be in 0..23)"
    )
    cases = by_ref(got)
    t15, t16, t18 = cases["T-2023-0415"], cases["T-2023-0416"], cases["T-2023-0418"]
    assert t15.events[0].data["line"] == 3  # the sep= line and the header are lines 1 and 2
    assert t15.events[0].at.isoformat() == "2023-03-14T07:02:00+00:00"  # Berlin, winter
    assert t15.account == "Müller & Söhne GmbH"
    assert statuses(t15) == ["open", "waiting_on_customer", "open"]
    assert t16.subject == "Rechnung über 1.200 € doppelt gebucht"  # cp1252's euro sign
    assert transfers(t16) == [
        ("2nd Level Buchhaltung", "L2", "up"),
        ("3rd Level Entwicklung", "L3", "up"),
    ]
    assert t16.events[0].data["severity"] == "S2"
    assert "reopened" in kinds(t16)
    # Summer time starts on 26 March 2023 at 02:00 in Berlin.
    assert [e.at.isoformat() for e in t18.events] == [
        "2023-03-26T00:30:00+00:00",
        "2023-03-26T01:30:00+00:00",
        "2023-03-26T01:30:00+00:00",
        "2023-03-26T02:00:00+00:00",
    ]


@pytest.mark.parametrize("gzipped", [False, True])
def test_xes_lifecycle_resources_roles_and_trace_attributes(tmp_path: Path, gzipped: bool) -> None:
    log = FIXTURES / "itsm_lifecycle.xes"
    if gzipped:
        log = tmp_path / "itsm_lifecycle.xes.gz"
        log.write_bytes(gzip.compress((FIXTURES / "itsm_lifecycle.xes").read_bytes()))
    got = read(log, "itsm_lifecycle_xes.yaml")
    assert (got.rows, len(got.cases), got.bad_rows, got.skipped_cases) == (19, 2, 2, 1)
    assert [i.format() for i in got.issues] == [
        "line 164 (case INC-7003): the timestamp is missing; expected every row to have one",
        "line 173: the case id is missing; expected every row to name its case",
    ]
    cases = by_ref(got)
    i1, i2 = cases["INC-7001"], cases["INC-7002"]
    opened = i1.events[0]
    assert opened.data["line"] == 27  # the line of the <event> element
    assert (opened.data["severity"], opened.data["channel"], opened.data["owner"]) == (
        "S2",
        "phone",
        "Anouk de Vries",
    )
    assert i1.account == "Hartmann Logistik" and i1.product_area == "ERP Finance"
    # Only the transitions the mapping lists change the status (Classify, the complete of
    # Work on incident and the Escalate event say nothing about it).
    assert statuses(i1) == ["open", "waiting_on_customer", "open"]
    assert transfers(i1) == [("Application Support L2", "L2", "up")]  # nested org:role ignored
    accepted = next(e for e in i1.events if e.kind.value == "accepted")
    assert (accepted.data["by"], accepted.data["line"]) == ("Jan Peeters", 68)  # its start
    assert i1.final_attributes == {"reopen_count": "0"}
    assert i2.events[0].data["severity"] == "S1"
    assert transfers(i2) == [("Database Engineering L3", "L3", "up")]
    assert fold("INC-7002", i2.events).reopen_count == 1
