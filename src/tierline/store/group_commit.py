"""PostgreSQL: new cases opened at once by one process's threads, stored by one statement.

A deferred unit of work whose only write is its gathered statement (a new case: its row,
events and communications; see :mod:`tierline.store.one_statement`) sends it alone, as a
transaction by itself. When several threads of one process reach that point together, each
statement cost the server a commit and an executor start, and the client a round trip, for
three rows. Here the first to arrive sends its statement at once; those arriving while it is
on the wire queue, and when it returns the first of them sends the queued statements merged
into one, on its own connection, for all of them; and so on. Nobody waits for a batch to fill:
a statement alone goes as soon as the previous one returned, as it would have gone anyway
once the server got to it.

The merged statement is atomic like each of its parts: every case in it is stored, or none.
If it fails for any reason (a stale row one part was decided from, a reused reference, a lost
connection), nothing of it is stored and each part is sent again by its own thread, alone, on
its own connection, so that a failure reaches the request it belongs to and no other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from tierline.store.per_engine import PerEngine

#: Most parts merged into one statement: the statement's shape (rows per table) decides which
#: prepared statement the server uses, and more sizes would mean more of them per connection.
MAX_PARTS = 8

Part = tuple[list[Any], list[Any]]  # (the gathered batch, the rows it expects unchanged)


@dataclass(eq=False)
class _Waiting:
    part: Part
    woken: threading.Event = field(default_factory=threading.Event)
    lead: list[_Waiting] | None = None  # set when this thread is to send for these
    stored: bool = False  # set when another thread's statement stored this part
    alone: bool = False  # set when this part must be sent again by itself


@dataclass(eq=False)
class _Line:
    lock: threading.Lock = field(default_factory=threading.Lock)
    busy: bool = False
    queue: list[_Waiting] = field(default_factory=list)
    sent: int = 0  # statements sent for the line (alone or merged), since the process started
    parts: int = 0  # parts they carried
    refused: int = 0  # merged statements that failed, whose parts were then sent alone


_line = PerEngine(_Line)


def totals(engine: Engine) -> dict[str, int]:
    """What this process's line for ``engine`` has sent: statements, the parts in them (their
    ratio is how much merging saved), and merged statements refused (for /metrics)."""
    line = _line.peek(engine)
    if line is None:
        return {"statements": 0, "parts": 0, "refused": 0}
    with line.lock:
        return {"statements": line.sent, "parts": line.parts, "refused": line.refused}


def store(conn: Connection, part: Part, send: Callable[[Connection, list[Part]], None]) -> None:
    """Store ``part`` (a deferred unit of work's whole write, ``conn`` in autocommit) with
    whatever other threads of this process are storing at the same moment: ``send`` sends the
    parts it is given as one statement."""
    line = _line(conn.engine)
    me = _Waiting(part)
    with line.lock:
        if line.busy:
            line.queue.append(me)
            group = None
        else:
            line.busy = True
            group = [me]
    if group is None:
        me.woken.wait()
        if me.stored:
            return
        if me.alone:
            send(conn, [part])
            return
        assert me.lead is not None
        group = me.lead
    failed: BaseException | None = None
    try:
        send(conn, [w.part for w in group])
    except BaseException as e:
        failed = e
    _hand_on(line, len(group), failed is not None and len(group) > 1)
    for w in group:
        if w is not me:
            w.stored, w.alone = failed is None, failed is not None
            w.woken.set()
    if failed is None:
        return
    if len(group) == 1 or not isinstance(failed, Exception):
        raise failed
    send(conn, [part])


def _hand_on(line: _Line, parts: int, refused: bool) -> None:
    """The next statement goes: the queued parts, sent by the first of their threads."""
    with line.lock:
        line.sent += 1
        line.parts += parts
        line.refused += refused
        if not line.queue:
            line.busy = False
            return
        group, line.queue = line.queue[:MAX_PARTS], line.queue[MAX_PARTS:]
        group[0].lead = group
        group[0].woken.set()
