"""Streaming readers for event logs: CSV (plain, gzip, or inside a zip) and XES (plain or gzip).

A reader yields ``(line, values)`` for every event, ``values`` aligned with the columns the
mapping asked for (None where the event has no such column), so nothing downstream depends on
the file's layout. Files are read as streams: a 46 MB CSV inside a zip is never unpacked to
disk or held in memory whole.

* CSV: the header names the columns; a mapping naming a column the header lacks is refused
  before any row is read. ``line`` is the file line where the record ends (as ``csv`` counts).
* XES: read with ``pyexpat`` (the standard library's streaming XML parser, which also knows the
  line of each element). Event attributes are keyed as in the file (``org:group``,
  ``time:timestamp``); attributes of the trace are available with a ``trace:`` prefix
  (``trace:concept:name`` is the case id of a standard XES log). Nested attributes are ignored.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import itertools
import operator
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from xml.parsers import expat

from tierline.importer.mapping import CsvOptions, Mapping
from tierline.policy.errors import one_of

Values = Sequence[str | None]
_CHUNK = 1 << 20
_XES_VALUE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})
csv.field_size_limit(16 * 1024 * 1024)


class LogError(ValueError):
    """The log cannot be read at all (not a row-level problem): no such file, no header…"""


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of the file's bytes: the file's identity for import runs (its name may change)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(_CHUNK), b""):
                h.update(block)
    except OSError as exc:
        raise LogError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    return h.hexdigest()


def detect_format(path: str | os.PathLike[str], mapping: Mapping) -> str:
    if mapping.format:
        return mapping.format
    name = str(path).lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    return "csv"


def read_log(path: str | os.PathLike[str], mapping: Mapping) -> Iterator[tuple[int, Values]]:
    """Every event of the log as ``(line, values)`` in file order (see the module docstring)."""
    columns = mapping.columns()
    if detect_format(path, mapping) == "xes":
        return read_xes(path, columns)
    return read_csv(path, columns, mapping.csv)


# --------------------------------------------------------------------------- opening


@contextmanager
def open_binary(path: str | os.PathLike[str], member: str | None = None) -> Iterator[IO[bytes]]:
    """The log's bytes, unwrapped from gzip or zip (magic bytes decide, not the extension)."""
    p = Path(path)
    if not p.is_file():
        raise LogError(f"{path}: no such file; expected the path of an event log")
    with open(p, "rb") as raw:
        magic = raw.read(4)
    if magic[:2] == b"\x1f\x8b":
        with gzip.open(p, "rb") as g:
            yield g  # type: ignore[misc]  # a GzipFile reads bytes like any IO[bytes]
    elif magic == b"PK\x03\x04":
        with zipfile.ZipFile(p) as z:
            name = _zip_member(z, member, str(path))
            with z.open(name) as m:
                yield m
    else:
        with open(p, "rb") as f:
            yield f


def _zip_member(z: zipfile.ZipFile, member: str | None, path: str) -> str:
    names = [
        n
        for n in z.namelist()
        if not n.startswith("__MACOSX/") and not n.endswith("/") and "/._" not in f"/{n}"
    ]
    if member is not None:
        if member not in names:
            raise LogError(f"{path}: the zip has no member '{member}'; {one_of(names, member)}")
        return member
    logs = [n for n in names if n.lower().endswith((".csv", ".xes", ".csv.gz", ".txt"))]
    if len(logs) == 1:
        return logs[0]
    if len(names) == 1:
        return names[0]
    raise LogError(
        f"{path}: the zip holds {len(names)} files; expected csv: member: <name> in the "
        f"mapping ({', '.join(names[:10])})"
    )


# --------------------------------------------------------------------------- CSV


#: What a damaged file raises while it is read (a truncated gzip, a zip with a bad CRC, a quote
#: never closed that makes a field larger than the limit…): a LogError, never a traceback.
_BROKEN = (OSError, EOFError, zlib.error, zipfile.BadZipFile, csv.Error)


def _broken(path: str | os.PathLike[str], exc: Exception) -> LogError:
    return LogError(f"{path}: the file cannot be read to the end ({exc}); expected an intact log")


def read_csv(
    path: str | os.PathLike[str], columns: Sequence[str], options: CsvOptions
) -> Iterator[tuple[int, Values]]:
    try:
        with open_binary(path, options.member) as raw:
            # A byte-order mark decides the encoding (gzip, zip members and files all peek).
            peek = raw.peek(4)[:4]  # type: ignore[attr-defined]
            text = io.TextIOWrapper(
                raw, encoding=bom_encoding(peek) or options.encoding, errors="replace", newline=""
            )
            lines = iter(text)
            skipped = sum(1 for _ in itertools.islice(lines, options.skip_lines))
            head = csv.reader(lines, delimiter=options.delimiter, quotechar=options.quotechar)
            wanted = _wanted(path, head, columns, options)
            yield from _csv_rows(lines, skipped + head.line_num, wanted, options)
    except _BROKEN as exc:
        raise _broken(path, exc) from None


def _wanted(
    path: str | os.PathLike[str],
    head: Iterator[list[str]],
    columns: Sequence[str],
    options: CsvOptions,
) -> list[int]:
    """The positions of ``columns`` in the header (the next record of ``head``)."""
    try:
        header = next(head)
    except StopIteration:
        raise LogError(f"{path}: the file is empty; expected a header row") from None
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    header = [h.strip() for h in header]
    index = {name: i for i, name in enumerate(header)}
    unknown = [c for c in columns if c not in index]
    if unknown:
        raise LogError(
            f"{path}: the header has no column "
            + ", ".join(f"'{c}' ({one_of(header, c)})" for c in unknown)
            + _delimiter_hint(header, options.delimiter)
        )
    return [index[c] for c in columns]


def _delimiter_hint(header: Sequence[str], delimiter: str) -> str:
    """When the header reads as one field holding another usual separator: say which."""
    if len(header) != 1:
        return ""
    shown = {";": "';'", "\t": "tab", ",": "','", "|": "'|'"}
    for sep, name in shown.items():
        if sep != delimiter and sep in header[0]:
            hint = f"csv: {{delimiter: {name}}}"
            return f"; the header is one field: is the delimiter {name}? ({hint})"
    return ""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of a file declares (the codec named drops
    the mark), or None without one."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _picker(wanted: Sequence[int]) -> Callable[[list[str]], Values]:
    """The wanted fields of a split record, as a tuple, in one C call where possible."""
    if len(wanted) > 1:
        return operator.itemgetter(*wanted)
    if wanted:
        only = wanted[0]
        return lambda row: (row[only],)
    return lambda row: ()


def _csv_rows(
    lines: Iterator[str], line: int, wanted: Sequence[int], options: CsvOptions
) -> Iterator[tuple[int, Values]]:
    """The records after the header, as ``csv`` reads them, faster.

    A physical line without the quote character is one record whose fields are exactly
    ``line.split(delimiter)`` (``csv`` would give the same), which is much cheaper than the
    ``csv`` state machine. A line with a quote is handed to ``csv`` with the lines after it, so a
    quoted field may hold delimiters and newlines; a file where quotes are common (every field
    quoted, say) is read by ``csv`` alone from then on. ``line`` counts physical lines, as
    ``csv``'s ``line_num`` does: a record's line is the one where it ends.
    """
    delimiter, quote = options.delimiter, options.quotechar
    dialect = {"delimiter": delimiter, "quotechar": quote}
    width = max(wanted) + 1 if wanted else 0
    pick = _picker(wanted)
    quoted = records = 0
    mostly_quoted = False
    for text in lines:
        line += 1
        if quote in text:
            reader = csv.reader(itertools.chain((text,), lines), **dialect)  # type: ignore[arg-type]
            row = next(reader)
            line += reader.line_num - 1
            quoted += 1
            mostly_quoted = quoted >= 64 and quoted * 4 > records
        else:
            text = text.rstrip("\r\n")
            if not text:
                continue
            row = text.split(delimiter, width)  # the fields after the last wanted stay one
        records += 1
        yield line, (pick(row) if len(row) >= width else _padded(row, wanted))
        if mostly_quoted:
            break  # quotes are common here: the rest is read by csv alone
    else:
        return
    reader = csv.reader(lines, **dialect)  # type: ignore[arg-type]
    for row in reader:
        if row:
            values = pick(row) if len(row) >= width else _padded(row, wanted)
            yield line + reader.line_num, values


def _padded(row: list[str], wanted: Sequence[int]) -> Values:
    """The wanted fields of a short record: None for those it lacks."""
    return tuple(row[i] if i < len(row) else None for i in wanted)


# --------------------------------------------------------------------------- XES


class _XesState:
    """What the expat callbacks build: the current trace's and event's attributes."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.in_trace = False
        self.in_event = False
        self.trace: dict[str, str] = {}
        self.event: dict[str, str] = {}
        self.event_line = 0
        self.ready: list[tuple[int, Values]] = []
        self.attr_depth = 0  # nesting of attribute elements: only depth 1 is read

    def start(self, tag: str, attrs: dict[str, str], line: int) -> None:
        tag = tag.rpartition(":")[2]  # a prefixed element (xes:trace) is the same element
        if tag == "trace":
            self.in_trace, self.trace = True, {}
        elif tag == "event" and self.in_trace:
            self.in_event, self.event, self.event_line = True, {}, line
        elif self.in_trace:
            self.attr_depth += 1
            if self.attr_depth == 1 and tag in _XES_VALUE_TAGS and "key" in attrs:
                target = self.event if self.in_event else self.trace
                target[attrs["key"]] = attrs.get("value", "")

    def end(self, tag: str) -> None:
        tag = tag.rpartition(":")[2]
        if tag == "event" and self.in_event:
            self.in_event = False
            values = self.event
            trace = self.trace
            row: list[str | None] = []
            for c in self.columns:
                if c.startswith("trace:"):
                    row.append(trace.get(c[6:]))
                else:
                    row.append(values.get(c))
            self.ready.append((self.event_line, row))
        elif tag == "trace":
            self.in_trace = False
        elif self.in_trace and self.attr_depth > 0:
            self.attr_depth -= 1


def read_xes(path: str | os.PathLike[str], columns: Sequence[str]) -> Iterator[tuple[int, Values]]:
    state = _XesState(columns)
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(tag: str, attrs: dict[str, str]) -> None:
        state.start(tag, attrs, parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = state.end
    try:
        with open_binary(path) as raw:
            while True:
                chunk = raw.read(_CHUNK)
                try:
                    parser.Parse(chunk, not chunk)
                except expat.ExpatError as exc:
                    raise LogError(f"{path}:{exc.lineno}: not well-formed XES: {exc}") from None
                if state.ready:
                    yield from state.ready
                    state.ready = []
                if not chunk:
                    break
    except _BROKEN as exc:
        raise _broken(path, exc) from None
