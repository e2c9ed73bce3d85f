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
    # Customer e-mail (R-COMM-6): outgoing over SMTP, replies come back to ``inbound_address``.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_tls: str = "none"  # none, starttls, ssl
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 30.0
    mail_from: str = "support@tierline.invalid"
    mail_from_name: str = "Customer Support"
    inbound_address: str = ""  # Reply-To of customer mail; defaults to mail_from
    #: Shared secret the inbound-mail HTTP endpoint requires (X-Tierline-Inbound-Secret).
    inbound_secret: str = ""
    #: Chat / SMS provider webhook for customers who wrote on those channels.
    customer_webhook_url: str = ""
    #: Signs customer links; if empty, a key file next to the SQLite database is used.
    secret_key: str = ""
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
            smtp_host=e.get("TIERLINE_SMTP_HOST", ""),
            smtp_port=int(e.get("TIERLINE_SMTP_PORT") or 25),
            smtp_tls=e.get("TIERLINE_SMTP_TLS", "none"),
            smtp_user=e.get("TIERLINE_SMTP_USER", ""),
            smtp_password=e.get("TIERLINE_SMTP_PASSWORD", ""),
            smtp_timeout=float(e.get("TIERLINE_SMTP_TIMEOUT") or 30),
            mail_from=e.get("TIERLINE_MAIL_FROM", cls.mail_from),
            mail_from_name=e.get("TIERLINE_MAIL_FROM_NAME", cls.mail_from_name),
            inbound_address=e.get("TIERLINE_INBOUND_ADDRESS", ""),
            inbound_secret=e.get("TIERLINE_INBOUND_SECRET", ""),
            customer_webhook_url=e.get("TIERLINE_CUSTOMER_WEBHOOK_URL", ""),
            secret_key=e.get("TIERLINE_SECRET_KEY", ""),
        )
