"""Customer communication deadlines, read off a case's history (R-COMM-1..6).

Every message the policy promises the customer is a clock, evaluated like an SLA clock:

* **acknowledgement** — a customer who asks for a manager is acknowledged before any transfer,
  within ``communication.acknowledge_within``;
* **escalation notice** — after each escalation: who owns the case now, when the next contact
  will be and what to do if it does not come, within ``escalation_notice`` (or the escalation
  type's ``notice_within``);
* **daily update** — once a case has been open one business day (``daily_after``), a message
  every business day until it is resolved, even without news. Day *D*'s window runs from the
  previous requirement's close to *D*'s close of business on the owning team's calendar; any
  message to the customer in it meets it. Days the case spends waiting in a status that pauses
  the update clock are skipped, and a first window shorter than two open hours is not counted
  (nobody could be expected to meet it);
* **resolution** — the resolution message, within ``resolution_message_within`` of resolving if
  it did not go out with the resolution;
* **follow-up** — 48–72 h after resolution for the severities and escalation types the policy
  names: a window that opens (stage ``open``) and closes;
* **confirmation** — the customer's window to confirm the resolution; when it closes the case is
  closed as process-closed.

A required message is met by an outbound message whose ``kind`` names it (any outbound message
meets a daily update). Clocks here never pause: a promise to a customer is a promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from tierline.domain.calendar import ALWAYS_OPEN, BusinessCalendar, CalendarBook
from tierline.domain.clock_specs import Spec
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.policy import Policy, Target
from tierline.domain.vocabulary import (
    CaseStatus,
    ClockKind,
    EscalationType,
    MessageDirection,
    Severity,
    TimeBasis,
)

#: A first daily-update window shorter than this is not required.
_MIN_FIRST_WINDOW = timedelta(hours=2)
#: How many business days of daily updates one case can owe; beyond it the case is stale data.
_MAX_DAYS = 400


def _calendar_name(policy: Policy, team: str | None, target: Target) -> str:
    if target.basis is TimeBasis.CALENDAR:
        return ALWAYS_OPEN.name
    return target.calendar or policy.calendar_for_team(team) or ALWAYS_OPEN.name


def communication_specs(
    history: Sequence[CaseEvent], policy: Policy, calendars: CalendarBook, now: datetime
) -> list[Spec]:
    if not history:
        return []
    comm = policy.communication
    specs: list[Spec] = []
    team: str | None = history[0].get("team")
    severity = Severity(history[0].get("severity") or "S3")
    escalation_types: set[EscalationType] = set()
    ack: Spec | None = None
    notices: list[Spec] = []
    after_resolution: list[Spec] = []
    resolution_sent_at: datetime | None = None
    statuses: list[tuple[datetime, str]] = [(history[0].at, CaseStatus.OPEN.value)]
    outbound: list[datetime] = []
    # Daily updates are owed while the case is open: from opening (or a reopen) to its
    # resolution or closure.
    episodes: list[tuple[datetime, datetime | None]] = []
    episode_start: datetime | None = history[0].at
    cal_basis = Target(timedelta(0), TimeBasis.CALENDAR)

    def stop_all(pool: list[Spec], at: datetime, *, cancelled: bool) -> None:
        for spec in pool:
            if spec.stop is None:
                spec.stop, spec.cancelled = at, cancelled

    for ev in history:
        at, kind, data = ev.at, ev.kind, ev.data
        if kind is EventKind.MESSAGE and data.get("direction") == MessageDirection.OUTBOUND:
            outbound.append(at)
            sent = data.get("kind")
            if sent == "acknowledgement" and ack is not None and ack.stop is None:
                ack.stop = at
            elif sent == "escalation_notice":
                stop_all(notices, at, cancelled=False)
            elif sent == "resolution":
                resolution_sent_at = at
                for spec in after_resolution:
                    if spec.kind is ClockKind.RESOLUTION_MESSAGE and spec.stop is None:
                        spec.stop = at
            elif sent == "follow_up":
                for spec in after_resolution:
                    opens = spec.opens_at
                    if (
                        spec.kind is ClockKind.FOLLOW_UP
                        and spec.stop is None
                        and opens
                        and at >= opens
                    ):
                        spec.stop = at
        elif kind is EventKind.FLAGGED and data.get("flag") == "customer_request" and ack is None:
            target = comm.acknowledge_within
            ack = Spec(
                "acknowledgement",
                ClockKind.ACKNOWLEDGEMENT,
                at,
                target,
                _calendar_name(policy, team, target),
                pausable=False,
            )
            specs.append(ack)
        elif kind is EventKind.ESCALATED:
            etype = EscalationType(data.get("type") or "tier")
            escalation_types.add(etype)
            target = policy.type_rule(etype).notice_within or comm.escalation_notice
            esc = str(data.get("escalation_id"))
            stop_all(notices, at, cancelled=True)  # superseded by the newer escalation's notice
            notice = Spec(
                f"escalation_notice:{esc}",
                ClockKind.ESCALATION_NOTICE,
                at,
                target,
                _calendar_name(policy, data.get("to_team") or team, target),
                pausable=False,
                subject=esc,
            )
            notices.append(notice)
            specs.append(notice)
        elif kind is EventKind.ACCEPTED or kind is EventKind.ASSIGNED:
            team = data.get("team") or team
        elif kind is EventKind.SEVERITY_CHANGED:
            severity = Severity(data["to"])
        elif kind is EventKind.STATUS_CHANGED:
            statuses.append((at, str(data["to"])))
        elif kind is EventKind.RESOLVED:
            if episode_start is not None:
                episodes.append((episode_start, at))
                episode_start = None
            statuses.append((at, CaseStatus.RESOLVED.value))
            if ack is not None and ack.stop is None:
                ack.stop, ack.cancelled = at, True
            stop_all(notices, at, cancelled=True)
            after_resolution.extend(
                _after_resolution(
                    policy, at, severity, escalation_types, resolution_sent_at, team, cal_basis
                )
            )
            specs.extend(after_resolution[-3:])
        elif kind is EventKind.CLOSED:
            if episode_start is not None:
                episodes.append((episode_start, at))
                episode_start = None
            statuses.append((at, CaseStatus.CLOSED.value))
            for spec in after_resolution:  # the follow-up still happens after a confirmed close
                if spec.stop is None and spec.kind is not ClockKind.FOLLOW_UP:
                    spec.stop = at  # the confirmation window ends: the customer answered
            stop_all(notices, at, cancelled=True)
            if ack is not None and ack.stop is None:
                ack.stop, ack.cancelled = at, True
        elif kind is EventKind.REOPENED:
            stop_all(after_resolution, at, cancelled=True)
            statuses.append((at, CaseStatus.OPEN.value))
            resolution_sent_at = None
            episode_start = at
    if episode_start is not None:
        episodes.append((episode_start, None))
    if comm.daily_updates:
        for start, end in episodes:
            specs.extend(
                _daily_updates(policy, calendars, start, end, team, statuses, outbound, now)
            )
    return _dedupe(specs)


def _dedupe(specs: list[Spec]) -> list[Spec]:
    seen: set[str] = set()
    out = []
    for spec in specs:
        if spec.key not in seen:
            seen.add(spec.key)
            out.append(spec)
    return out


def _after_resolution(
    policy: Policy,
    at: datetime,
    severity: Severity,
    types: set[EscalationType],
    sent_at: datetime | None,
    team: str | None,
    cal_basis: Target,
) -> list[Spec]:
    comm = policy.communication
    out: list[Spec] = []
    target = comm.resolution_message_within
    msg = Spec(
        f"resolution_message:{at.isoformat()}",
        ClockKind.RESOLUTION_MESSAGE,
        at,
        target,
        _calendar_name(policy, team, target),
        pausable=False,
        levels=False,
    )
    if sent_at is not None:
        msg.stop = at  # it went out with the resolution
    out.append(msg)
    rule = comm.follow_up
    if severity in rule.severities or types & set(rule.types):
        due = at + rule.within
        out.append(
            Spec(
                f"follow_up:{at.isoformat()}",
                ClockKind.FOLLOW_UP,
                at,
                replace(cal_basis, duration=rule.within),
                ALWAYS_OPEN.name,
                pausable=False,
                fixed_due=due,
                opens_at=at + rule.after,
                warnings=False,
                levels=False,
            )
        )
    window = comm.confirmation_window
    out.append(
        Spec(
            f"confirmation:{at.isoformat()}",
            ClockKind.CONFIRMATION,
            at,
            replace(cal_basis, duration=window),
            ALWAYS_OPEN.name,
            pausable=False,
            fixed_due=at + window,
            warnings=False,
            levels=False,
        )
    )
    return out


def _day_bounds(cal: BusinessCalendar, day: date) -> tuple[datetime, datetime] | None:
    spans = cal.open_intervals(day)
    return (spans[0][0], spans[-1][1]) if spans else None


def _daily_updates(
    policy: Policy,
    calendars: CalendarBook,
    start: datetime,
    end: datetime | None,
    team: str | None,
    statuses: list[tuple[datetime, str]],
    outbound: list[datetime],
    now: datetime,
) -> list[Spec]:
    """One clock per business day from one business day after ``start`` until ``end``.

    Past days are met or missed; the current (or next) business day's clock is the running one.
    """
    comm = policy.communication
    target = comm.daily_after
    cal = calendars.get(_calendar_name(policy, team, target))
    threshold = cal.add(start, target.duration)
    pausing = policy.pausing_statuses(ClockKind.NEXT_UPDATE)
    horizon = end if end is not None else now
    specs: list[Spec] = []
    day = threshold.astimezone(cal.tz).date()
    if not cal.is_business_day(day):
        day = cal.next_business_day(day)
    window_start = threshold
    for _ in range(_MAX_DAYS):
        bounds = _day_bounds(cal, day)
        if bounds is None:
            day = cal.next_business_day(day)
            continue
        open_at, close_at = bounds
        if end is not None and close_at > end and open_at >= end:
            break
        first = not specs and window_start == threshold
        if first and close_at - max(threshold, open_at) < _MIN_FIRST_WINDOW:
            window_start = close_at
            day = cal.next_business_day(day)
            continue
        if _status_at(statuses, min(close_at, horizon)) in pausing:
            window_start = close_at
            day = cal.next_business_day(day)
            if close_at > horizon:
                break
            continue
        sent = next((t for t in outbound if window_start < t <= close_at), None)
        begin = (
            max(window_start, open_at) if sent is None else min(max(window_start, open_at), sent)
        )
        spec = Spec(
            f"daily_update:{day.isoformat()}",
            ClockKind.DAILY_UPDATE,
            begin,
            Target(close_at - begin, TimeBasis.CALENDAR),
            cal.name,  # the team's calendar: instants read in its local time
            pausable=False,
            fixed_due=close_at,
            levels=True,
        )
        if sent is not None:
            spec.stop = sent
        elif end is not None and end <= close_at:
            spec.stop, spec.cancelled = end, True  # resolved that day: the resolution says it
        elif close_at <= now:
            # Missed, but not stopped: its breach stages still have to alert someone; once
            # acted on they are no longer pending.
            spec.missed = True
        specs.append(spec)
        if close_at > horizon or spec.cancelled:
            break
        window_start = close_at
        day = cal.next_business_day(day)
    return specs


def _status_at(statuses: list[tuple[datetime, str]], at: datetime) -> str:
    current = CaseStatus.OPEN.value
    for t, status in statuses:
        if t.timestamp() > at.timestamp():
            break
        current = status
    return current
