"""Group commit on SQLite: the writes a process has prepared go in together, in one turn of the
write lock.

SQLite has one writer at a time, and the API's worker processes take turns. A turn costs more
than its writes: BEGIN, COMMIT, the handoff to the other process (its thread must wake and get
its GIL back: p50 0.25 ms, mean 0.5 ms measured) and, after the other process's turn, SQLite
re-reading what it had cached. New cases are prepared outside the lock (case_opening.py); those
a process prepares while the other one holds the lock are written together in its next turn.
Each goes in a savepoint of its own, so one that fails is rolled back alone; all are committed
together, and each request is answered only after that commit, so none is reported stored
before it is.

The thread that finds no turn under way leads one: it takes the write lock, writes every job
queued by then, commits, and hands the lead to a thread whose job came in meanwhile. While it
writes, no preparation runs in its process (``PREPARING``): a preparing thread would hold the
GIL whenever the writer's SQLite calls release it, and keep the lock held longer than the
preparation saved.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

from tierline.service.runtime import Tierline
from tierline.store.uow import UnitOfWork

T = TypeVar("T")

#: Held while a new case is prepared, and by a turn's writer while it writes.
PREPARING = threading.Lock()


@dataclass(eq=False)
class _Job(Generic[T]):
    write: Callable[[UnitOfWork], T]
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # this job's thread is to lead the next turn
    done: bool = False
    result: T | None = None
    error: BaseException | None = None


class _Queue:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: list[_Job[Any]] = []
        self.turn = False  # a turn is under way or handed over


#: One queue per engine (a disposed engine's goes with it).
_QUEUES: weakref.WeakKeyDictionary[Engine, _Queue] = weakref.WeakKeyDictionary()
_QUEUES_GUARD = threading.Lock()


def _queue(rt: Tierline) -> _Queue:
    queue = _QUEUES.get(rt.engine)
    if queue is None:
        with _QUEUES_GUARD:
            queue = _QUEUES.setdefault(rt.engine, _Queue())
    return queue


def write_together(rt: Tierline, write: Callable[[UnitOfWork], T]) -> T:
    """Run ``write`` inside a write transaction shared with the writes other threads of this
    process queued meanwhile, and return its result once that transaction has committed."""
    queue = _queue(rt)
    job: _Job[T] = _Job(write)
    with queue.lock:
        queue.jobs.append(job)
        if not queue.turn:
            queue.turn = job.lead = True
    while not job.done:
        if job.lead:
            job.lead = False
            _turn(rt, queue)
            continue
        job.wake.wait()
        job.wake.clear()
    if job.error is not None:
        raise job.error
    return job.result  # type: ignore[return-value]  # set when done without error


def _turn(rt: Tierline, queue: _Queue) -> None:
    jobs: list[_Job[Any]] = []
    try:
        with rt.uow() as uow, PREPARING:
            with queue.lock:
                jobs, queue.jobs = queue.jobs, []
            driver: Any = uow.conn.connection.driver_connection
            for job in jobs:
                driver.execute("SAVEPOINT tierline_job")
                try:
                    job.result = job.write(uow)
                except Exception as exc:  # this job's refusal: the others go on
                    driver.execute("ROLLBACK TO tierline_job")
                    job.error = exc
                driver.execute("RELEASE tierline_job")
            uow.commit()
    except BaseException as exc:
        with queue.lock:
            if not jobs:  # failed before taking them (the lock not obtained in time)
                jobs, queue.jobs = queue.jobs, []
        for job in jobs:
            if job.error is None:
                job.error, job.result = exc, None
        if not isinstance(exc, Exception):
            raise
    finally:
        with queue.lock:
            following = queue.jobs[0] if queue.jobs else None
            if following is None:
                queue.turn = False
            else:
                following.lead = True
        for job in jobs:
            job.done = True
            job.wake.set()
        if following is not None:
            following.wake.set()
