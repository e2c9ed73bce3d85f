"""One case inside one transaction: load it, record events, then finish.

``finish`` is where automation happens, identically for every use case and for the worker:
triggers are evaluated on the new state, clock stages that have come due are acted on (warning,
breach, breach + N, vacuum, approval overdue), priority is reassessed, deadlines and
``next_due_at`` are recomputed from the frozen plan, and everything is written: the events
(hash-chained), the case row (guarded by its version) and the outbox messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from tierline.domain.case import Account, CaseState, apply, fold
from tierline.domain.clocks import ClockSet, compute_clocks
from tierline.domain.decisions import Decision, DecisionKind
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.levels import stage_decisions
from tierline.domain.priority import assess_priority
from tierline.domain.vocabulary import (
    AccountValue,
    CaseStatus,
    ClosureKind,
    EscalationType,
)
from tierline.service.actors import SYSTEM, Actor
from tierline.service.case_projection import case_projection, snapshot
from tierline.service.errors import Conflict, NotFound
from tierline.service.messages import Messenger
from tierline.service.runtime import ActivePolicy, Tierline
from tierline.store.eventlog import PendingEvent, chain
from tierline.store.uow import UnitOfWork

_MAX_AUTOMATION_ROUNDS = 6


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


class CaseSession:
    def __init__(
        self,
        rt: Tierline,
        uow: UnitOfWork,
        row: dict[str, Any],
        now: datetime,
        actor: Actor,
        history: list[CaseEvent] | None = None,
        account: Account | None = None,
        *,
        stored: bool = True,
    ) -> None:
        self.rt, self.uow, self.row, self.now, self.actor = rt, uow, row, now, actor
        #: False for a new case whose row (``row``, id already allocated) is inserted by
        #: ``finish`` with its projection, in one statement instead of an insert and an update.
        self.stored = stored
        self.case_id: int = int(row["id"])
        self.history = history if history is not None else uow.events.history(self.case_id)
        self.state = fold(str(self.case_id), self.history) if self.history else None
        self.plan, self.calendars = rt.plan(uow, row["plan_digest"])
        if account is None and row.get("account_id"):
            account = uow.accounts.get(row["account_id"])
        self.account: Account | None = account
        self.pending: list[PendingEvent] = []
        self.messages = Messenger(rt, uow, self)
        self.clocks: ClockSet | None = None
        self._projected: dict[str, Any] | None = None  # see ``project``

    # ----------------------------------------------------------------- loading

    @classmethod
    def load(
        cls, rt: Tierline, uow: UnitOfWork, case_id: int, now: datetime, actor: Actor
    ) -> CaseSession:
        row = uow.cases.get(case_id, for_update=True)
        if row is None:
            raise NotFound(f"case {case_id} does not exist")
        return cls(rt, uow, row, now, actor)

    def rebind(self, uow: UnitOfWork, case_id: int) -> None:
        """Carry a new case prepared in a read-only transaction into the write transaction
        ``uow``, under the id allocated there. Only a session that has recorded and settled
        but written nothing, and queued no message, may move: then nothing it holds refers to
        its id but the fields set here (events, messages and rows take it when written)."""
        if self.stored or self.messages.queued:
            raise RuntimeError("only an unwritten new case without queued messages can move")
        self.uow = uow
        self.messages.uow = uow
        self.case_id = case_id
        self.row["id"] = case_id
        self.require_state().case_id = str(case_id)

    def store(self) -> None:
        """Insert the new case's row now, for work that writes rows referring to it (or reads
        the case table) before ``finish``: escalations, approvals, handoffs, inbound mail."""
        if not self.stored:
            self.row = self.uow.cases.insert(self.row)
            self.stored = True

    @property
    def policy(self) -> ActivePolicy:
        return self.rt.active()

    def require_state(self) -> CaseState:
        if self.state is None:
            raise Conflict(f"case {self.case_id} has no history")
        return self.state

    # ----------------------------------------------------------------- recording

    def record(
        self,
        kind: EventKind,
        data: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> CaseEvent:
        ev = CaseEvent(at or self.now, kind, dict(data or {}), actor or self.actor.handle)
        if self.state is None:
            if kind is not EventKind.OPENED:
                raise Conflict("a case's first event must be 'opened'")
            self.state = fold(str(self.case_id), [ev])
            before, after = None, snapshot(self.state)
        else:
            snap = snapshot(self.state)
            apply(self.state, ev)
            before, after = _diff(snap, snapshot(self.state))
            if not after:
                before = after = None
        self.history.append(ev)
        self.pending.append(PendingEvent(ev, before, after))
        self._projected = None
        return ev

    # ----------------------------------------------------------------- automation

    def finish(self, *, run_triggers: bool = True) -> dict[str, Any]:
        """Run the automation on the recorded events, then write everything."""
        self.settle(run_triggers=run_triggers)
        return self._write()

    def project(self) -> None:
        """Work out the case row's projection now, ahead of ``write`` (which then only stores
        it): a new case prepared before the write lock does this work before taking it."""
        self._projected = self.projection(self.policy)

    def write(self) -> dict[str, Any]:
        """Write a session already settled (in an earlier transaction; see ``rebind``)."""
        assert self.clocks is not None, "settle() first"
        return self._write()

    def settle(self, *, run_triggers: bool = True) -> None:
        """Triggers, due clock stages and their decisions, until nothing more happens."""
        state = self.require_state()
        active = self.policy
        for _ in range(_MAX_AUTOMATION_ROUNDS):
            acted = False
            if run_triggers and state.is_open:
                decisions = active.triggers.evaluate(
                    state, self.now, self.account, self._priority()
                )
                if decisions:
                    self._apply_trigger_decisions(decisions)
                    acted = True
            self.clocks = compute_clocks(
                self.history, self.plan.governing, self.calendars, self.now
            )
            due = self.clocks.due_stages(self.now)
            for clock, stage in due:
                decisions = stage_decisions(self.plan.governing, clock, stage, state)
                self.record(
                    EventKind.CLOCK_FIRED,
                    {
                        "clock": clock.key,
                        "kind": clock.kind.value,
                        "stage": stage.name,
                        "stage_at": stage.at.isoformat() if stage.at else None,
                        "decisions": [d.to_data() for d in decisions],
                    },
                    actor=SYSTEM.handle,
                )
                self._apply(decisions, automatic=True)
                acted = True
            if not acted:
                break
        assert self.clocks is not None

    def _priority(self) -> int:
        state = self.require_state()
        ctype = self.policy.policy.contact_types.get(state.contact_type)
        return assess_priority(
            self.policy.policy,
            state.severity,
            self.account.value if self.account else AccountValue.STANDARD,
            state.affected_customers,
            regulatory=bool(state.regulatory_obligations),
            time_sensitive=bool(ctype and ctype.time_sensitive),
            extra_raise=state.priority_raise,
        ).priority

    def _apply_trigger_decisions(self, decisions: list[Decision]) -> None:
        state = self.require_state()
        escalations = [d for d in decisions if d.kind is DecisionKind.ESCALATE]
        chosen = None
        if escalations:
            levels = self.policy.policy.tier_level
            chosen = max(escalations, key=lambda d: levels(d.target_tier))  # first of the highest
        # A customer who asked for a manager is acknowledged, with a commitment, before any
        # transfer (R-COMM-5): the escalation waits for POST /acknowledge, which carries it out.
        deferred = (
            chosen is not None
            and chosen.escalation_type is EscalationType.CUSTOMER_INITIATED
            and state.acknowledged_at is None
        )
        for d in decisions:
            merged = d.kind is DecisionKind.ESCALATE and d is not chosen
            self.record(
                EventKind.TRIGGER_FIRED,
                {
                    "rule_id": d.rule,
                    "tier": state.tier or "",
                    "decision": d.to_data(),
                    "merged_into": chosen.rule if merged and chosen else None,
                    "deferred": "acknowledgement required" if deferred and d is chosen else None,
                },
                actor=SYSTEM.handle,
            )
        if deferred:
            assert chosen is not None
            self.messages.notify(
                ("owner", "next_comm_owner"),
                "the customer asked for a manager: acknowledge them and commit to who will "
                "contact them and when before the case moves",
                chosen.to_data(),
            )
            chosen = None
            decisions = [d for d in decisions if d.kind is not DecisionKind.ESCALATE]
        self._apply(decisions, automatic=True, only=chosen)

    def _apply(
        self, decisions: list[Decision], *, automatic: bool, only: Decision | None = None
    ) -> None:
        from tierline.service.escalations import open_escalation

        state = self.require_state()
        for d in decisions:
            chosen = d.kind is DecisionKind.ESCALATE and (only is None or d is only)
            if chosen and state.pending_transfer is None and state.is_open:
                open_escalation(
                    self,
                    escalation_type=d.escalation_type,
                    to_tier=d.target_tier,
                    to_team=d.target_team,
                    to_person=None,
                    reason=d.explanation.summary,
                    automatic=automatic,
                    rule_id=d.rule,
                    explanation=d.explanation.to_data(),
                )
            if d.kind is DecisionKind.SEND and d.flag:
                from tierline.service.communications import send

                send(self, d.flag, auto=True)
            if d.flag == "confirmation_expired" and state.status == CaseStatus.RESOLVED.value:
                self.record(
                    EventKind.CLOSED,
                    {
                        "closure": ClosureKind.PROCESS_CLOSED.value,
                        "reason": "the customer did not confirm within the confirmation window",
                    },
                    actor=SYSTEM.handle,
                )
            if d.priority_raise:
                self.record(
                    EventKind.PRIORITY_CHANGED,
                    {"raise": state.priority_raise + d.priority_raise, "rule_id": d.rule},
                    actor=SYSTEM.handle,
                )
            if d.notify:
                self.messages.notify(d.notify, d.explanation.summary, d.to_data())

    # ----------------------------------------------------------------- writing

    def projection(self, active: ActivePolicy) -> dict[str, Any]:
        clocks = self.clocks
        assert clocks is not None
        state = self.require_state()
        return case_projection(
            state,
            clocks,
            self.plan.governing.ownership,
            self.now,
            active.triggers.next_check_at(state),
            self.messages.extra_deadlines(),
            self._priority(),
            self.row.get("repeat_of"),
        )

    def _write(self) -> dict[str, Any]:
        """Store the case's projection, its pending events (hashed onto the chain head once)
        and its messages."""
        values = self._projected or self.projection(self.policy)
        self._projected = None
        head_seq, head_hash = int(self.row["audit_seq"]), self.row["audit_head"]
        chained = chain(self.case_id, self.pending, head_seq, head_hash, self.now)
        new_case = int(self.row["audit_seq"]) == 0
        version = int(self.row["version"])
        values["audit_seq"], values["audit_head"] = chained.seq, chained.head
        # A new case's row, events and communications are inserts through the driver that
        # nothing reads back: on PostgreSQL they go as one statement instead of one per row.
        with self.uow.one_statement() if not self.stored else nullcontext():
            if not self.stored:
                # A new case's row is written once, complete, with the chain head its events
                # reach; the events refer to it, so it goes first.
                self.row = self.uow.cases.insert({**self.row, **values, "version": version + 1})
                self.stored = True
                self.uow.events.write(chained)
            else:
                self.uow.events.write(chained)
                if not self.uow.cases.update(self.case_id, values, version):
                    raise Conflict(
                        f"case {self.case_id} was changed by someone else at the same time; "
                        "retry the request"
                    )
            assert self.clocks is not None
            self.uow.communications.sync(
                self.case_id,
                self.clocks,
                values["next_comm_owner"],
                values["team"],
                self.now,
                new_case=new_case,
            )
        self.messages.flush([(p.event, s) for p, s in zip(self.pending, chained.seqs, strict=True)])
        self.row.update(values)
        self.row["version"] = version + 1
        self.pending = []
        return self.row
