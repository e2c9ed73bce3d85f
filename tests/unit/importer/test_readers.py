"""Readers: CSV (plain, gzip, zip with __MACOSX) and XES (plain, gzip), streamed, line-numbered."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from tierline.importer.mapping import CsvOptions
from tierline.importer.readers import LogError, file_digest, read_csv, read_xes

from .helpers import row, write_log

ROWS = [
    row("INC1", "New", "1/3/2016 09:00", 0),
    row("INC1", "Active", "1/3/2016 10:00", 1, assignee="Ann"),
]
COLUMNS = ["number", "state", "assignee"]


@pytest.mark.parametrize("kind", ["csv", "gz", "zip"])
def test_csv_plain_gzip_and_zip_give_the_same_rows(tmp_path: Path, kind: str) -> None:
    path = write_log(tmp_path, ROWS, kind)
    got = list(read_csv(path, COLUMNS, CsvOptions()))
    assert got == [(2, ("INC1", "New", "?")), (3, ("INC1", "Active", "Ann"))]


def test_a_zip_with_several_logs_needs_a_member(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "number\nx\n")
        z.writestr("b.csv", "number\ny\n")
    with pytest.raises(LogError, match="member"):
        list(read_csv(path, ["number"], CsvOptions()))
    assert list(read_csv(path, ["number"], CsvOptions(member="b.csv"))) == [(2, ("y",))]
    with pytest.raises(LogError, match=r"no member 'c\.csv'"):
        list(read_csv(path, ["number"], CsvOptions(member="c.csv")))


def test_an_unknown_column_is_refused_before_any_row_with_a_suggestion(tmp_path: Path) -> None:
    path = write_log(tmp_path, ROWS)
    with pytest.raises(LogError, match="no column 'asignee' \\(did you mean 'assignee'\\?\\)"):
        list(read_csv(path, ["number", "asignee"], CsvOptions()))


def test_multi_line_fields_short_rows_and_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes('\ufeffnumber;note;extra\nA;"two\nlines";1\nB;short\n'.encode())
    got = list(read_csv(path, ["number", "note", "extra"], CsvOptions(delimiter=";")))
    assert got == [(3, ("A", "two\nlines", "1")), (4, ("B", "short", None))]


def test_quoted_and_plain_records_mixed_read_as_csv_reads_them(tmp_path: Path) -> None:
    """Plain lines are split, quoted ones go through csv: same fields, same line numbers."""
    path = tmp_path / "mixed.csv"
    body = 'a,b,c\r\n1,x,y\r\n\r\n2,"p, q",r\r\n3,"multi\r\nline ""quoted""",s\r\n4,,\r\n5'
    path.write_bytes(body.encode())
    got = list(read_csv(path, ["c", "a", "b"], CsvOptions()))
    assert got == [
        (2, ("y", "1", "x")),
        (4, ("r", "2", "p, q")),
        (6, ("s", "3", 'multi\r\nline "quoted"')),
        (7, ("", "4", "")),
        (8, (None, "5", None)),
    ]


def test_a_file_with_every_field_quoted_reads_the_same(tmp_path: Path) -> None:
    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    rows = [(str(i), f"team {i % 7}", f"note {i}") for i in range(300)]
    plain.write_text("id,team,note\n" + "".join(",".join(r) + "\n" for r in rows))
    quoted.write_text(
        '"id","team","note"\n' + "".join(",".join(f'"{v}"' for v in r) + "\n" for r in rows)
    )
    columns = ["note", "id"]
    expected = [(i + 2, (f"note {i}", str(i))) for i in range(300)]
    assert list(read_csv(plain, columns, CsvOptions())) == expected
    assert list(read_csv(quoted, columns, CsvOptions())) == expected


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no such file"):
        list(read_csv(tmp_path / "none.csv", ["a"], CsvOptions()))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(LogError, match="empty"):
        list(read_csv(tmp_path / "empty.csv", ["a"], CsvOptions()))


XES = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <string key="concept:name" value="the log itself"/>
  <global scope="event"><string key="org:group" value="UNKNOWN"/></global>
  <trace>
    <string key="concept:name" value="1-100"/>
    <event>
      <string key="org:group" value="V30"/>
      <string key="concept:name" value="Queued"/>
      <date key="time:timestamp" value="2010-03-31T16:59:42+02:00"/>
      <string key="meta" value="outer"><string key="org:group" value="nested, ignored"/></string>
    </event>
    <event>
      <string key="org:group" value="V5 3rd"/>
      <string key="concept:name" value="Accepted"/>
      <date key="time:timestamp" value="2010-04-01T09:00:00+02:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="1-200"/>
    <event><string key="concept:name" value="Completed"/></event>
  </trace>
</log>
"""
XES_COLUMNS = ["trace:concept:name", "concept:name", "org:group", "time:timestamp"]
XES_ROWS = [
    (7, ["1-100", "Queued", "V30", "2010-03-31T16:59:42+02:00"]),
    (13, ["1-100", "Accepted", "V5 3rd", "2010-04-01T09:00:00+02:00"]),
    (21, ["1-200", "Completed", None, None]),
]


def test_xes_events_with_trace_attributes_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    path.write_text(XES)
    assert list(read_xes(path, XES_COLUMNS)) == XES_ROWS


def test_gzipped_xes_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(XES.encode()))
    assert list(read_xes(path, XES_COLUMNS)) == XES_ROWS


def test_broken_xes_is_a_log_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.xes"
    path.write_text(XES.replace("</trace>\n  <trace>", "</trace>\n  <trace", 1))
    with pytest.raises(LogError, match=r"bad.xes:\d+: not well-formed XES"):
        list(read_xes(path, XES_COLUMNS))


def test_file_identity_is_its_content(tmp_path: Path) -> None:
    a = write_log(tmp_path, ROWS, name="a")
    b = write_log(tmp_path, ROWS, name="b")
    c = write_log(tmp_path, ROWS[:1], name="c")
    assert file_digest(a) == file_digest(b) != file_digest(c)


def test_a_byte_order_mark_decides_the_encoding(tmp_path: Path) -> None:
    text = "number\tnote\nA\tcafé\n"
    for name, data in [
        ("utf16.csv", text.encode("utf-16")),  # Excel's "Unicode text": UTF-16 with a BOM
        ("utf8.csv", b"\xef\xbb\xbf" + text.encode()),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        options = CsvOptions(delimiter="\t", encoding="latin-1")  # the mark wins
        assert list(read_csv(path, ["number", "note"], options)) == [(2, ("A", "café"))], name
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    options = CsvOptions(delimiter="\t", encoding="latin-1")
    assert list(read_csv(path, ["note"], options)) == [(2, ("café",))]


def test_lines_before_the_header_are_skipped_and_still_counted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nExported 2023-03-14\nnumber;state\nA;New\n")
    got = list(read_csv(path, ["state", "number"], CsvOptions(delimiter=";", skip_lines=2)))
    assert got == [(4, ("New", "A"))]


def test_a_wrong_delimiter_is_named_with_the_one_the_header_seems_to_use(tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("Incident ID;DateStamp;IncidentActivity_Type\nIM1;07-01-2013 08:17:17;Open\n")
    with pytest.raises(LogError, match=r"is the delimiter ';'\? \(csv: \{delimiter: ';'\}\)"):
        list(read_csv(path, ["Incident ID"], CsvOptions()))


@pytest.mark.parametrize("kind", ["gz", "zip"])
def test_a_damaged_file_is_a_log_error_not_a_traceback(tmp_path: Path, kind: str) -> None:
    path = write_log(tmp_path, ROWS * 200, kind)
    data = path.read_bytes()
    if kind == "gz":
        path.write_bytes(data[: len(data) // 2])  # truncated
    else:
        at = data.index(b"INC1") if b"INC1" in data else len(data) // 3
        path.write_bytes(data[:at] + bytes(b ^ 0xFF for b in data[at : at + 64]) + data[at + 64 :])
    with pytest.raises(LogError, match="cannot be read to the end"):
        list(read_csv(path, COLUMNS, CsvOptions()))
    xes = tmp_path / "log.xes.gz"
    xes.write_bytes(gzip.compress(XES.encode())[:-12])
    with pytest.raises(LogError, match="cannot be read to the end"):
        list(read_xes(xes, XES_COLUMNS))
