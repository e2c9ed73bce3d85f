"""Case ids on PostgreSQL, drawn from the ``cases`` sequence a block at a time.

A plain new case whose account this process remembers writes one statement and reads nothing
(see ``service/case_opening.py``); asking the sequence for its id was the one round trip left,
and under load a thread waiting on a round trip also waits again for its process's GIL
(``docs/performance.md`` has the figures). So each engine (one per process) takes ids a block
at a time.

The price is the one PostgreSQL's own sequence ``CACHE`` documents: ids are unique but not in
the order cases were opened across processes, and a process that stops leaves the rest of its
block unused, as a gap. Nothing orders cases by id to mean "most recent" (lists order by
``opened_at``), and a case's audit chain starts from its own id, whatever it is.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import Connection

from tierline.store.per_engine import PerEngine

BLOCK = 16  # ids per round trip: a gap of at most this many per stopped process

_TAKE = "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, %s)"


class _Block:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: deque[int] = deque()


_block = PerEngine(_Block)


def take_case_id(conn: Connection) -> int:
    """A case id no other case has or will have (PostgreSQL), from this engine's block; an
    empty block is refilled through ``conn``'s driver, so a deferred transaction stays
    unbegun (``nextval`` is outside transactions anyway)."""
    block = _block(conn.engine)
    with block.lock:
        if not block.ids:
            dbapi: Any = conn.connection.driver_connection
            with dbapi.cursor() as cur:
                cur.execute(_TAKE, (BLOCK,))
                block.ids.extend(sorted(int(r[0]) for r in cur.fetchall()))
        return block.ids.popleft()
