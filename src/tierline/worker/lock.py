"""SQLite allows one worker: a second one refuses to start, saying why.

The lock is an ``flock`` on a file next to the database, so it disappears with the process that
held it (a crashed worker never blocks its successor), which a row in the database could not do.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import Engine


class WorkerAlreadyRunning(RuntimeError):
    pass


class SingleWorkerLock:
    def __init__(self, engine: Engine) -> None:
        database = engine.url.database or ""
        if not database or database == ":memory:":
            self.path = None
        else:
            self.path = Path(database).resolve().with_suffix(Path(database).suffix + ".worker.lock")
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        fh = open(self.path, "a+")  # noqa: SIM115 - held open for the worker's lifetime
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise WorkerAlreadyRunning(
                f"another worker ({holder}) is already running on this SQLite database "
                f"({self.path.with_suffix('')}); SQLite supports one worker at a time. "
                "Stop it first, or use PostgreSQL (TIERLINE_DATABASE_URL) to run several."
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
