"""The rows of one case → its Tierline history (domain events), as the record tells it.

The first row opens the case (at ``opened_at`` when the log records it). Then each row is
compared with the case so far and every difference becomes an event, in this order within a row:

1. a transfer awaiting pick-up is accepted if the row meets the mapping's acceptance rule;
2. a new team is a transfer (``escalated``: ``tier`` when it goes up a tier, ``functional``
   across or down, with ``direction`` up / down / across), or the cancellation of the pending
   transfer when the case goes back to the team that still owns it; the row may accept it at once.
   The first team of a case whose first rows named none is an assignment, not a transfer;
3. a new agent is an assignment (``assigned``), a new severity a ``severity_changed``;
4. a new status is ``status_changed``, ``resolved``, ``closed`` or, leaving a resolved or closed
   status, ``reopened`` (then the new status if it is not plain ``open``).

Events are the facts only: Tierline's automation did not run when the log was written, so no
trigger or clock stage is recorded here. Every event carries the ``line`` it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tierline.domain.events import CaseEvent, EventKind
from tierline.importer.mapping import Mapping
from tierline.importer.rows import KEEP, MappedRow, RowMapper, Value

TERMINAL = ("resolved", "closed")
RECORDED = "recorded"  # escalation ids of the record are "recorded-<n>"


@dataclass(slots=True)
class SourceCase:
    """One case of the log, translated: its history and what the case row needs besides."""

    ref: str  # the case id in the log (``external_ref``)
    events: list[CaseEvent]
    first_line: int
    rows: int
    account: str | None = None
    contact_name: str | None = None
    product_area: str = ""
    subject: str = ""
    attributes: dict[str, str | None] = field(default_factory=dict)
    final_attributes: dict[str, str | None] = field(default_factory=dict)
    team_changes: int = 0  # every change of team in the record, transfers or not
    teams: list[str | None] = field(default_factory=list)  # the record's teams, in order
    #: ``events[i].at.timestamp()``, known here at no cost: a replay orders a whole log's
    #: events by it, and computing it again per event is a measurable part of that.
    times: list[float] = field(default_factory=list)


@dataclass(slots=True)
class _Pending:
    escalation_id: str
    team: str | None
    tier: str | None
    row: int  # index of the transfer row
    agent_before: str | None


def _or(value: Value, previous: str | None) -> str | None:
    """A row's value, or the previous one where the row has none to give (KEEP)."""
    return previous if value is KEEP else value


_INSTANTS: dict[float, tuple[datetime, float]] = {}


def _at(t: float) -> tuple[datetime, float]:
    """Aware UTC instants, shared: logs repeat the same second (or minute) many times; with
    the instant's own ``timestamp()`` (``t`` itself may differ from it below the microsecond)."""
    hit = _INSTANTS.get(t)
    if hit is None:
        if len(_INSTANTS) > 1_000_000:
            _INSTANTS.clear()
        at = datetime.fromtimestamp(t, UTC)
        hit = _INSTANTS[t] = (at, at.timestamp())
    return hit


class CaseBuilder:
    """Builds one :class:`SourceCase` from its ordered rows (one builder per log)."""

    def __init__(
        self, mapping: Mapping, mapper: RowMapper, tier_of: Callable[[str | None], str | None]
    ) -> None:
        self.mapping = mapping
        self.mapper = mapper
        self.tier_of = tier_of
        self.levels = {t: i for i, t in enumerate(mapping.tier.levels)} if mapping.tier else {}
        self.tier_column = bool(mapping.tier is not None and mapping.tier.column)
        #: With a tier column, the tier of a case whose first row names none.
        self.first_tier = mapping.tier.default if mapping.tier and self.tier_column else None
        self.accept_rule = mapping.acceptance.when
        self.closure = mapping.closure
        self.firsts = mapper.firsts_of
        self.attributes_when = mapper.attributes_when  # (name, take last) of when-attributes
        self.attributes_of = mapper.attributes_of  # (first row's, last row's)

    def tier(self, row: MappedRow, team: str | None, current: str | None) -> str | None:
        if self.tier_column:
            return _or(row.tier, current)
        return self.tier_of(team)

    def accepts(self, row: MappedRow, agent: str | None, pending: _Pending, index: int) -> bool:
        rule = self.accept_rule
        if rule == "immediate":
            return True
        if rule == "next_row":
            return index > pending.row
        if rule == "agent_set":
            return agent is not None and agent != pending.agent_before
        return row.accept

    def direction(self, old: str | None, new: str | None) -> str:
        a, b = self.levels.get(old or "", -1), self.levels.get(new or "", -1)
        if a < 0 or b < 0 or a == b:
            return "across"
        return "up" if b > a else "down"

    def build(self, rows: Sequence[MappedRow]) -> SourceCase:
        return _Case(self, rows).build()


class _Case:
    """One case being translated: what the record says so far, and its events."""

    def __init__(self, builder: CaseBuilder, rows: Sequence[MappedRow]) -> None:
        self.b, self.rows = builder, rows
        first = rows[0]
        self.events: list[CaseEvent] = []
        self.times: list[float] = []
        self.last_t = first.t
        team = first.team
        self.team = None if team is KEEP else team  # the owning team (moves at acceptance)
        self.recorded_team = self.team  # the team the record names now, owner or not
        self.teams: list[str | None] = [self.team]
        self.tier = builder.tier(first, self.team, None) or builder.first_tier
        severity, agent, status = first.severity, first.agent, first.status
        self.severity = (None if severity is KEEP else severity) or "S3"
        self.agent = None if agent is KEEP else agent
        status = None if status is KEEP else status
        self.status = "new" if status is None or status in TERMINAL else status
        self.pending: _Pending | None = None
        self.transfers = self.changes = 0
        self.row, self.index = first, 0

    def add(self, kind: EventKind, data: dict[str, Any], t: float | None = None) -> None:
        row, last = self.row, self.last_t
        if t is None:
            t = row.t
        if t > last:  # a history runs forward, whatever the rows do
            self.last_t = last = t
        data["line"] = row.line
        hit = _INSTANTS.get(last)
        at, stamp = _at(last) if hit is None else hit
        self.events.append(CaseEvent(at, kind, data, row.actor))
        self.times.append(stamp)

    def build(self) -> SourceCase:
        first, b = self.rows[0], self.b
        contact_type, channel, account, contact, _, area, subject = b.firsts(first.values)
        attrs = b.attributes_of[0](first.values)
        finals = b.attributes_of[1](self.rows[-1].values)
        if b.attributes_when:
            self._attributes_when(attrs, finals)
        opened = (
            first.opened_t if first.opened_t is not None and first.opened_t <= first.t else None
        )
        data: dict[str, Any] = {
            "contact_type": contact_type or "imported",
            "channel": channel or None,
            "severity": self.severity,
            "status": self.status,
            "tier": self.tier,
            "team": self.team,
            "owner": self.agent,
            "account_id": account,
        }
        if attrs:
            data["attributes"] = attrs
        data["line"] = first.line
        at, stamp = _at(opened or first.t)
        self.events.append(CaseEvent(at, EventKind.OPENED, data, first.actor))
        self.times.append(stamp)
        # Most rows change nothing: each step below is called only when its row may.
        tier_column = b.tier_column
        for i, row in enumerate(self.rows):
            self.row, self.index = row, i
            agent = row.agent
            if agent is KEEP:
                agent = self.agent
            if self.pending is not None:
                self._acceptance(agent)
            team = row.team
            if i > 0 and (tier_column or (team is not KEEP and team != self.recorded_team)):
                self._team(row, agent)
            severity = row.severity
            if agent != self.agent or (
                severity is not KEEP and severity and severity != self.severity
            ):
                self._agent_and_severity(row, agent)
            status = row.status
            if status is KEEP or not status:
                status = self.status
            if status != self.status:
                self._status(status)
        last = self.rows[-1]
        if finals:
            self.row = last
            self.add(
                EventKind.NOTE,
                {"note": "source attributes at the last record", "attributes": finals},
            )
        return SourceCase(  # positional (it is cheaper), in the order of the fields
            first.case,  # ref
            self.events,
            first.line,  # first_line
            len(self.rows),  # rows
            account,
            contact,  # contact_name
            area or "",  # product_area
            subject or "",
            attrs,  # attributes
            finals,  # final_attributes
            self.changes,  # team_changes
            self.teams,
            self.times,
        )

    def _attributes_when(self, attrs: dict[str, Any], finals: dict[str, Any]) -> None:
        """Attributes with a ``when`` condition: the value of the first (or last) row that
        meets it; None when no row does."""
        for j, (name, last) in enumerate(self.b.attributes_when):
            found: str | None = None
            for row in reversed(self.rows) if last else self.rows:
                value = row.extra[j]  # type: ignore[index]
                if value is not KEEP:
                    found = value
                    break
            (finals if last else attrs)[name] = found

    def _accept(self, agent: str | None) -> None:
        p = self.pending
        assert p is not None
        by = {"escalation_id": p.escalation_id, "by": agent, "team": p.team, "tier": p.tier}
        self.add(EventKind.ACCEPTED, by)
        self.team, self.tier, self.agent = p.team, p.tier, agent or self.agent
        self.pending = None

    def _acceptance(self, agent: str | None) -> None:
        """1. a transfer requested on an earlier row is picked up on this one."""
        p = self.pending
        if p is not None and self.index > p.row and self.b.accepts(self.row, agent, p, self.index):
            self._accept(agent)

    def _team(self, row: MappedRow, agent: str | None) -> None:
        """2. a new team: a transfer, or the return of a pending one before pick-up."""
        new_team = _or(row.team, self.recorded_team)
        if new_team == self.recorded_team:
            if self.b.tier_column and self.pending is None:
                new_tier = self.b.tier(row, self.team, self.tier)
                if new_tier != self.tier:  # a tier column can move without a new team
                    self.add(
                        EventKind.ASSIGNED,
                        {"owner": self.agent, "team": self.team, "tier": new_tier},
                    )
                    self.tier = new_tier
            return
        new_tier = self.b.tier(row, new_team, self.tier)
        if self.teams == [None]:
            # The case's first team (its first rows named none): an assignment, not a transfer.
            self.team = self.recorded_team = new_team
            self.teams[0] = new_team
            self.add(EventKind.ASSIGNED, {"owner": self.agent, "team": new_team, "tier": new_tier})
            self.tier = new_tier
            return
        self.changes += 1
        self.recorded_team = new_team
        self.teams.append(new_team)
        if self.pending is not None:
            reason = "the record moved the case on before pick-up"
            self.add(
                EventKind.TRANSFER_CANCELLED,
                {"escalation_id": self.pending.escalation_id, "reason": reason},
            )
            self.pending = None
        if new_team == self.team:
            return
        self.transfers += 1
        esc = f"{RECORDED}-{self.transfers}"
        self.pending = _Pending(esc, new_team, new_tier, self.index, self.agent)
        direction = self.b.direction(self.tier, new_tier)
        self.add(
            EventKind.ESCALATED,
            {
                "escalation_id": esc,
                "type": "tier" if direction == "up" else "functional",
                "direction": direction,
                "to_tier": new_tier,
                "to_team": new_team,
                "reason": "recorded transfer",
                "recorded": True,
            },
        )
        if self.b.accepts(row, agent, self.pending, self.index):
            self._accept(agent)

    def _agent_and_severity(self, row: MappedRow, agent: str | None) -> None:
        """3. a new agent, a new severity."""
        if agent != self.agent:
            self.add(EventKind.ASSIGNED, {"owner": agent})
            self.agent = agent
        severity = _or(row.severity, self.severity) or self.severity
        if severity != self.severity:
            self.add(EventKind.SEVERITY_CHANGED, {"from": self.severity, "to": severity})
            self.severity = severity

    def _status(self, new: str) -> None:
        """4. a new status: resolved, closed, reopened, or another open status."""
        old = self.status
        if new == old:
            return
        row = self.row
        if new == "resolved":
            self.add(EventKind.RESOLVED, {"from": old}, row.resolved_t)
            self.pending = None
        elif new == "closed":
            if old != "resolved" and row.resolved_t is not None:
                # A closed ticket of an export that records when it was resolved.
                self.add(EventKind.RESOLVED, {"from": old}, row.resolved_t)
                old = "resolved"
            self.add(EventKind.CLOSED, {"from": old, "closure": self.b.closure}, row.closed_t)
            self.pending = None
        elif old in TERMINAL:
            self.add(EventKind.REOPENED, {"from": old})
            if new != "open":
                self.add(EventKind.STATUS_CHANGED, {"from": "open", "to": new})
        else:
            self.add(EventKind.STATUS_CHANGED, {"from": old, "to": new})
        self.status = new
