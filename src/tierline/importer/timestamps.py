"""Timestamps of event logs as epoch seconds: ISO 8601, epoch seconds or milliseconds, and
``strptime`` formats such as the day-first ``29/2/2016 01:16`` of the ServiceNow log.

Why not just ``datetime.strptime``: it costs about 8 µs a call and a 141,712-row log has two
timestamps a row. A format made only of numeric directives (``%d %m %Y %y %H %M %S %f``) is
compiled into one regular expression instead (about a fifth of the cost), and every parser keeps
the answers it gave, since logs repeat the same minute many times. Naive stamps are read in the
mapping's time zone (an IANA name); stamps with an offset keep it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: A parser turns the text of a stamp into epoch seconds, or raises ValueError saying why not.
Parser = Callable[[str], float]

SPECIAL_FORMATS = ("iso", "epoch_s", "epoch_ms")

_NUMERIC = {
    "d": r"(?P<d>\d{1,2})",
    "m": r"(?P<m>\d{1,2})",
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "H": r"(?P<H>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
}
_CACHE_LIMIT = 500_000


def zone(name: str) -> tzinfo:
    """The IANA zone ``name`` (``UTC`` included); ValueError with the expected form if unknown."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}'; expected an IANA name such as UTC or Europe/Brussels"
        ) from None


def check_format(fmt: str) -> None:
    """Refuse a format that can never parse a stamp (used when the mapping is validated)."""
    if fmt in SPECIAL_FORMATS:
        return
    if "%" not in fmt:
        raise ValueError(
            f"'{fmt}' is not a timestamp format; expected iso, epoch_s, epoch_ms or a strptime "
            "format such as '%d/%m/%Y %H:%M'"
        )
    try:
        datetime.strptime(datetime(2016, 2, 29, 1, 16, 5).strftime(fmt), fmt)
    except ValueError as exc:
        raise ValueError(f"'{fmt}' is not a usable strptime format ({exc})") from None


def _compiled(fmt: str) -> re.Pattern[str] | None:
    """A regex for a format of numeric directives only, else None (then strptime is used)."""
    out, i = [], 0
    seen: set[str] = set()
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt):
                return None
            d = fmt[i + 1]
            if d == "%":
                out.append("%")
            elif d in _NUMERIC and d not in seen:
                out.append(_NUMERIC[d])
                seen.add(d)
            else:
                return None
            i += 2
            continue
        out.append(r"\s+" if ch == " " else re.escape(ch))
        i += 1
    if not {"d", "m"} <= seen or not seen & {"Y", "y"}:
        return None
    return re.compile("".join(out) + r"\Z")


_EPOCH_DAY = datetime(1970, 1, 1).toordinal()
_DAY_US = 86_400_000_000
_PART_LIMIT = 100_000


def _date_time_separator(fmt: str) -> str | None:
    """The one literal character between a format's date and its time (``%d/%m/%Y %H:%M`` →
    ``" "``), when a stamp can be cut there into a date text and a time text; else None."""
    tokens = re.findall(r"%.|[^%]", fmt)
    if "%H" not in tokens:
        return None
    k = tokens.index("%H")
    if k < 2:
        return None
    date, sep, clock = tokens[: k - 1], tokens[k - 1], tokens[k:]
    if sep.startswith("%") or sep.isdigit():
        return None
    if any(t.startswith("%") and t[1] not in "dmYy" for t in date):
        return None
    if any(t.startswith("%") and t[1] not in "HMSf" for t in clock):
        return None
    return None if sep in date or sep in clock else sep


def _regex_parser(pattern: re.Pattern[str], tz: tzinfo, fmt: str) -> Parser:
    groups = sorted(pattern.groupindex, key=pattern.groupindex.__getitem__)
    at = {name: i for i, name in enumerate(groups)}
    iY, iy, im, id_ = at.get("Y"), at.get("y"), at["m"], at["d"]
    iH, iM, iS, if_ = at.get("H"), at.get("M"), at.get("S"), at.get("f")

    def fields(text: str) -> tuple[int, int, int, int, int, int, int]:
        m = pattern.match(text.strip())
        if m is None:
            raise ValueError(f"'{text}' does not match the format '{fmt}'")
        g = m.groups()
        year = int(g[iY]) if iY is not None else 2000 + int(g[iy])  # type: ignore[index]
        return (
            year,
            int(g[im]),
            int(g[id_]),
            int(g[iH]) if iH is not None else 0,
            int(g[iM]) if iM is not None else 0,
            int(g[iS]) if iS is not None else 0,
            int(g[if_].ljust(6, "0")) if if_ is not None else 0,
        )

    def aware(text: str, f: tuple[int, ...]) -> datetime:
        try:
            return datetime(*f, tzinfo=tz)  # type: ignore[arg-type, misc]
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a real date and time ({exc})") from None

    if tz is not UTC:
        return lambda text: aware(text, fields(text)).timestamp()

    # In UTC a stamp is plain arithmetic, exactly what datetime.timestamp() computes (the same
    # integer microseconds, the same division): days since 1970, microseconds into the day.
    days: dict[tuple[int, int, int], int] = {}

    def day_and_time(text: str) -> tuple[int, int]:
        f = year, month, day, hour, minute, second, micro = fields(text)
        if not (hour < 24 and minute < 60 and second < 60):
            aware(text, f)  # raises with datetime's own reason
        n = days.get((year, month, day))
        if n is None:
            n = days[year, month, day] = aware(text, f).toordinal() - _EPOCH_DAY
        return n, (hour * 3600 + minute * 60 + second) * 1_000_000 + micro

    sep = _date_time_separator(fmt)
    if sep is None:

        def arithmetic(text: str) -> float:
            n, us = day_and_time(text)
            return (n * _DAY_US + us) / 1_000_000

        return arithmetic

    # Logs repeat their days and their times of day far more than whole stamps: a stamp cut at
    # the separator is two dict look-ups once both halves have been seen (with a regex check).
    by_date: dict[str, int] = {}
    by_time: dict[str, int] = {}

    def halves(text: str) -> float:
        date, found, clock = text.strip().partition(sep)
        n, us = by_date.get(date), by_time.get(clock)
        if n is None or us is None:
            n, us = day_and_time(text)
            if found:
                if len(by_time) >= _PART_LIMIT:
                    by_date.clear()
                    by_time.clear()
                by_date[date], by_time[clock] = n, us
        return (n * _DAY_US + us) / 1_000_000

    return halves


def _strptime_parser(fmt: str, tz: tzinfo) -> Parser:
    def parse(text: str) -> float:
        try:
            dt = datetime.strptime(text.strip(), fmt)
        except ValueError:
            raise ValueError(f"'{text}' does not match the format '{fmt}'") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.timestamp()

    return parse


def _iso_parser(tz: tzinfo) -> Parser:
    def parse(text: str) -> float:
        raw = text.strip()
        try:
            dt = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
        except ValueError:
            raise ValueError(
                f"'{text}' is not an ISO 8601 timestamp (such as 2010-03-31T16:59:42+02:00)"
            ) from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.timestamp()

    return parse


def _epoch_parser(scale: float) -> Parser:
    def parse(text: str) -> float:
        try:
            return float(text.strip()) / scale
        except ValueError:
            raise ValueError(f"'{text}' is not a number of epoch seconds") from None

    return parse


def _one(fmt: str, tz: tzinfo) -> Parser:
    if fmt == "iso":
        return _iso_parser(tz)
    if fmt == "epoch_s":
        return _epoch_parser(1.0)
    if fmt == "epoch_ms":
        return _epoch_parser(1000.0)
    pattern = _compiled(fmt)
    return _regex_parser(pattern, tz, fmt) if pattern is not None else _strptime_parser(fmt, tz)


def make_parser(formats: Sequence[str], timezone: str, *, cached: bool = True) -> Parser:
    """A parser trying ``formats`` in order; naive stamps are read in ``timezone``.

    It remembers its answers unless ``cached`` is false (for callers that keep their own)."""
    tz = zone(timezone)
    parsers = [_one(f, tz) for f in formats]
    cache: dict[str, float] = {}

    def first_fit(text: str) -> float:
        errors = []
        for p in parsers:
            try:
                return p(text)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if len(errors) == 1 else "; ".join(errors))

    if not cached:
        return parsers[0] if len(parsers) == 1 else first_fit

    def parse(text: str) -> float:
        hit = cache.get(text)
        if hit is not None:
            return hit
        value = first_fit(text)
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cache[text] = value
        return value

    return parse
