"""Settings from the environment (``TIERLINE_`` prefix); the embedded default needs none."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    #: One SQLite file in the current folder unless PostgreSQL is named.
    database_url: str = "sqlite:///tierline.db"
    #: Receivers of every case event (R-UI-1), signed with ``webhook_secret``.
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str = ""
    #: Where staff notifications go besides the log (a chat tool's incoming webhook).
    notify_webhook_url: str = ""
    worker_poll_seconds: float = 0.25
    worker_batch: int = 200
    outbox_lease_seconds: float = 60.0
    outbox_max_attempts: int = 8
    policy_refresh_seconds: float = 1.0
    log_format: str = "text"
    public_url: str = "http://127.0.0.1:8000"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        return cls(
            database_url=e.get("TIERLINE_DATABASE_URL") or cls.database_url,
            webhook_urls=_list(e.get("TIERLINE_WEBHOOK_URLS")),
            webhook_secret=e.get("TIERLINE_WEBHOOK_SECRET", ""),
            notify_webhook_url=e.get("TIERLINE_NOTIFY_WEBHOOK_URL", ""),
            worker_poll_seconds=float(e.get("TIERLINE_WORKER_POLL_SECONDS") or 0.25),
            worker_batch=int(e.get("TIERLINE_WORKER_BATCH") or 200),
            outbox_lease_seconds=float(e.get("TIERLINE_OUTBOX_LEASE_SECONDS") or 60),
            outbox_max_attempts=int(e.get("TIERLINE_OUTBOX_MAX_ATTEMPTS") or 8),
            policy_refresh_seconds=float(e.get("TIERLINE_POLICY_REFRESH_SECONDS") or 1.0),
            log_format=e.get("TIERLINE_LOG_FORMAT", "text"),
            public_url=e.get("TIERLINE_PUBLIC_URL", cls.public_url),
        )
