"""Webhooks: JSON POSTs signed with HMAC-SHA256, carrying an idempotency key.

The signature covers ``<timestamp>.<body>`` so a receiver can reject replays older than a few
minutes; the ``Idempotency-Key`` header lets it drop the rare redelivery that follows a worker
crash between sending and recording the send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from tierline.channels.base import DeliveryError

SIGNATURE_HEADER = "X-Tierline-Signature"
TIMESTAMP_HEADER = "X-Tierline-Timestamp"
KEY_HEADER = "Idempotency-Key"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    max_age: float = 300,
    now: float | None = None,
) -> bool:
    """Receiver-side check (used by tests and documented for integrators)."""
    if abs((now or time.time()) - float(timestamp)) > max_age:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class WebhookChannel:
    name = "webhook"

    def __init__(self, secret: str, *, timeout: float = 10.0, client: httpx.Client | None = None):
        self.secret = secret
        self.client = client or httpx.Client(timeout=timeout)

    def deliver(self, row: dict[str, Any]) -> None:
        url = row["recipient"]
        body = json.dumps(
            row["payload"], sort_keys=True, separators=(",", ":"), default=str
        ).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            KEY_HEADER: row["idempotency_key"],
            TIMESTAMP_HEADER: ts,
            "User-Agent": "Tierline-Webhook/1",
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, ts, body)
        try:
            resp = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if resp.status_code >= 500 or resp.status_code == 429:
            raise DeliveryError(f"HTTP {resp.status_code} from {url}")
        if resp.status_code >= 400:
            raise DeliveryError(f"HTTP {resp.status_code} from {url}: refused", retryable=False)
