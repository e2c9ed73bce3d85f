"""The append-only event log: case history and audit trail in one, hash-chained per case.

Each event's hash covers its content and the previous event's hash; the case row keeps the
sequence number and hash of the last event (the chain head). ``verify`` recomputes every chain:
an edited row no longer matches its hash, a deleted or inserted row breaks the sequence or the
link, and a truncated tail no longer matches the head stored on the case.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select

from tierline.domain.events import CaseEvent, EventKind
from tierline.store.driver_rows import insert_rows
from tierline.store.tables import cases, events

GENESIS = "0" * 64


def _canonical_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), default=str,
    ensure_ascii=False)``, through the C encoder ``json.dumps`` itself uses, made once:
    ``json.dumps`` makes a new one on every call, which costs more than encoding a small event.
    (Without circular-reference checks: event data is JSON-ready, hence never circular.)
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the pure-Python encoder, built once
        return json.JSONEncoder(
            sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
        ).encode
    encode = make(None, str, json.encoder.encode_basestring, None, ":", ",", True, False, True)
    join = "".join
    return lambda value: join(encode(value, 0))


_CANONICAL = _canonical_encoder()


def _canonical(value: Any) -> str:
    return _CANONICAL(value)


@lru_cache(maxsize=8192)  # equal instants format alike; histories repeat the same instants
def _instant(at: datetime) -> str:
    """Instants hash in UTC at microsecond precision, whatever zone they were written in."""
    utc = at.astimezone(UTC)
    if utc.year >= 1000:  # the same text as the strftime below, several times faster
        return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # the C library decides how years < 1000 look


def event_hash(
    prev_hash: str,
    case_id: int,
    seq: int,
    at: datetime,
    kind: str,
    actor: str | None,
    data: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> str:
    body = _canonical([case_id, seq, _instant(at), kind, actor, data, before, after])
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def canonical(value: Any) -> str:
    """The text a part of an event hashes as (see :func:`event_hash_of_texts`)."""
    return _CANONICAL(value)


def canonical_instant(at: datetime) -> str:
    """The text an event's instant hashes as (see :func:`event_hash_of_texts`)."""
    return _CANONICAL(_instant(at))


def event_hash_of_texts(
    prev_hash: str,
    case_id: int,
    seq: int,
    at: str,
    kind: str,
    actor: str,
    data: str,
    before: str,
    after: str,
) -> str:
    """:func:`event_hash` from the :func:`canonical` texts of the event's parts (the instant's
    from :func:`canonical_instant`), for writers of many events that repeat the same parts
    (kinds, actors, instants, changes) and can keep their texts: the hashed body is the
    canonical list of the parts, so it is the same text and the same hash."""
    body = f"[{case_id:d},{seq:d},{at},{kind},{actor},{data},{before},{after}]"
    h = _SHA256.copy()  # cheaper than looking the algorithm up again for every event
    h.update((prev_hash + body).encode())
    return h.hexdigest()


_SHA256 = hashlib.sha256()


@dataclass(frozen=True)
class PendingEvent:
    event: CaseEvent
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True)
class Chained:
    """Event rows hashed onto a chain head, ready to insert, and the head they lead to."""

    rows: list[dict[str, Any]]
    seq: int
    head: str
    seqs: list[int]


def chain(
    case_id: int,
    pending: Sequence[PendingEvent],
    head_seq: int,
    head_hash: str,
    recorded_at: datetime,
) -> Chained:
    """Hash ``pending`` onto the chain head without touching the database, so a new case's
    events can be chained before the write lock is taken, and hashed once."""
    rows = []
    seq, prev = head_seq, head_hash or GENESIS
    seqs = []
    for p in pending:
        seq += 1
        ev = p.event
        data = dict(ev.data)
        h = event_hash(prev, case_id, seq, ev.at, ev.kind.value, ev.actor, data, p.before, p.after)
        rows.append(
            {
                "case_id": case_id,
                "seq": seq,
                "at": ev.at,
                "recorded_at": recorded_at,
                "kind": ev.kind.value,
                "actor": ev.actor,
                "data": data,
                "before": p.before,
                "after": p.after,
                "prev_hash": prev,
                "hash": h,
            }
        )
        seqs.append(seq)
        prev = h
    return Chained(rows, seq, prev, seqs)


@dataclass(frozen=True)
class AuditProblem:
    case_id: int
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"case {self.case_id}" + (f" event {self.seq}" if self.seq is not None else "")
        return f"{where}: {self.message}"


class EventLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def write(self, chained: Chained) -> None:
        """Insert rows made by :func:`chain` (against the head the case row has now)."""
        insert_rows(self.conn, events, chained.rows, copy=False)

    def history(self, case_id: int) -> list[CaseEvent]:
        rows = self.conn.execute(
            select(events.c.at, events.c.kind, events.c.data, events.c.actor)
            .where(events.c.case_id == case_id)
            .order_by(events.c.seq)
        )
        return [CaseEvent(r.at, EventKind(r.kind), r.data or {}, r.actor) for r in rows]

    def timeline(self, case_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            select(events).where(events.c.case_id == case_id).order_by(events.c.seq)
        ).mappings()
        return [dict(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(events)).scalar_one())

    # ----------------------------------------------------------------- verification

    def verify(self, case_ids: Sequence[int] | None = None) -> Iterator[AuditProblem]:
        """Recompute every chain (or those of ``case_ids``) and yield each problem found."""
        head_q = select(cases.c.id, cases.c.audit_seq, cases.c.audit_head)
        if case_ids is not None:
            head_q = head_q.where(cases.c.id.in_(case_ids))
        heads = {r.id: (r.audit_seq, r.audit_head) for r in self.conn.execute(head_q)}
        q = select(events).order_by(events.c.case_id, events.c.seq)
        if case_ids is not None:
            q = q.where(events.c.case_id.in_(case_ids))
        current: int | None = None
        prev, expected_seq = GENESIS, 1
        seen: set[int] = set()

        def close(case_id: int, last_seq: int, last_hash: str) -> Iterator[AuditProblem]:
            head = heads.get(case_id)
            if head is None:
                yield AuditProblem(case_id, None, "events exist for a case that is missing")
            elif head != (last_seq, last_hash):
                yield AuditProblem(
                    case_id,
                    None,
                    f"chain ends at event {last_seq} but the case records head {head[0]}: "
                    "events were deleted or added",
                )

        last_seq, last_hash = 0, GENESIS
        for r in self.conn.execute(q).mappings():
            cid = r["case_id"]
            if cid != current:
                if current is not None:
                    yield from close(current, last_seq, last_hash)
                current, prev, expected_seq = cid, GENESIS, 1
                seen.add(cid)
            if r["seq"] != expected_seq:
                yield AuditProblem(
                    cid, r["seq"], f"expected event {expected_seq}: an event is missing"
                )
            if r["prev_hash"] != prev:
                yield AuditProblem(cid, r["seq"], "link to the previous event is broken")
            h = event_hash(
                r["prev_hash"],
                cid,
                r["seq"],
                r["at"],
                r["kind"],
                r["actor"],
                r["data"] or {},
                r["before"],
                r["after"],
            )
            if h != r["hash"]:
                yield AuditProblem(
                    cid, r["seq"], "content does not match its hash: the row was edited"
                )
            prev, expected_seq = r["hash"], r["seq"] + 1
            last_seq, last_hash = r["seq"], r["hash"]
        if current is not None:
            yield from close(current, last_seq, last_hash)
        for cid, (seq, _) in heads.items():
            if cid not in seen and seq > 0:
                yield AuditProblem(cid, None, f"the case records {seq} events but none are stored")
