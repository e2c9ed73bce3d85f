"""Who hears about what: recipients for notifications, and the outbox rows for every message.

Notifications name relations ("owner", "team_lead", "coordinator", "account_manager") or roles;
they are resolved to people here, at the moment of the decision. A notification that reaches
nobody is not dropped silently: a note on the case timeline says who could not be found.
Every case event also goes to the configured webhook receivers (R-UI-1), with sensitive fields
redacted (R-AUTH-5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.ownership import next_communication_owner

if TYPE_CHECKING:
    from tierline.service.runtime import Tierline
    from tierline.service.session import CaseSession
    from tierline.store.uow import UnitOfWork


@dataclass
class _CustomerMessage:
    event_index: int
    kind: str
    subject: str
    text: str


def message_id_for(key: str, case_id: int, mail_from: str) -> str:
    """A Message-ID fixed by the outbox row's idempotency key: a redelivery carries the same one."""
    domain = mail_from.rpartition("@")[2] or "tierline.invalid"
    return f"<tl-{case_id}-{hashlib.sha256(key.encode()).hexdigest()[:20]}@{domain}>"


def case_token(case_id: int) -> str:
    """The token in every customer subject line, for threading when headers are lost."""
    return f"[TL-{case_id}]"


def alert_kind(data: dict[str, Any]) -> str:
    """What sort of alert a decision raises (the policy's digest and repeat rules use it)."""
    flag = data.get("flag")
    if flag:
        return {"ownership_vacuum": "vacuum", "approval_overdue": "approval_due"}.get(
            str(flag), str(flag)
        )
    rule = str((data.get("explanation") or {}).get("rule") or "")
    if rule.startswith("escalation_levels.warning") or (
        rule.startswith("communication.")
        and "due by" in str((data.get("explanation") or {}).get("summary") or "")
    ):
        return "warning"
    if rule.startswith("escalation_levels.breach"):
        return "breach"
    return "notification"


def alert_rows_for(
    case_id: int,
    seq: int,
    recipients: Sequence[str],
    summary: str,
    data: dict[str, Any],
    relations: Sequence[str],
    now: datetime,
    policy: Any,
) -> list[dict[str, Any]]:
    kind = alert_kind(data)
    explanation = data.get("explanation") or {}
    topic = (explanation.get("facts") or {}).get("clock") or explanation.get("rule") or summary
    return [
        {
            "case_id": case_id,
            "recipient": handle,
            "intended_for": None,
            "kind": kind,
            "summary": summary,
            "payload": {"decision": data, "relations": list(relations), "event_seq": seq},
            "dedupe_key": f"{case_id}:{kind}:{handle}:{topic}"[:300],
            "digest": kind in policy.alerts.digest_kinds,
            "status": "pending",
            "created_at": now,
            "deliver_after": now,
            "repeats": 0,
        }
        for handle in recipients
    ]


@dataclass
class _Notice:
    event_index: int  # the pending event it belongs to
    recipients: list[str]
    summary: str
    data: dict[str, Any]
    relations: list[str] = field(default_factory=list)


def redact(value: Any, sensitive: frozenset[str]) -> Any:
    if not sensitive:
        return value
    if isinstance(value, dict):
        return {
            k: ("[redacted]" if k in sensitive else redact(v, sensitive)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v, sensitive) for v in value]
    return value


class Messenger:
    def __init__(self, rt: Tierline, uow: UnitOfWork, session: CaseSession) -> None:
        self.rt, self.uow, self.session = rt, uow, session
        self._notices: list[_Notice] = []
        self._customer: list[_CustomerMessage] = []
        self._people_cache: dict[tuple[str, str | None], list[str]] = {}

    @property
    def queued(self) -> bool:
        """Whether notices or customer messages wait for ``flush``."""
        return bool(self._notices or self._customer)

    # ----------------------------------------------------------------- recipients

    def resolve(self, relations: Iterable[str]) -> tuple[list[str], list[str]]:
        """People for each relation or role; returns (handles, relations that found nobody)."""
        s = self.session
        state = s.require_state()
        policy = self.rt.active().policy
        found: list[str] = []
        missing: list[str] = []
        for rel in relations:
            people: list[str] = []
            if rel == "owner":
                people = [state.owner] if state.owner else []
            elif rel == "previous_owner":
                last = state.transfers[-1] if state.transfers else None
                people = [last.from_owner] if last and last.from_owner else []
            elif rel == "next_comm_owner":
                who = next_communication_owner(state, s.plan.governing.ownership)
                people = [who] if who else []
            elif rel == "coordinator":
                if state.coordinator:
                    people = [state.coordinator]
                else:
                    role = s.plan.governing.ownership.coordinator_role or "coordinator"
                    people = self._with_role(role, None)
            elif rel == "account_manager":
                am = s.account.account_manager if s.account else None
                people = [am] if am else []
            elif rel == "team_lead":
                team = policy.teams.get(state.team or "")
                role = team.lead_role if team and team.lead_role else "supervisor"
                people = self._with_role(role, state.team) or self._with_role(role, None)
            else:  # a role id: in the case's team first, else anyone with that role
                people = self._with_role(rel, state.team) or self._with_role(rel, None)
            if people:
                found.extend(p for p in people if p not in found)
            else:
                missing.append(rel)
        return found, missing

    def _with_role(self, role: str, team: str | None) -> list[str]:
        key = (role, team)
        if key not in self._people_cache:
            self._people_cache[key] = [p["handle"] for p in self.uow.people.with_role(role, team)]
        return self._people_cache[key]

    def notify(self, relations: Sequence[str], summary: str, data: dict[str, Any]) -> list[str]:
        handles, missing = self.resolve(relations)
        if missing:
            from tierline.service.actors import SYSTEM

            self.session.record(
                EventKind.NOTE,
                {
                    "problem": "notification_undeliverable",
                    "relations": missing,
                    "summary": f"nobody found for {', '.join(missing)}: {summary}",
                },
                actor=SYSTEM.handle,
            )
        if handles:
            self._notices.append(
                _Notice(len(self.session.pending) - 1, handles, summary, data, list(relations))
            )
        return handles

    def notify_people(self, handles: Sequence[str], summary: str, data: dict[str, Any]) -> None:
        """Notify named people (the receiving team, an expert) rather than relations."""
        handles = [h for h in dict.fromkeys(handles) if h]
        if handles:
            self._notices.append(_Notice(len(self.session.pending) - 1, handles, summary, data))

    def to_customer(self, kind: str, subject: str, text: str) -> None:
        """Queue a message to the customer for the event just recorded (it goes out with the
        transaction's commit, by e-mail, or by the chat/SMS webhook for those channels)."""
        self._customer.append(_CustomerMessage(len(self.session.pending) - 1, kind, subject, text))

    def extra_deadlines(self) -> list[datetime]:
        """Deadlines owned by messaging itself (none yet; communications add theirs)."""
        return []

    # ----------------------------------------------------------------- outbox

    def flush(self, written: Sequence[tuple[CaseEvent, int]]) -> None:
        s = self.session
        settings = self.rt.settings
        now = s.now
        case_id = s.case_id
        rows: list[dict[str, Any]] = []
        sensitive = frozenset(self.rt.active().policy.sensitive_fields)
        alert_rows: list[dict[str, Any]] = []
        for notice in self._notices:
            idx = max(notice.event_index, 0)
            seq = written[idx][1] if idx < len(written) else written[-1][1]
            alert_rows.extend(
                alert_rows_for(
                    case_id,
                    seq,
                    notice.recipients,
                    notice.summary,
                    notice.data,
                    notice.relations,
                    now,
                    self.rt.active().policy,
                )
            )
        self.uow.alerts.add_many(alert_rows)
        if settings.webhook_urls:
            summary = self._case_summary()
            for ev, seq in written:
                for url in settings.webhook_urls:
                    rows.append(
                        self._row(
                            f"case:{case_id}:ev:{seq}:webhook:{url}",
                            "case_event",
                            "webhook",
                            url,
                            f"case.{ev.kind.value}",
                            {
                                "type": f"case.{ev.kind.value}",
                                "case_id": case_id,
                                "seq": seq,
                                "at": ev.at.isoformat(),
                                "actor": ev.actor,
                                "data": redact(dict(ev.data), sensitive),
                                "case": summary,
                            },
                            now,
                            seq,
                        )
                    )
        rows.extend(self._customer_rows(written, now))
        self.uow.outbox.add_many(rows)
        self._notices = []
        self._customer = []

    def _customer_rows(
        self, written: Sequence[tuple[CaseEvent, int]], now: datetime
    ) -> list[dict[str, Any]]:
        if not self._customer:
            return []
        s = self.session
        settings = self.rt.settings
        row = s.row
        case_id = s.case_id
        out: list[dict[str, Any]] = []
        chat = row.get("channel") in ("chat", "social") and settings.customer_webhook_url
        email = row.get("contact_email")
        history = self.uow.mail.thread(case_id) if email and not chat else []
        for msg in self._customer:
            idx = max(msg.event_index, 0)
            seq = written[idx][1] if idx < len(written) else written[-1][1]
            subject = f"{case_token(case_id)} {msg.subject}"
            if chat:
                key = f"case:{case_id}:ev:{seq}:customer:{msg.kind}:webhook"
                out.append(
                    self._row(
                        key,
                        "customer_message",
                        "webhook",
                        settings.customer_webhook_url,
                        subject,
                        {
                            "type": "customer_message",
                            "case_id": case_id,
                            "kind": msg.kind,
                            "channel": row.get("channel"),
                            "to": row.get("contact_name") or "",
                            "text": msg.text,
                        },
                        now,
                        seq,
                    )
                )
            elif email:
                key = f"case:{case_id}:ev:{seq}:customer:{msg.kind}:email"
                mid = message_id_for(key, case_id, settings.mail_from)
                inbound = [m for m, d in history if d == "in"]
                out.append(
                    self._row(
                        key,
                        "customer_message",
                        "email",
                        str(email),
                        subject,
                        {
                            "case_id": case_id,
                            "kind": msg.kind,
                            "to": email,
                            "to_name": row.get("contact_name") or "",
                            "subject": subject,
                            "text": msg.text,
                            "html": None,
                            "message_id": mid,
                            "in_reply_to": inbound[-1] if inbound else None,
                            "references": [m for m, _ in history][-10:],
                            "reply_to": settings.inbound_address or settings.mail_from,
                        },
                        now,
                        seq,
                    )
                )
                self.uow.mail.record(mid, case_id, "out", now)
                history.append((mid, "out"))
            else:
                from tierline.service.actors import SYSTEM

                s.record(
                    EventKind.NOTE,
                    {
                        "problem": "no_customer_address",
                        "kind": msg.kind,
                        "summary": f"the {msg.kind} could not be sent: the "
                        "case has no customer e-mail or chat address",
                    },
                    actor=SYSTEM.handle,
                )
        return out

    def _case_summary(self) -> dict[str, Any]:
        st = self.session.require_state()
        return {
            "id": self.session.case_id,
            "status": st.status,
            "severity": st.severity.value,
            "tier": st.tier,
            "team": st.team,
            "owner": st.owner,
            "contact_type": st.contact_type,
        }

    @staticmethod
    def _row(
        key: str,
        kind: str,
        channel: str,
        recipient: str,
        subject: str,
        payload: dict[str, Any],
        now: datetime,
        seq: int,
    ) -> dict[str, Any]:
        return {
            "idempotency_key": key[:200],
            "case_id": int(payload.get("case_id") or 0) or None,
            "event_id": seq,
            "kind": kind,
            "channel": channel,
            "recipient": recipient,
            "subject": subject[:500],
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
