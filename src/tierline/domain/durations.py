"""Durations as people write them in a policy: ``8h``, ``1h30m``, ``2d``, ``45s``, ``1w``.

A day is always 24 hours and a week 7 days; whether those hours are business or calendar hours is
decided by the clock's time basis, never by the unit. Keeping the unit fixed avoids the classic
ambiguity of "1 day" meaning 8 business hours in one place and 24 in another.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+$")

#: Upper bound on any duration: 20 years. Anything larger is a typo, and refusing it keeps
#: business-time arithmetic from walking calendars for millennia.
MAX_SECONDS = 20 * 366 * 86_400


class DurationError(ValueError):
    """A duration that cannot be read; the message says what is expected."""


def parse_duration(text: str | int | float) -> timedelta:
    """Read ``"1h30m"`` (or a number of seconds) into a non-negative, bounded timedelta."""
    if isinstance(text, bool):
        raise DurationError("expected a duration such as '30m', '8h' or '2d', not a boolean")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        if not isinstance(text, str):
            raise DurationError(f"expected a duration such as '30m', '8h' or '2d', got {text!r}")
        raw = text.strip().lower().replace(" ", "")
        if raw.startswith("-"):
            raise DurationError(f"'{text}' is negative; durations must be zero or more")
        if not raw or not _WHOLE.match(raw):
            raise DurationError(
                f"'{text}' is not a duration; expected a number with a unit w, d, h, m or s "
                "such as '30m', '8h' or '1h30m'"
            )
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(raw))
    if seconds != seconds or seconds < 0:  # NaN or negative
        raise DurationError(f"{text!r} is negative or not a number; durations must be zero or more")
    if seconds > MAX_SECONDS:
        raise DurationError(f"{text!r} is longer than 20 years; expected a realistic target")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The inverse of :func:`parse_duration` for display: ``timedelta(hours=26)`` → ``'1d2h'``."""
    total = round(delta.total_seconds())
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return sign + "".join(parts)
