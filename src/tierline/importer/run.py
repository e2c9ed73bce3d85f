"""``import events``: a log into the store, idempotent and resumable (R-CASE-4).

* **Idempotent.** A case is known by ``(source, external_ref)``: the mapping's source and the
  log's case id. Cases already stored are never written again, so importing a file twice adds
  nothing; a run that finds an earlier *complete* run of the same file (same bytes, SHA-256) with
  the same mapping stops at once.
* **Never half a case.** Cases are written in batches, each one transaction holding every row of
  its cases (case, events, escalations); a case with a bad row is not written at all.
* **Resumable.** An interrupted run (Ctrl-C, a crash, a lost connection) keeps the batches it
  committed and is recorded as ``interrupted``; running the same import again continues from
  there (it skips the cases already stored) and records which run it resumed.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tierline.importer.log import read_cases
from tierline.importer.mapping_load import LoadedMapping
from tierline.importer.projection import CaseRows, Context, case_rows
from tierline.importer.readers import file_digest
from tierline.importer.store import (
    allocate_case_ids,
    ensure_accounts,
    existing_refs,
    find_runs,
    start_run,
    update_run,
    write_batch,
)
from tierline.importer.translate import SourceCase
from tierline.service.runtime import Tierline

log = logging.getLogger("tierline.importer")

#: ``progress(phase, done, total)``: phase is "reading" (rows) or "importing" (cases).
Progress = Callable[[str, int, int | None], None]


@dataclass
class ImportResult:
    run_id: int
    status: str  # complete, unchanged (an earlier run imported this file), interrupted
    file: str
    source: str
    resumed_from: int | None = None
    rows: int = 0
    cases_in_file: int = 0
    imported: int = 0
    existing: int = 0
    events_written: int = 0
    bad_rows: int = 0
    skipped_cases: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def to_data(self) -> dict[str, Any]:
        return {**asdict(self), "rows_per_second": round(self.rows_per_second)}


def import_events(
    rt: Tierline,
    path: str | os.PathLike[str],
    loaded: LoadedMapping,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> ImportResult:
    started = time.perf_counter()
    mapping = loaded.mapping
    source = mapping.source_name
    sha = file_digest(path)
    active = rt.active()
    plan_digest = rt.ensure_plan(active)
    with rt.uow() as uow:
        earlier = find_runs(uow.conn, sha, loaded.digest)
        done = next((r for r in earlier if r["status"] == "complete"), None)
        if done is not None:
            return ImportResult(
                int(done["id"]),
                "unchanged",
                str(path),
                source,
                rows=done["rows"],
                cases_in_file=done["cases_in_file"],
                existing=done["cases_in_file"],
                bad_rows=done["bad_rows"],
                skipped_cases=done["skipped_cases"],
                problems=list(done["problems"] or []),
                seconds=time.perf_counter() - started,
            )
        resumed = int(earlier[-1]["id"]) if earlier else None
        run_id = start_run(
            uow.conn,
            {
                "source": source,
                "file_name": Path(path).name[:500],
                "file_sha256": sha,
                "mapping_name": mapping.name,
                "mapping_digest": loaded.digest,
                "status": "running",
                "resumed_from": resumed,
                "started_at": rt.now(),
                "problems": [],
                "policy_version": active.version,
            },
        )
        uow.commit()
    result = ImportResult(run_id, "running", str(path), source, resumed_from=resumed)
    enabled = gc.isenabled()
    gc.disable()  # every batch builds many small acyclic objects; refcounting frees them
    try:
        _run(rt, path, loaded, active, plan_digest, batch_size, progress, result)
    except BaseException:
        result.status = "interrupted"
        try:
            _record(rt, result, finished=False)
        except Exception as exc:  # the store may be what failed; a re-run resumes all the same
            log.warning("import run %s: could not record the interruption: %s", run_id, exc)
        raise
    finally:
        if enabled:
            gc.enable()
    result.status = "complete"
    result.seconds = time.perf_counter() - started
    _record(rt, result, finished=True)
    return result


def _run(
    rt: Tierline,
    path: str | os.PathLike[str],
    loaded: LoadedMapping,
    active: Any,
    plan_digest: str,
    batch_size: int,
    progress: Progress | None,
    result: ImportResult,
) -> None:
    report: Callable[[int], None] | None = None
    if progress is not None:
        report = lambda n: progress("reading", n, None)  # noqa: E731
    contents = read_cases(path, loaded.mapping, progress=report)
    result.rows = contents.rows
    result.cases_in_file = len(contents.cases)
    result.bad_rows = contents.bad_rows
    result.skipped_cases = contents.skipped_cases
    result.problems = [i.format() for i in contents.issues[:100]]
    with rt.uow(readonly=True) as uow:
        stored = existing_refs(uow.conn, result.source)
    todo = [c for c in contents.cases if c.ref not in stored]
    result.existing = len(contents.cases) - len(todo)
    ctx = Context(
        result.source, active.policy, active.plan, plan_digest, active.calendars, rt.now()
    )
    if progress is not None:
        progress("importing", 0, len(todo))
    batches = [todo[start : start + batch_size] for start in range(0, len(todo), batch_size)]
    writer = _Writer(rt, result, ctx, len(todo), progress)
    if rt.engine.dialect.name == "postgresql":
        _overlapped(rt, ctx, batches, writer)
    else:
        for batch in batches:
            writer.write(batch, None)
            writer.done()


class _Writer:
    """Writes one batch of cases per transaction, with the run's counts, and reports progress."""

    def __init__(
        self,
        rt: Tierline,
        result: ImportResult,
        ctx: Context,
        total: int,
        progress: Progress | None,
    ) -> None:
        self.rt, self.result, self.ctx, self.total, self.progress = rt, result, ctx, total, progress
        self.accounts: set[str] = set()  # those ensured by batches already written
        self.imported, self.events = result.imported, result.events_written

    def write(self, batch: list[SourceCase], rows: list[CaseRows] | None) -> None:
        """One batch in one transaction: its accounts, case ids (unless given), rows, counts."""
        result, ctx = self.result, self.ctx
        with self.rt.uow() as uow:
            new = {c.account for c in batch if c.account and c.account not in self.accounts}
            ensure_accounts(uow.conn, new, ctx.recorded_at)
            if rows is None:
                ids = allocate_case_ids(uow.conn, len(batch))
                rows = [case_rows(c, cid, ctx) for c, cid in zip(batch, ids, strict=True)]
            written = write_batch(uow.conn, rows)
            counts = _counts(result)
            counts["cases_imported"] = imported = self.imported + len(batch)
            counts["events_written"] = events = self.events + written
            update_run(uow.conn, result.run_id, counts)
            uow.commit()
        self.accounts |= new
        self.imported, self.events = imported, events

    def done(self) -> None:
        """The batches written so far are committed: count them, and report."""
        self.result.imported, self.result.events_written = self.imported, self.events
        if self.progress is not None:
            self.progress("importing", self.result.imported, self.total)


def _overlapped(
    rt: Tierline, ctx: Context, batches: list[list[SourceCase]], writer: _Writer
) -> None:
    """PostgreSQL: the rows of the next batch are computed while the server stores this one.

    The server works on its own core, so the projections (this process's work) and the inserts
    (mostly the server's) overlap instead of taking turns. One writer thread writes the batches
    in order, one at a time, each in its own transaction exactly as without it; case ids come
    from the ``cases`` sequence, outside the batch's transaction (a sequence is not
    transactional anyway). A batch is handed over only once the previous one has committed and
    been counted, so an interruption leaves whole batches and counts that match them.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="tierline-import") as pool:
        pending: Future[None] | None = None
        try:
            for batch in batches:
                with rt.uow() as uow:
                    ids = allocate_case_ids(uow.conn, len(batch))
                    uow.commit()
                rows = [case_rows(c, cid, ctx) for c, cid in zip(batch, ids, strict=True)]
                if pending is not None:
                    waiting, pending = pending, None
                    waiting.result()
                    writer.done()
                pending = pool.submit(writer.write, batch, rows)
            if pending is not None:
                waiting, pending = pending, None
                waiting.result()
                writer.done()
        except BaseException:
            if pending is not None:  # the batch in flight commits or fails: count what committed
                wait([pending])
                writer.result.imported = writer.imported
                writer.result.events_written = writer.events
            raise


def _counts(result: ImportResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "cases_in_file": result.cases_in_file,
        "cases_imported": result.imported,
        "cases_existing": result.existing,
        "events_written": result.events_written,
        "bad_rows": result.bad_rows,
        "skipped_cases": result.skipped_cases,
        "problems": result.problems,
    }


def _record(rt: Tierline, result: ImportResult, *, finished: bool) -> None:
    with rt.uow() as uow:
        values = {**_counts(result), "status": result.status}
        if finished:
            values["finished_at"] = rt.now()
        update_run(uow.conn, result.run_id, values)
        uow.commit()
