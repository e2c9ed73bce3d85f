"""Reading a whole log through a mapping: rows → cases, with every bad row accounted for.

Rows are read as a stream and only the mapped facts of each row are kept (a few short strings,
shared between rows that repeat them), grouped by case. Then each case's rows are put in the
mapping's order and translated. A case with a bad row is dropped whole: an import or a replay
never sees half a case. Problems are kept with their line numbers; the report shows the first
few and counts them all.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
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
            "problems": [i.format() for i in self.issues[:20]],
        }


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
    enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small objects: the collector would rescan them all
    try:
        out = _read(path, mapping, progress, max_rows)
    finally:
        if enabled:
            gc.enable()
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
    groups: dict[str, list[MappedRow]] = {}
    ends: dict[str, list[MappedRow]] = {}  # case → [first row, last row] in the case's order
    bad: dict[str, int] = {}  # case → number of bad rows
    for line, values in read_log(path, mapping):
        out.rows += 1
        if max_rows is not None and out.rows > max_rows:
            raise TooManyRows(f"the log has more than {max_rows} rows")
        if progress is not None and out.rows % 10_000 == 0:
            progress(out.rows)
        try:
            case = mapper.case_of(values)
            if case is None:
                raise RowProblem("the case id is missing; expected every row to name its case")
        except RowProblem as exc:
            _issue(out, RowIssue(line, None, str(exc)))
            continue
        try:
            row = mapper.map(line, case, values)
        except RowProblem as exc:
            _issue(out, RowIssue(line, case, str(exc)))
            bad[case] = bad.get(case, 0) + 1
            out.dropped_rows += len(groups.pop(case, ()))
            ends.pop(case, None)
            continue
        if case in bad:
            out.dropped_rows += 1  # a good row of a case that has a bad one
            continue
        rows = groups.get(case)
        if rows is None:
            groups[case] = [row]
            ends[case] = [row, row]
        else:
            rows.append(row)
            _keep_ends(ends[case], row)
    if progress is not None:
        progress(out.rows)
    builder = CaseBuilder(mapping, mapper, compile_rules(mapping))
    for rows in groups.values():
        rows.sort(key=_order_key)
        out.cases.append(builder.build(rows))
        rows.clear()
    out.skipped_cases = len(bad)
    return out


def _order_key(row: MappedRow) -> tuple[object, ...]:
    return row.order


_NO_VALUES: tuple[str | None, ...] = ()


def _keep_ends(ends: list[MappedRow], row: MappedRow) -> None:
    """Track a case's first and last rows; the raw values of every other row are dropped."""
    first, last = ends
    if row.order < first.order:
        ends[0] = row
        if first is not last:
            first.values = _NO_VALUES
    elif row.order >= last.order:
        ends[1] = row
        if last is not first:
            last.values = _NO_VALUES
    else:
        row.values = _NO_VALUES


def _issue(out: LogContents, issue: RowIssue) -> None:
    out.bad_rows += 1
    if len(out.issues) < KEEP_PROBLEMS:
        out.issues.append(issue)
