"""Signed customer links: confirm the resolution, reopen, rate the escalation (R-RES-1, R-RES-2).

A link is ``<public_url>/c/<token>`` with the token ``v1.<case>.<purpose>.<expires>.<nonce>.<mac>``:
readable, because nothing in it is secret, and unforgeable, because the MAC (HMAC-SHA256 under a
key derived from the server's secret, truncated to 128 bits) covers everything before it. So a
link works for one case, one purpose and until one instant, and cannot be edited into another.
The random nonce makes each link single-use: using it records the nonce in ``link_uses``.

The secret is ``TIERLINE_SECRET_KEY`` (several comma-separated keys: the first signs, all verify,
which is how a key is rotated without breaking links already sent). Without it, an SQLite
installation keeps a generated key in a file next to the database (mode 0600); PostgreSQL
installations run many processes on many hosts, which a local file cannot serve, so there a
missing key is refused with an explanation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from tierline.config import Settings
from tierline.domain.policy import CommunicationStandards
from tierline.service.actors import Actor
from tierline.service.errors import ServiceError
from tierline.store.db import is_sqlite, normalise_url
from tierline.store.tables import link_uses
from tierline.store.uow import UnitOfWork

log = logging.getLogger("tierline.links")

PURPOSES = ("confirm", "reopen", "rate")
#: A rating link stays usable this long (confirm and reopen follow the policy's windows).
RATE_TTL = timedelta(days=30)
MIN_KEY_LENGTH = 16
_CONTEXT = b"tierline customer links v1"

#: The customer acting through a signed link or an e-mail: it may write to, close and reopen a
#: case because the link or the mail thread already proved which case it is about. It never
#: comes from an API token.
CUSTOMER = Actor(
    "customer",
    "Customer",
    "customer",
    None,
    frozenset({"case.read_all", "case.write", "case.resolve"}),
)


class LinkError(ServiceError):
    """A link that cannot be used: invalid (403), expired (410), used (409), no case (404)."""

    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class LinkSecretMissing(ServiceError):
    status, code = 503, "not_configured"


@dataclass(frozen=True)
class Link:
    case_id: int
    purpose: str
    expires_at: datetime
    nonce: str


# ----------------------------------------------------------------------------- the secret

_KEYS: dict[str, tuple[bytes, ...]] = {}
_KEYS_LOCK = threading.Lock()


def _derive(secret: str) -> bytes:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def link_keys(settings: Settings) -> tuple[bytes, ...]:
    """Signing keys, the current one first."""
    cache_key = f"{settings.secret_key}\x00{settings.database_url}"
    with _KEYS_LOCK:
        hit = _KEYS.get(cache_key)
        if hit is None:
            hit = _KEYS[cache_key] = tuple(_derive(s) for s in _secrets(settings))
        return hit


_HOW = "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _secrets(settings: Settings) -> list[str]:
    keys = [k.strip() for k in settings.secret_key.split(",") if k.strip()]
    if any(len(k) < MIN_KEY_LENGTH for k in keys):
        raise LinkSecretMissing(
            f"TIERLINE_SECRET_KEY is too short; use at least {MIN_KEY_LENGTH} random "
            f"characters ({_HOW})"
        )
    if keys:
        return keys
    url = normalise_url(settings.database_url)
    database = make_url(url).database if is_sqlite(url) else None
    if not database or database == ":memory:":
        raise LinkSecretMissing(
            "customer links need a secret: set TIERLINE_SECRET_KEY to the same long random "
            f"value in every API and worker process ({_HOW}); only an SQLite file database "
            "can keep a generated key next to it"
        )
    return [_key_file(Path(database).with_name(Path(database).name + ".secret-key"))]


def _key_file(path: Path) -> str:
    """Read the key file, creating it on first use. Written to a temporary file and hard-linked
    into place, so two processes starting at once end up with the same, complete key."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink()
    if path.stat().st_mode & 0o077:
        log.warning("the link key file %s is readable by others; chmod 600 it", path)
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_KEY_LENGTH:
        raise LinkSecretMissing(f"the link key file {path} is damaged; delete it to make a new one")
    return secret


# ----------------------------------------------------------------------------- tokens


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(settings: Settings, case_id: int, purpose: str, expires_at: datetime) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose '{purpose}'; expected one of {PURPOSES}")
    payload = f"v1.{int(case_id)}.{purpose}.{int(expires_at.timestamp())}."
    payload += secrets.token_urlsafe(12)
    return f"{payload}.{_mac(link_keys(settings)[0], payload)}"


def make_link(settings: Settings, case_id: int, purpose: str, now: datetime, ttl: timedelta) -> str:
    """An absolute URL the customer can open once, until ``now + ttl``, for one purpose."""
    token = make_token(settings, case_id, purpose, now + ttl)
    return f"{settings.public_url.rstrip('/')}/c/{token}"


def customer_links(
    settings: Settings, case_id: int, now: datetime, communication: CommunicationStandards
) -> dict[str, str]:
    """The three links of a resolution or follow-up message, each valid as long as it can be
    acted on: confirming within the confirmation window, reopening within the reopen window."""
    return {
        "confirm": make_link(settings, case_id, "confirm", now, communication.confirmation_window),
        "reopen": make_link(settings, case_id, "reopen", now, communication.reopen_window),
        "rate": make_link(settings, case_id, "rate", now, RATE_TTL),
    }


_INVALID = "This link is not valid. Please use the link exactly as it appears in our e-mail."


def verify_link(settings: Settings, token: str, now: datetime) -> Link:
    """The link a token stands for; raises :class:`LinkError` for a forged, edited or expired
    one. The MAC is checked before anything in the token is believed."""
    parts = token.split(".")
    if len(parts) != 6 or parts[0] != "v1" or len(token) > 200:
        raise LinkError(_INVALID, 403, "invalid_link")
    payload = ".".join(parts[:5])
    if not any(hmac.compare_digest(_mac(k, payload), parts[5]) for k in link_keys(settings)):
        raise LinkError(_INVALID, 403, "invalid_link")
    _, case_id, purpose, expires, nonce = parts[:5]
    if purpose not in PURPOSES or not case_id.isdigit() or not expires.isdigit():
        raise LinkError(_INVALID, 403, "invalid_link")
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    if now >= expires_at:
        raise LinkError(
            "This link has expired. Reply to our last e-mail and we will help you from there.",
            410,
            "link_expired",
        )
    return Link(int(case_id), purpose, expires_at, nonce)


# ----------------------------------------------------------------------------- single use


def was_used(uow: UnitOfWork, link: Link) -> bool:
    row = uow.conn.execute(select(link_uses.c.nonce).where(link_uses.c.nonce == link.nonce))
    return row.first() is not None


def record_use(uow: UnitOfWork, link: Link, now: datetime) -> bool:
    """Mark the link used; False when it already was (another request was first)."""
    if was_used(uow, link):
        return False
    uow.conn.execute(
        insert(link_uses).values(
            nonce=link.nonce, case_id=link.case_id, purpose=link.purpose, used_at=now
        )
    )
    return True


def used_error() -> LinkError:
    return LinkError(
        "This link has already been used. If something is still wrong, reply to our e-mail.",
        409,
        "link_used",
    )


def link_summary(link: Link, row: dict[str, Any]) -> dict[str, Any]:
    """What the customer page may show: their case's reference, subject and status only."""
    return {
        "case_id": link.case_id,
        "purpose": link.purpose,
        "subject": row.get("subject") or "",
        "status": row.get("status"),
        "closure": row.get("closure"),
        "expires_at": link.expires_at.isoformat(),
    }
