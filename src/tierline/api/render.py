"""JSON responses rendered directly with the standard library.

FastAPI runs returned dicts through ``jsonable_encoder`` before serialising them, which costs more
than the rest of a create-case request's Python work; the service's views already hold only JSON
types (instants as ISO strings), so the hot endpoints return this response instead.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, separators=(",", ":"), ensure_ascii=False, default=_default
        ).encode("utf-8")
