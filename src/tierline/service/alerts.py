"""Staff alerts without fatigue (issue 4 §8): the right person, at the right time, once.

Decisions name who should hear about a warning, a breach, a vacuum or an approval; the use case
writes one ``alerts`` row per person in its transaction. The worker then dispatches them:

* **on duty** — a person off their working hours (their own calendar, else their team's) or in
  their quiet hours does not get paged: a colleague on duty in the same team takes it (same role
  first), and if nobody is on duty the alert waits for the person's next working moment;
* **de-duplicated** — the same alert (case, kind, person, clock) delivered within the policy's
  dedupe window is dropped;
* **digests** — kinds the policy lists are batched per person every ``digest_every``;
* **repeated until acknowledged** — warnings, breaches, vacuums, overdue approvals and missed
  communications come back every ``repeat_every`` up to ``max_repeats`` times until the person
  acknowledges them.

Each delivered alert becomes outbox messages: the log, the person's e-mail when SMTP is set up,
and the staff chat webhook when one is configured.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from tierline.domain.calendar import BusinessCalendar, parse_clock_time
from tierline.domain.policy import AlertRules, Policy
from tierline.service.actors import Actor
from tierline.service.errors import Forbidden, NotFound
from tierline.service.runtime import Tierline
from tierline.store.uow import UnitOfWork

#: Kinds that keep coming back until someone acknowledges them.
REPEATING = frozenset(
    {"warning", "breach", "vacuum", "approval_due", "communication_missed", "commitment_missed"}
)


class Duty:
    """Who is working now: people's calendars and quiet hours, looked up once per round."""

    def __init__(self, rt: Tierline, uow: UnitOfWork) -> None:
        self.rt = rt
        self.policy: Policy = rt.active().policy
        self.calendars = rt.active().calendars
        self.people = {p["handle"]: p for p in uow.people.all() if p["active"]}

    def calendar(self, person: dict[str, Any]) -> BusinessCalendar:
        hours = person.get("working_hours") or {}
        name = hours.get("calendar") if isinstance(hours, dict) else None
        name = name or self.policy.calendar_for_team(person.get("team")) or "24x7"
        return self.calendars.get(name if name in self.calendars else "24x7")

    def quiet(self, person: dict[str, Any], at: datetime) -> datetime | None:
        """When the person's quiet hours end, if ``at`` falls inside them."""
        quiet = person.get("quiet_hours") or {}
        spans = quiet.get("intervals") if isinstance(quiet, dict) else None
        if not spans:
            return None
        local = at.astimezone(self.calendar(person).tz)
        now_s = local.hour * 3600 + local.minute * 60 + local.second
        for span in spans:
            start_s, end_s = (parse_clock_time(x) for x in str(span).replace(" ", "").split("-"))
            inside = (
                (start_s <= now_s < end_s)
                if start_s < end_s
                else (now_s >= start_s or now_s < end_s)
            )
            if inside:
                end_local = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
                    seconds=end_s
                )
                if end_local <= local:
                    end_local += timedelta(days=1)
                return end_local
        return None

    def on_duty(self, person: dict[str, Any], at: datetime) -> bool:
        return self.calendar(person).is_open(at) and self.quiet(person, at) is None

    def next_on_duty(self, person: dict[str, Any], at: datetime) -> datetime:
        moment = at
        for _ in range(14):
            moment = self.calendar(person).next_open(moment)
            end_of_quiet = self.quiet(person, moment)
            if end_of_quiet is None:
                return moment
            moment = end_of_quiet
        return moment

    def stand_in(self, person: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        """A colleague on duty in the same team: the same role first, then anyone who works
        cases there."""
        team = person.get("team")
        if not team:
            return None
        mates = [
            p
            for p in self.people.values()
            if p.get("team") == team and p["handle"] != person["handle"] and self.on_duty(p, at)
        ]
        same = [p for p in mates if p["role"] == person["role"]]
        chosen = same or mates
        return chosen[0] if chosen else None


def dispatch(rt: Tierline, now: datetime) -> int:
    """One round: deliver due alerts, digests and reminders; returns how many went out."""
    rules = rt.active().policy.alerts
    sent = 0
    with rt.uow() as uow:
        duty = Duty(rt, uow)
        digests: dict[str, list[dict[str, Any]]] = defaultdict(list)
        due = uow.alerts.due(now)
        uow.alerts.lock_dedupe_keys([a["dedupe_key"] for a in due])
        # Delivered within the window, as of now (under the keys' locks); keys delivered in
        # this round are added as they go, so a second alert of one key is dropped as before.
        delivered = uow.alerts.recently_sent(
            [a["dedupe_key"] for a in due], now - rules.dedupe_window
        )
        for alert in due:
            person = duty.people.get(alert["recipient"])
            if person is None:
                uow.alerts.update(alert["id"], {"status": "undeliverable"})
                continue
            if not duty.on_duty(person, now):
                mate = duty.stand_in(person, now) if rules.route_to_on_duty else None
                if mate is None:
                    uow.alerts.update(
                        alert["id"], {"deliver_after": duty.next_on_duty(person, now)}
                    )
                    continue
                alert = {
                    **alert,
                    "recipient": mate["handle"],
                    "intended_for": alert["intended_for"] or person["handle"],
                }
                uow.alerts.update(
                    alert["id"],
                    {"recipient": mate["handle"], "intended_for": alert["intended_for"]},
                )
                person = mate
            if alert["dedupe_key"] in delivered:
                uow.alerts.update(alert["id"], {"status": "deduplicated"})
                continue
            if alert["digest"]:
                digests[person["handle"]].append(alert)
                continue
            _deliver(rt, uow, person, [alert], now, reminder=0)
            uow.alerts.update(alert["id"], _after_send(alert, rules, now))
            delivered.add(alert["dedupe_key"])
            sent += 1
        for handle, batch in digests.items():
            oldest = min(a["created_at"] for a in batch)
            waiting = uow.alerts.oldest_pending_digest(handle)
            if waiting is not None and waiting < oldest:
                oldest = waiting  # an earlier one already waits: these join its digest
            if now - oldest < rules.digest_every:
                # Not due yet: they wait, unclaimed, until the digest is. (Left due, every tick
                # of every worker claimed them again, locked their keys, checked them for
                # duplicates and put them back: most of the worker's time under many alerts.)
                wait = {"deliver_after": oldest + rules.digest_every}
                uow.alerts.update_all([a["id"] for a in batch], wait)
                continue
            _deliver(rt, uow, duty.people[handle], batch, now, reminder=0)
            for a in batch:
                uow.alerts.update(a["id"], _after_send(a, rules, now))
            sent += 1
        for alert in uow.alerts.reminders_due(now):
            person = duty.people.get(alert["recipient"])
            if person is None or alert["repeats"] >= rules.max_repeats:
                uow.alerts.update(alert["id"], {"next_repeat_at": None})
                continue
            if not duty.on_duty(person, now):
                uow.alerts.update(alert["id"], {"next_repeat_at": duty.next_on_duty(person, now)})
                continue
            _deliver(rt, uow, person, [alert], now, reminder=alert["repeats"] + 1)
            more = alert["repeats"] + 1 < rules.max_repeats
            uow.alerts.update(
                alert["id"],
                {
                    "repeats": alert["repeats"] + 1,
                    "next_repeat_at": now + rules.repeat_every if more else None,
                },
            )
            sent += 1
        uow.commit()
    return sent


def _after_send(alert: dict[str, Any], rules: AlertRules, now: datetime) -> dict[str, Any]:
    repeats = alert["kind"] in REPEATING and rules.max_repeats > 0
    return {
        "status": "sent",
        "delivered_at": now,
        "next_repeat_at": now + rules.repeat_every if repeats else None,
    }


def _deliver(
    rt: Tierline,
    uow: UnitOfWork,
    person: dict[str, Any],
    batch: list[dict[str, Any]],
    now: datetime,
    *,
    reminder: int,
) -> None:
    settings = rt.settings
    handle = person["handle"]
    first = batch[0]
    if len(batch) == 1:
        prefix = f"[reminder {reminder}] " if reminder else ""
        subject = f"{prefix}case {first['case_id']}: {first['summary']}"
        lines = [subject]
    else:
        subject = f"{len(batch)} alerts for you"
        lines = [subject] + [f"- case {a['case_id']}: {a['summary']}" for a in batch]
    if first.get("intended_for") and first["intended_for"] != handle:
        lines.append(f"(for {first['intended_for']}, who is off duty)")
    body = "\n".join(lines) + "\n"
    key = f"alert:{'+'.join(str(a['id']) for a in batch)}:{reminder}"
    payload = {
        "case_id": first["case_id"],
        "recipient": handle,
        "summary": subject,
        "alerts": [a["id"] for a in batch],
        "kind": first["kind"],
        "text": body,
    }
    rows = [_row(f"{key}:log", "log", handle, subject, payload, first["case_id"], now)]
    if person.get("email") and settings.smtp_host:
        rows.append(
            _row(
                f"{key}:email",
                "email",
                person["email"],
                subject,
                {
                    **payload,
                    "to": person["email"],
                    "to_name": person["name"],
                    "subject": subject,
                    "text": body,
                    "html": None,
                    "message_id": None,
                    "in_reply_to": None,
                    "references": [],
                    "reply_to": None,
                },
                first["case_id"],
                now,
            )
        )
    if settings.notify_webhook_url:
        rows.append(
            _row(
                f"{key}:webhook",
                "webhook",
                settings.notify_webhook_url,
                subject,
                {"type": "alert", **payload},
                first["case_id"],
                now,
            )
        )
    uow.outbox.add_many(rows)


def _row(
    key: str,
    channel: str,
    recipient: str,
    subject: str,
    payload: dict[str, Any],
    case_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "idempotency_key": key[:200],
        "case_id": case_id,
        "event_id": None,
        "kind": "notification",
        "channel": channel,
        "recipient": recipient,
        "subject": subject[:500],
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


# ----------------------------------------------------------------- use cases


def my_alerts(
    rt: Tierline, actor: Actor, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    with rt.uow(readonly=True) as uow:
        rows = uow.alerts.for_person(actor.handle, status, min(max(limit, 1), 500))
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows
    ]


def acknowledge(rt: Tierline, actor: Actor, alert_id: int) -> dict[str, Any]:
    with rt.uow() as uow:
        alert = uow.alerts.get(alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id} does not exist")
        if actor.handle not in (alert["recipient"], alert["intended_for"]) and not actor.can(
            "case.read_all"
        ):
            raise Forbidden("only the person alerted (or a supervisor) may acknowledge it")
        uow.alerts.acknowledge([alert_id], actor.handle, rt.now())
        uow.commit()
    return {"id": alert_id, "status": "acknowledged"}


def acknowledge_case(rt: Tierline, actor: Actor, case_id: int) -> dict[str, Any]:
    with rt.uow() as uow:
        ids = uow.alerts.open_for_case(case_id, actor.handle)
        n = uow.alerts.acknowledge(ids, actor.handle, rt.now())
        uow.commit()
    return {"case_id": case_id, "acknowledged": n}


def set_hours(
    rt: Tierline, actor: Actor, handle: str, *, calendar: str | None, quiet_hours: list[str] | None
) -> dict[str, Any]:
    """A person's own working calendar and quiet hours (themselves, or an administrator)."""
    if actor.handle != handle and not actor.can("user.admin"):
        raise Forbidden("only the person or an administrator may change working hours")
    from sqlalchemy import update

    from tierline.service.errors import Invalid
    from tierline.store.tables import people

    active = rt.active()
    if calendar is not None and calendar not in active.calendars:
        raise Invalid(
            f"unknown calendar '{calendar}'; expected one of: {', '.join(active.calendars.names())}"
        )
    for span in quiet_hours or []:
        try:
            start, end = (parse_clock_time(x) for x in span.replace(" ", "").split("-"))
        except ValueError as exc:
            raise Invalid(f"quiet_hours: {exc}") from None
        if start == end:
            raise Invalid(f"quiet_hours: '{span}' is empty; expected e.g. 22:00-07:00")
    with rt.uow() as uow:
        res = uow.conn.execute(
            update(people)
            .where(people.c.handle == handle)
            .values(
                working_hours={"calendar": calendar} if calendar else None,
                quiet_hours={"intervals": quiet_hours} if quiet_hours else None,
            )
        )
        if not res.rowcount:
            raise NotFound(f"person {handle} does not exist")
        uow.commit()
    return {"handle": handle, "calendar": calendar, "quiet_hours": quiet_hours or []}
