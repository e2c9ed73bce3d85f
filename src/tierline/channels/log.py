"""The log channel: notifications written as structured log lines (always available)."""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("tierline.notify")


class LogChannel:
    name = "log"

    def __init__(self) -> None:
        self.delivered: list[dict[str, Any]] = []

    def deliver(self, row: dict[str, Any]) -> None:
        line = {
            "notification": row["subject"],
            "to": row["recipient"],
            "case_id": row["case_id"],
            "key": row["idempotency_key"],
        }
        log.info(json.dumps(line, default=str))
