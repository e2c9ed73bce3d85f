"""The running service's shared parts: engine, clock, settings, the active policy and plans.

The active policy is re-read from the database when another process activates a new version
(checked at most once per ``policy_refresh_seconds``), so activation takes effect everywhere
without a restart (R-POL-3). Each version is parsed, compiled and frozen into a plan once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from tierline.clock import Clock, SystemClock
from tierline.config import Settings
from tierline.domain.calendar import CalendarBook
from tierline.domain.plan import EscalationPlan, freeze_plan
from tierline.domain.policy import Policy
from tierline.domain.triggers import TriggerEngine
from tierline.service.errors import Conflict, NotFound
from tierline.store.db import make_engine
from tierline.store.uow import UnitOfWork


@dataclass(frozen=True)
class ActivePolicy:
    policy: Policy
    document: dict[str, Any]
    source_text: str
    calendars: CalendarBook
    triggers: TriggerEngine
    plan: EscalationPlan
    plan_data: dict[str, Any]

    @property
    def version(self) -> str:
        return self.policy.version


_BUILT: dict[tuple[str, str], ActivePolicy] = {}


def build_active(source_text: str, filename: str, now: datetime) -> ActivePolicy:
    """Parse, compile and freeze a policy text; cached, as the result is immutable."""
    key = (source_text, filename)
    hit = _BUILT.get(key)
    if hit is not None:
        return hit
    from tierline.policy import calendar_book, load_policy_text

    loaded = load_policy_text(source_text, filename)
    policy = loaded.policy
    calendars = calendar_book(policy)
    plan = freeze_plan(policy, now)
    active = ActivePolicy(
        policy=policy,
        document=loaded.document,
        source_text=source_text,
        calendars=calendars,
        triggers=TriggerEngine(policy, calendars),
        plan=plan,
        plan_data=plan.to_data(),
    )
    if len(_BUILT) > 32:
        _BUILT.clear()
    _BUILT[key] = active
    return active


class Tierline:
    """The composition root's product: what every entry point (API, worker, CLI) works with."""

    def __init__(
        self, settings: Settings, engine: Engine | None = None, clock: Clock | None = None
    ):
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._active: ActivePolicy | None = None
        self._checked_at = 0.0
        self._by_version: dict[str, ActivePolicy] = {}
        self._plans: dict[str, tuple[EscalationPlan, CalendarBook]] = {}

    def uow(
        self, *, readonly: bool = False, guarded: bool = False, deferred: bool = False
    ) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=readonly, guarded=guarded, deferred=deferred)

    def now(self) -> datetime:
        return self.clock.now()

    # ----------------------------------------------------------------- policy

    def active(self) -> ActivePolicy:
        """The active policy, refreshed from the store when another process changed it."""
        current = self._active
        if (
            current is not None
            and time.monotonic() - self._checked_at < self.settings.policy_refresh_seconds
        ):
            return current
        with self.uow(readonly=True) as uow:
            version = uow.policies.active_version()
            if version is None:
                raise Conflict("no policy is active; run 'tierline init' or POST /api/policy first")
            if current is None or current.version != version:
                current = self._load_version(uow, version)
        with self._lock:
            self._active = current
            self._checked_at = time.monotonic()
        return current

    def _load_version(self, uow: UnitOfWork, version: str) -> ActivePolicy:
        cached = self._by_version.get(version)
        if cached is not None:
            return cached
        row = uow.policies.get(version)
        if row is None:
            raise NotFound(f"policy version {version} is not stored")
        active = build_active(row["source_text"], row["filename"] or "policy.yaml", self.now())
        self._by_version[version] = active
        return active

    def invalidate_policy(self) -> None:
        with self._lock:
            self._checked_at = 0.0

    def plan(self, uow: UnitOfWork, digest: str) -> tuple[EscalationPlan, CalendarBook]:
        """A case's frozen plan and its calendars, by digest (cached: plans never change)."""
        hit = self._plans.get(digest)
        if hit is not None:
            return hit
        row = uow.plans.get(digest)
        if row is None:
            raise NotFound(f"plan {digest} is not stored")
        plan = EscalationPlan.from_data(row["data"])
        from tierline.policy import calendar_book

        hit = (plan, calendar_book(plan.governing))
        self._plans[digest] = hit
        return hit

    def ensure_plan(self, active: ActivePolicy) -> str:
        """Store the active version's plan once (in its own short transaction) and return its
        digest. Called before a use case opens its own transaction, so the plan row exists even
        if that use case is refused and rolled back."""
        digest = active.plan.digest
        if digest not in self._plans:
            with self.uow() as uow:
                uow.plans.ensure(digest, active.version, active.plan_data, self.now())
                uow.commit()
            self._plans[digest] = (active.plan, active.calendars)
        return digest
