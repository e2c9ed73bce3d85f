"""The stored communication deadlines of each case: kept in step with its clocks on every write,
so compliance questions are queries, not replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tierline.domain.clocks import Clock, ClockSet
from tierline.domain.vocabulary import COMMUNICATION_CLOCKS, MESSAGE_KIND_OF_CLOCK, ClockState
from tierline.store.driver_rows import insert_rows
from tierline.store.tables import communications

_STATUS = {
    ClockState.MET: "met",
    ClockState.MET_LATE: "met_late",
    ClockState.CANCELLED: "cancelled",
    ClockState.BREACHED: "missed",
}


_UPSERTS: dict[str, Any] = {}
_FIELDS = ("kind", "opens_at", "due_at", "sent_at", "status", "owner", "team", "updated_at")


def _upsert(dialect: str) -> Any:
    """The insert-or-update statement, built once per dialect (building it costs more than
    running it)."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        ins = (
            pg_insert(communications) if dialect == "postgresql" else sqlite_insert(communications)
        )
        stmt = ins.on_conflict_do_update(
            index_elements=["case_id", "clock_key"],
            set_={k: ins.excluded[k] for k in _FIELDS},
        )
        _UPSERTS[dialect] = stmt
    return stmt


def status_of(clock: Clock) -> str:
    if clock.state in _STATUS:
        return _STATUS[clock.state]
    return "pending"


class CommunicationRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def sync(
        self,
        case_id: int,
        clocks: ClockSet,
        owner: str | None,
        team: str | None,
        now: datetime,
        *,
        new_case: bool = False,
    ) -> None:
        """Bring the case's stored communications in line with its clocks (``new_case``: there
        is nothing stored yet, so no need to look)."""
        wanted: dict[str, dict[str, Any]] = {}
        for c in clocks.clocks:
            if c.kind not in COMMUNICATION_CLOCKS:
                continue
            opens = next((s.at for s in c.stages if s.name == "open"), None)
            wanted[c.key] = {
                "kind": MESSAGE_KIND_OF_CLOCK.get(c.kind, c.kind.value),
                "opens_at": opens,
                "due_at": c.due_at,
                "sent_at": c.stopped_at
                if c.state in (ClockState.MET, ClockState.MET_LATE)
                else None,
                "status": status_of(c),
            }
        if not wanted:
            return
        stored = (
            {}
            if new_case
            else {
                r.clock_key: (r.status, r.due_at)
                for r in self.conn.execute(
                    select(
                        communications.c.clock_key, communications.c.status, communications.c.due_at
                    ).where(communications.c.case_id == case_id)
                )
            }
        )
        rows = []
        for key, v in wanted.items():
            old = stored.get(key)
            if old is not None and old[0] == v["status"] and old[1] == v["due_at"]:
                continue
            if old is not None and old[0] in ("met", "met_late", "missed", "cancelled"):
                # Settled outcomes keep the owner they were settled with.
                self.conn.execute(
                    update(communications)
                    .where(communications.c.case_id == case_id, communications.c.clock_key == key)
                    .values(**v, updated_at=now)
                )
                continue
            rows.append(
                {
                    "case_id": case_id,
                    "clock_key": key,
                    "owner": owner,
                    "team": team,
                    "updated_at": now,
                    **v,
                }
            )
        if rows and new_case:  # nothing stored to conflict with: a plain insert
            insert_rows(self.conn, communications, rows, copy=False)
        elif rows:
            self.conn.execute(_upsert(self.conn.dialect.name), rows)

    def compliance(
        self,
        since: datetime,
        until: datetime,
        group_by: str,
        kind: str | None = None,
        team: str | None = None,
        owner: str | None = None,
    ) -> list[dict[str, Any]]:
        """Required messages due in [since, until): sent on time, late, missed, by a dimension."""
        col = {
            "kind": communications.c.kind,
            "team": communications.c.team,
            "agent": communications.c.owner,
        }[group_by]
        filters = [
            communications.c.due_at >= since,
            communications.c.due_at < until,
            communications.c.status != "cancelled",
        ]
        if kind:
            filters.append(communications.c.kind == kind)
        if team:
            filters.append(communications.c.team == team)
        if owner:
            filters.append(communications.c.owner == owner)

        def count(status: str) -> Any:
            return func.sum(case((communications.c.status == status, 1), else_=0))

        q = (
            select(
                col.label("key"),
                func.count().label("required"),
                count("met").label("met"),
                count("met_late").label("met_late"),
                count("missed").label("missed"),
                count("pending").label("pending"),
            )
            .where(and_(*filters))
            .group_by(col)
            .order_by(col)
        )
        out = []
        for r in self.conn.execute(q).mappings():
            settled = int(r["met"] or 0) + int(r["met_late"] or 0) + int(r["missed"] or 0)
            out.append(
                {
                    group_by: r["key"],
                    "required": int(r["required"]),
                    "met": int(r["met"] or 0),
                    "met_late": int(r["met_late"] or 0),
                    "missed": int(r["missed"] or 0),
                    "pending": int(r["pending"] or 0),
                    "on_time_rate": round(int(r["met"] or 0) / settled, 4) if settled else None,
                }
            )
        return out
