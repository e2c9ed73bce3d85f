"""An imported case as the rows the service would have written: case row, events, escalations.

The service writes one case per transaction through ``CaseSession``, which is right for live
work and far too slow for a log of 25,000 cases. This module produces the same rows in memory
(the case projection, the before/after of every event, the hash chain), so the bulk writer only
has to insert them in batches; ``tierline audit verify`` checks imported chains like any other.

Two deliberate differences from a live case, because the history is a record of the past:

* Tierline's automation did not run then, so no trigger or clock stage is recorded, and
  ``next_due_at`` is left empty: the worker never fires 2016's deadlines on an import. Deadlines,
  breaches and clocks are projected as of the case's last recorded event, under the plan of the
  policy active at import time (their version and plan digest are on the row).
* The log holds no customer messages, so customer-communication deadlines are not projected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import compress
from operator import attrgetter, itemgetter, ne
from typing import Any

from tierline.domain.calendar import CalendarBook
from tierline.domain.case import CaseState, apply, fold
from tierline.domain.clocks import ClockSet, compute_clocks
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.plan import EscalationPlan
from tierline.domain.policy import Policy
from tierline.domain.priority import assess_priority
from tierline.domain.vocabulary import Severity
from tierline.importer.translate import SourceCase
from tierline.service.case_projection import SNAPSHOT_FIELDS, case_projection, snapshot
from tierline.store.eventlog import (
    GENESIS,
    canonical,
    canonical_instant,
    event_hash_of_texts,
)

_ESCALATION_KINDS = (EventKind.ESCALATED, EventKind.ACCEPTED, EventKind.TRANSFER_CANCELLED)


@dataclass(frozen=True)
class Context:
    """What every imported case shares: the plan it runs on and where it came from."""

    source: str
    policy: Policy  # the live policy (contact types, priority rules)
    plan: EscalationPlan
    plan_digest: str
    calendars: CalendarBook
    recorded_at: datetime


@dataclass
class CaseRows:
    case: dict[str, Any]
    events: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    #: Each event's ``data``, ``before`` and ``after`` as hashed (canonical JSON; None where the
    #: value is None): PostgreSQL's ``jsonb`` takes them as they are.
    texts: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def _renumber(ev: CaseEvent, case_id: int) -> CaseEvent:
    """Recorded escalation ids ("recorded-3") become the service's form ("E<case>-3")."""
    if ev.kind not in _ESCALATION_KINDS:
        return ev
    esc = ev.data.get("escalation_id")
    if not isinstance(esc, str):
        return ev
    return replace(ev, data={**ev.data, "escalation_id": f"E{case_id}-{esc.rpartition('-')[2]}"})


_KEYS = (*SNAPSHOT_FIELDS, "pending_transfer")
_POSITIONS = range(len(_KEYS))
_SNAPSHOT_VALUES = attrgetter(*SNAPSHOT_FIELDS)
_SEVERITY = SNAPSHOT_FIELDS.index("severity")
_COLLABORATORS = SNAPSHOT_FIELDS.index("collaborators")


def _values(state: CaseState) -> list[Any]:
    """:func:`snapshot` as a list in ``_KEYS`` order, cheap to compare: the severity still a
    ``Severity``, the collaborators a tuple (:func:`_stored` gives the snapshot's values)."""
    values = list(_SNAPSHOT_VALUES(state))
    values[_COLLABORATORS] = tuple(values[_COLLABORATORS])
    pt = state.pending_transfer
    values.append(pt.escalation_id if pt else None)
    return values


def _stored(i: int, value: Any) -> Any:
    if i == _SEVERITY:
        return value.value
    return list(value) if i == _COLLABORATORS else value


#: A change: before and after as the service records them, and their canonical texts.
_Diff = tuple[dict[str, Any], dict[str, Any], str, str]
_DIFFS: dict[tuple[tuple[int, ...], Any, Any], _Diff] = {}  # (positions, old, new): the change


def _diff(old: list[Any], new: list[Any]) -> _Diff:
    """What changed, as the service's before / after (in snapshot order).

    Histories repeat the same changes (new → open, a team's usual hand-offs), so equal changes
    share one pair of dicts and their hashed texts, and the store serialises each pair once per
    batch. They are never modified after this.
    """
    changed = tuple(compress(_POSITIONS, map(ne, new, old)))
    pick = itemgetter(*changed)
    key = (changed, pick(old), pick(new))
    hit = _DIFFS.get(key)
    if hit is None:
        if len(_DIFFS) >= 50_000:
            _DIFFS.clear()
        before = {_KEYS[i]: _stored(i, old[i]) for i in changed}
        after = {_KEYS[i]: _stored(i, new[i]) for i in changed}
        hit = _DIFFS[key] = (before, after, canonical(before), canonical(after))
    return hit


_NULL = canonical(None)
_TEXTS: dict[str | None, str] = {}  # kinds and actors, as hashed
_INSTANTS: dict[int, tuple[datetime, str]] = {}  # by id: the instant is kept, so its id is its own


def _text(value: str | None) -> str:
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) >= 50_000:
            _TEXTS.clear()
        text = _TEXTS[value] = canonical(value)
    return text


def _instant(at: datetime) -> str:
    """Histories share their instants' objects (the translation does), and repeat them."""
    hit = _INSTANTS.get(id(at))
    if hit is None:
        if len(_INSTANTS) >= 100_000:
            _INSTANTS.clear()
        hit = _INSTANTS[id(at)] = (at, canonical_instant(at))
    return hit[1]


def case_rows(src: SourceCase, case_id: int, ctx: Context) -> CaseRows:
    """Every row of one case, its id known (the hash chain covers it).

    The hashes are :func:`~tierline.store.eventlog.event_hash`'s, computed from the texts of
    the events' parts, most of which repeat (kinds, actors, instants, changes) and are
    serialised once; only each event's ``data`` is new every time.
    """
    history = [_renumber(ev, case_id) for ev in src.events]
    state = fold(str(case_id), history[:1])
    prev, seq = GENESIS, 0
    events: list[dict[str, Any]] = []
    texts: list[tuple[str, str | None, str | None]] = []
    escalations: dict[str, dict[str, Any]] = {}
    values = _values(state)  # the state before the next event (nothing changes in between)
    after: Mapping[str, Any] | None = snapshot(state)
    before: Mapping[str, Any] | None = None
    before_text: str | None = None  # as hashed; None where the value is None
    after_text: str | None = canonical(after)
    recorded_at = ctx.recorded_at
    for ev in history:
        if seq:
            apply(state, ev)
            new = _values(state)
            if new == values:
                before = after = before_text = after_text = None
            else:
                before, after, before_text, after_text = _diff(values, new)
                values = new
            if escalations or ev.kind is EventKind.ESCALATED:  # else it has nothing to do
                _escalation(escalations, ev, state, case_id)
        seq += 1
        data = dict(ev.data)
        data_text = canonical(data)
        kind, actor, at = ev.kind.value, ev.actor, ev.at
        h = event_hash_of_texts(
            prev,
            case_id,
            seq,
            _instant(at),
            _text(kind),
            _text(actor),
            data_text,
            before_text or _NULL,
            after_text or _NULL,
        )
        texts.append((data_text, before_text, after_text))
        events.append(
            {
                "case_id": case_id,
                "seq": seq,
                "at": at,
                "recorded_at": recorded_at,
                "kind": kind,
                "actor": actor,
                "data": data,
                "before": before,
                "after": after,
                "prev_hash": prev,
                "hash": h,
            }
        )
        prev = h
    now = history[-1].at
    clocks = compute_clocks(history, ctx.plan.governing, ctx.calendars, now, communications=False)
    case = _projection(src, case_id, state, clocks, now, ctx)
    case["audit_seq"], case["audit_head"] = seq, prev
    for esc in escalations.values():
        if esc["status"] == "pending" and not state.is_open:
            esc["status"] = "cancelled"
    return CaseRows(case, events, list(escalations.values()), texts)


def _escalation(
    out: dict[str, dict[str, Any]], ev: CaseEvent, state: CaseState, case_id: int
) -> None:
    """The escalations table's row of each recorded transfer, kept up to date."""
    d = ev.data
    esc_id = d.get("escalation_id")
    pt = state.pending_transfer
    if ev.kind is EventKind.ESCALATED and pt is not None:
        out[str(esc_id)] = {
            "id": str(esc_id),
            "case_id": case_id,
            "type": str(d.get("type") or "tier"),
            "from_tier": pt.from_tier,
            "from_team": pt.from_team,
            "from_owner": pt.from_owner,
            "to_tier": d.get("to_tier"),
            "to_team": d.get("to_team"),
            "to_person": None,
            "reason": str(d.get("reason") or ""),
            "automatic": False,
            "rule_id": None,
            "explanation": None,
            "requested_at": ev.at,
            "requested_by": ev.actor,
            "accepted_at": None,
            "accepted_by": None,
            "status": "pending",
            "handoff_completeness": None,
            "repeat_of": None,
        }
    elif str(esc_id) in out:
        row = out[str(esc_id)]
        if ev.kind is EventKind.ACCEPTED:
            row.update(status="accepted", accepted_at=ev.at, accepted_by=d.get("by"))
        else:
            row["status"] = "cancelled"


def _projection(
    src: SourceCase,
    case_id: int,
    state: CaseState,
    clocks: ClockSet,
    now: datetime,
    ctx: Context,
) -> dict[str, Any]:
    """The service's projection of the case, with what only an import knows (its source) and
    the two deliberate differences of the module docstring."""
    ctype = ctx.policy.contact_types.get(state.contact_type)
    priority = assess_priority(
        ctx.policy,
        Severity(state.severity),
        affected_customers=state.affected_customers,
        regulatory=bool(state.regulatory_obligations),
        time_sensitive=bool(ctype and ctype.time_sensitive),
        extra_raise=state.priority_raise,
    ).priority
    row = case_projection(
        state, clocks, ctx.plan.governing.ownership, now, None, (), priority, None
    )
    row["communication_due"] = None  # no customer messages in a log
    row["next_due_at"] = None  # the worker never fires a past record's deadlines
    row["state"]["imported"] = {"source": ctx.source, "ref": src.ref, "first_line": src.first_line}
    row.update(
        id=case_id,
        external_ref=src.ref,
        source=ctx.source,
        account_id=src.account,
        contact_name=src.contact_name or "",
        contact_email=None,
        subject=(src.subject or f"{ctx.source} {src.ref}")[:500],
        description="",
        channel=state.channel.value if state.channel else None,
        contact_type=state.contact_type,
        product_area=src.product_area[:200],
        language="en",
        policy_version=ctx.plan.policy_version,
        plan_digest=ctx.plan_digest,
        opened_at=state.opened_at,
        version=1,
    )
    return row
