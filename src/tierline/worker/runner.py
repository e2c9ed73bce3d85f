"""The worker: fires due clocks and delivers the outbox, every fraction of a second.

Firing: cases whose ``next_due_at`` has passed are claimed (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so any number of workers take disjoint cases) and finished by the same session code
the API uses: due stages become ``clock_fired`` events with their decisions, which is what makes
them fire once. Each case runs in a savepoint, so one failing case is recorded and retried later
without holding back the others.

Delivery: outbox rows are claimed with a lease, sent, then marked sent. A worker killed between
send and mark leaves the row ``sending`` until its lease expires; it is then sent again with the
same idempotency key, which receivers use to drop the duplicate.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from tierline.channels.base import Channel, DeliveryError
from tierline.channels.log import LogChannel
from tierline.channels.webhook import WebhookChannel
from tierline.service.actors import SYSTEM
from tierline.service.errors import ServiceError
from tierline.service.runtime import Tierline
from tierline.service.session import CaseSession
from tierline.store.tables import cases
from tierline.store.uow import UnitOfWork
from tierline.worker.heartbeat import beat
from tierline.worker.lock import SingleWorkerLock

log = logging.getLogger("tierline.worker")

#: A case whose processing fails is retried after this long, so it cannot hot-loop.
FAILED_CASE_BACKOFF = timedelta(seconds=30)


@dataclass
class TickResult:
    fired: int = 0
    failed: int = 0
    delivered: int = 0
    delivery_failures: int = 0
    lag_seconds: float = 0.0  # how late the oldest due case was when claimed
    alerts: int = 0  # staff alerts, digests and reminders sent


def default_channels(rt: Tierline) -> dict[str, Channel]:
    """The channels the settings configure: log and webhooks always, e-mail with an SMTP host."""
    channels: dict[str, Channel] = {
        "log": LogChannel(),
        "webhook": WebhookChannel(rt.settings.webhook_secret),
    }
    if rt.settings.smtp_host:
        from tierline.channels.smtp import SMTPChannel

        channels["email"] = SMTPChannel(rt.settings)
    return channels


_UNCONFIGURED = {
    "email": "e-mail is not configured; set TIERLINE_SMTP_HOST (and _PORT, _TLS, _USER, "
    "_PASSWORD) so the worker can send it",
}


class Worker:
    def __init__(
        self, rt: Tierline, name: str | None = None, channels: dict[str, Channel] | None = None
    ) -> None:
        self.rt = rt
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self) % 10_000}"
        self.channels: dict[str, Channel] = channels or default_channels(rt)
        self.fired_total = 0
        self.sent_total = 0
        self._lock: SingleWorkerLock | None = None
        self._started = rt.now()
        self._last_beat = 0.0

    # ----------------------------------------------------------------- lifecycle

    def acquire(self) -> None:
        """On SQLite, refuse to start when another worker already runs on the same file."""
        if self.rt.engine.dialect.name == "sqlite":
            self._lock = SingleWorkerLock(self.rt.engine)
            self._lock.acquire()

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def run(self, stop: threading.Event, *, max_ticks: int | None = None) -> None:
        self.acquire()
        ticks = 0
        try:
            while not stop.is_set():
                result = self.tick()
                ticks += 1
                if max_ticks is not None and ticks >= max_ticks:
                    break
                busy = result.fired or result.delivered or result.alerts
                if not busy:
                    stop.wait(self.rt.settings.worker_poll_seconds)
        finally:
            self.release()

    # ----------------------------------------------------------------- one round

    def tick(self, now: datetime | None = None) -> TickResult:
        result = TickResult()
        when = now or self.rt.now()
        self.fire_due(when, result)
        self.dispatch_alerts(now or self.rt.now(), result)
        self.deliver(now or self.rt.now(), result)
        if time.monotonic() - self._last_beat > 5:
            self._last_beat = time.monotonic()
            beat(
                self.rt,
                self.name,
                self._started,
                self.fired_total,
                self.sent_total,
                result.lag_seconds,
            )
        return result

    def fire_due(self, now: datetime, result: TickResult) -> None:
        rt = self.rt
        batch = rt.settings.worker_batch
        if rt.engine.dialect.name == "sqlite":
            batch = min(batch, 25)  # keep SQLite's single write lock short for the API
        try:
            rt.active()
        except Exception as exc:  # no policy yet: nothing can be due
            log.debug("no active policy: %s", exc)
            return
        with rt.uow() as uow:
            ids = uow.cases.due(now, batch)
            for case_id in ids:
                row = uow.cases.get(case_id)
                if row is None or row["next_due_at"] is None or row["next_due_at"] > now:
                    continue
                lag = (now - row["next_due_at"]).total_seconds()
                result.lag_seconds = max(result.lag_seconds, lag)
                savepoint = uow.conn.begin_nested()
                try:
                    session = CaseSession(rt, uow, row, now, SYSTEM)
                    session.finish()
                    savepoint.commit()
                    result.fired += 1
                except Exception:  # recorded below and retried later, never swallowed
                    savepoint.rollback()
                    result.failed += 1
                    log.exception(
                        "case %s could not be processed; retrying in %s",
                        case_id,
                        FAILED_CASE_BACKOFF,
                    )
                    uow.conn.execute(
                        update(cases)
                        .where(cases.c.id == case_id)
                        .values(next_due_at=now + FAILED_CASE_BACKOFF)
                    )
            uow.commit()
        self.fired_total += result.fired

    def dispatch_alerts(self, now: datetime, result: TickResult) -> None:
        """Staff alerts: on-duty routing, dedupe, digests, reminders (service.alerts)."""
        from tierline.service.alerts import dispatch

        try:
            self.rt.active()
        except ServiceError:  # no policy yet: nobody to alert
            return
        result.alerts += dispatch(self.rt, now)

    def deliver(self, now: datetime, result: TickResult) -> None:
        rt = self.rt
        lease = timedelta(seconds=rt.settings.outbox_lease_seconds)
        with rt.uow() as uow:
            rows = uow.outbox.claim(now, self.name, rt.settings.worker_batch, lease)
            uow.commit()
        # On PostgreSQL the transaction that records the send is opened before sending, so
        # after the receiver's acceptance only the COMMIT remains: the window in which a crash
        # makes the message go out again is as short as it can be. SQLite would hold its single
        # write lock during the send, so there the transaction follows it.
        early = rt.engine.dialect.name != "sqlite"
        for row in rows:
            if early:
                with rt.uow() as uow:
                    uow.conn.exec_driver_sql("SELECT 1")  # the transaction is really open
                    error = self._send(row)
                    self._record(uow, row, error, result)
                    uow.commit()
            else:
                error = self._send(row)
                with rt.uow() as uow:
                    self._record(uow, row, error, result)
                    uow.commit()
        self.sent_total += result.delivered

    def _send(self, row: dict[str, Any]) -> DeliveryError | None:
        channel = self.channels.get(row["channel"])
        if channel is None:
            return DeliveryError(
                _UNCONFIGURED.get(row["channel"], f"no channel '{row['channel']}' is configured"),
                retryable=False,
            )
        try:
            channel.deliver(row)
        except DeliveryError as exc:
            return exc
        return None

    def _record(
        self, uow: UnitOfWork, row: dict[str, Any], error: DeliveryError | None, result: TickResult
    ) -> None:
        now = self.rt.now()
        if error is None:
            uow.outbox.mark_sent(row["id"], self.name, now)
            result.delivered += 1
            return
        retry_at = self._retry_at(row, error, now)
        uow.outbox.mark_failed(row["id"], self.name, str(error), retry_at)
        result.delivery_failures += 1
        log.warning(
            "delivery of outbox %s failed (%s); %s",
            row["id"],
            error,
            f"retry at {retry_at.isoformat()}" if retry_at else "dead letter",
        )

    def _retry_at(
        self, row: dict[str, Any], error: DeliveryError, now: datetime
    ) -> datetime | None:
        if not error.retryable or row["attempts"] >= self.rt.settings.outbox_max_attempts:
            return None
        return now + timedelta(seconds=min(5 * 2 ** (row["attempts"] - 1), 3600))
