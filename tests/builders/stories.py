"""Case histories told as dated events, ``Story(at).opened(...).message(...)``, for tests that
fold a case or compute its clocks without a database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.builders.offices import BERLIN
from tierline.domain.events import CaseEvent, EventKind
from tierline.domain.vocabulary import MessageDirection


class Story:
    """A case history told as dated events: ``Story(at).opened(...).message(...)``."""

    def __init__(self, tz: ZoneInfo = BERLIN) -> None:
        self.tz = tz
        self.events: list[CaseEvent] = []

    def at(self, text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=self.tz)

    def add(self, when: str, kind: EventKind, actor: str | None = None, **data: Any) -> Story:
        self.events.append(CaseEvent(self.at(when), kind, data, actor))
        return self

    def opened(
        self,
        when: str,
        *,
        contact_type: str = "bug_report",
        severity: str = "S3",
        tier: str = "T1",
        team: str = "frontline",
        owner: str | None = "alice",
        channel: str = "email",
        **extra: Any,
    ) -> Story:
        return self.add(
            when,
            EventKind.OPENED,
            owner,
            contact_type=contact_type,
            severity=severity,
            tier=tier,
            team=team,
            owner=owner,
            channel=channel,
            status="open",
            **extra,
        )

    def reply(self, when: str, by: str = "alice") -> Story:
        return self.add(when, EventKind.MESSAGE, by, direction=MessageDirection.OUTBOUND.value)

    def customer(self, when: str, **extra: Any) -> Story:
        return self.add(
            when, EventKind.MESSAGE, "customer", direction=MessageDirection.INBOUND.value, **extra
        )

    def status(self, when: str, to: str) -> Story:
        return self.add(when, EventKind.STATUS_CHANGED, to=to)

    def escalate(
        self,
        when: str,
        esc_id: str = "e1",
        to_tier: str | None = "T2",
        to_team: str | None = "specialists",
        type: str = "tier",
    ) -> Story:
        return self.add(
            when,
            EventKind.ESCALATED,
            escalation_id=esc_id,
            to_tier=to_tier,
            to_team=to_team,
            type=type,
        )

    def accept(
        self,
        when: str,
        esc_id: str = "e1",
        by: str = "bob",
        tier: str = "T2",
        team: str = "specialists",
    ) -> Story:
        return self.add(
            when, EventKind.ACCEPTED, by, escalation_id=esc_id, by=by, tier=tier, team=team
        )

    def resolve(self, when: str) -> Story:
        return self.add(when, EventKind.RESOLVED)
