"""Reading a whole log through a mapping: rows → cases, with every bad row accounted for.

Rows are read as a stream and only the mapped facts of each row are kept (a few short strings,
shared between rows that repeat them), grouped by case. Then each case's rows are put in the
mapping's order and translated. A case with a bad row is dropped whole: an import or a replay
never sees half a case. Problems are kept with their line numbers; the report shows the first
few and counts them all.
"""

from __future__ import annotations

import gc
import operator
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tierline.importer.mapping import Mapping
from tierline.importer.readers import read_log
from tierline.importer.rows import MappedRow, RowMapper, RowProblem, compile_rules
from tierline.importer.translate import CaseBuilder, SourceCase

#: How many problems are kept in full (all are counted).
KEEP_PROBLEMS = 1000


@dataclass(frozen=True)
class RowIssue:
    line: int
    case: str | None
    message: str

    def format(self) -> str:
        where = f"line {self.line}" + (f" (case {self.case})" if self.case else "")
        return f"{where}: {self.message}"


@dataclass
class LogContents:
    """A log read through a mapping: good cases in order of first appearance, and problems."""

    cases: list[SourceCase] = field(default_factory=list)
    rows: int = 0
    bad_rows: int = 0
    dropped_rows: int = 0  # good rows of skipped cases
    #: Rows with no value in any column the mapping reads (a spreadsheet's empty ";;;;" lines):
    #: passed over, not bad.
    blank_rows: int = 0
    skipped_cases: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    read_seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(len(c.events) for c in self.cases)

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "cases": len(self.cases),
            "events": self.events,
            "bad_rows": self.bad_rows,
            "skipped_cases": self.skipped_cases,
            "rows_of_skipped_cases": self.dropped_rows,
            "blank_rows": self.blank_rows,
            "problems": [i.format() for i in self.issues[:20]],
        }


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause garbage collection while many small, long-lived objects are made (a log's cases,
    a replay's outcomes), then hand the survivors to the oldest generation as they are.

    Why: a running collector would rescan the growing heap again and again; merely switched
    back on, its next young-generation pass would still walk every survivor once more (about
    0.2 s for the ServiceNow log's 300,000 objects, a sixth of reading it). ``gc.freeze`` then
    ``gc.unfreeze`` moves every tracked object to the oldest generation instead, left to the
    next full collection as any long-lived data is; garbage among them is collected then too
    (so what the work leaves in cycles should be let go of first: ``RowMapper.release``).
    Skipped when the work fails (its garbage is collected at once then), where the process
    keeps frozen objects of its own (a server that froze its start-up heap before forking),
    and where the caller had paused collection itself."""
    enabled = gc.isenabled()
    gc.disable()
    done = False
    try:
        yield
        done = True
    finally:
        if enabled:
            if done and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


class TooManyRows(ValueError):
    """The log has more rows than the caller allows (the API bounds synchronous replays)."""


def read_cases(
    path: str | os.PathLike[str],
    mapping: Mapping,
    *,
    progress: Callable[[int], None] | None = None,
    max_rows: int | None = None,
) -> LogContents:
    """Read, group, order and translate every case of the log at ``path``.

    ``progress`` is called with the number of rows read so far (every 10,000 rows).
    """
    started = time.perf_counter()
    with collector_paused():  # hundreds of thousands of small objects, kept
        out = _read(path, mapping, progress, max_rows)
    out.read_seconds = time.perf_counter() - started
    return out


def _read(
    path: str | os.PathLike[str],
    mapping: Mapping,
    progress: Callable[[int], None] | None,
    max_rows: int | None,
) -> LogContents:
    out = LogContents()
    mapper = RowMapper(mapping)
    case_of, map_row = mapper.case_of, mapper.map_row
    #: case → [first row, last row (in the case's order), every row in file order...], or
    #: _BAD once the case has a bad row (its rows are dropped, its place kept).
    groups: dict[str, list[MappedRow]] = {}
    bad = _BAD
    rows = dropped = 0
    limit = max_rows if max_rows is not None else -1
    step = 10_000 if progress is not None else -1
    for line, values in read_log(path, mapping):
        rows += 1
        if rows == limit + 1:
            raise TooManyRows(f"the log has more than {max_rows} rows")
        if step > 0 and rows % step == 0:
            progress(rows)  # type: ignore[misc]
        try:
            row = map_row(line, values)
        except RowProblem as exc:
            case = case_of(values)
            if case is None and all(v is None or not v.strip() for v in values):
                out.blank_rows += 1
                continue
            _issue(out, RowIssue(line, case, str(exc)))
            if case is not None:
                group = groups.get(case)
                if group is not bad:
                    dropped += len(group) - 2 if group is not None else 0
                    groups[case] = bad
            continue
        case = row.case
        group = groups.get(case)
        if group is None:
            groups[case] = [row, row, row]
        elif group is bad:
            dropped += 1  # a good row of a case that has a bad one
        else:
            group.append(row)
            # Only the case's first and last rows keep their raw values (memory).
            first, last = group[0], group[1]
            if row.order >= last.order:
                group[1] = row
                if last is not first:
                    last.values = _NO_VALUES
            elif row.order < first.order:
                group[0] = row
                if first is not last:
                    first.values = _NO_VALUES
            else:
                row.values = _NO_VALUES
    out.rows, out.dropped_rows = rows, dropped
    if progress is not None:
        progress(rows)
    builder = CaseBuilder(mapping, mapper, compile_rules(mapping))
    order = operator.attrgetter("order")
    skipped = 0
    for group in groups.values():
        if group is bad:
            skipped += 1
            continue
        case_rows = group[2:]
        group.clear()
        case_rows.sort(key=order)
        out.cases.append(builder.build(case_rows))
    out.skipped_cases = skipped
    mapper.release()
    return out


_NO_VALUES: tuple[str | None, ...] = ()
_BAD: list[MappedRow] = []  # the marker of a case with a bad row


def _issue(out: LogContents, issue: RowIssue) -> None:
    out.bad_rows += 1
    if len(out.issues) < KEEP_PROBLEMS:
        out.issues.append(issue)
