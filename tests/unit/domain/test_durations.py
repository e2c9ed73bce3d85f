"""Durations as written in a policy: ``8h``, ``1h30m``, ``2d``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierline.domain.durations import MAX_SECONDS, DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("8h", timedelta(hours=8)),
        ("1h30m", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        (" 8 H ", timedelta(hours=8)),
        ("1.5h", timedelta(minutes=90)),
        ("2d", timedelta(hours=48)),  # a day is 24 hours, never 8 business hours
        ("1w", timedelta(days=7)),
        ("1w2d3h4m5s", timedelta(days=9, hours=3, minutes=4, seconds=5)),
        ("0s", timedelta(0)),
        (90, timedelta(seconds=90)),
        (0.5, timedelta(milliseconds=500)),
    ],
)
def test_parse_duration(text: str | int | float, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "not a duration"),
        ("30", "not a duration"),  # a unit is required
        ("8 hours", "not a duration"),
        ("1x", "not a duration"),
        ("h", "not a duration"),
        ("-1h", "negative"),
        (-5, "negative"),
        (float("nan"), "not a number"),
        (True, "boolean"),
        (None, "expected a duration"),
        ("21w" * 60, "longer than 20 years"),
        (MAX_SECONDS + 1, "longer than 20 years"),
    ],
)
def test_parse_duration_refuses(value: object, message: str) -> None:
    with pytest.raises(DurationError, match=message):
        parse_duration(value)  # type: ignore[arg-type]


def test_twenty_years_is_the_limit_itself() -> None:
    assert parse_duration(MAX_SECONDS) == timedelta(seconds=MAX_SECONDS)


def test_duration_errors_are_value_errors() -> None:
    assert issubclass(DurationError, ValueError)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(hours=26), "1d2h"),
        (timedelta(days=9, seconds=5), "9d5s"),
        (timedelta(hours=-1), "-1h"),
        (timedelta(seconds=59.6), "1m"),  # rounded to whole seconds
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


@pytest.mark.parametrize("seconds", [1, 59, 60, 3_599, 3_600, 86_399, 86_400, 90_061, 1_234_567])
def test_format_then_parse_round_trips(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    assert parse_duration(format_duration(delta)) == delta
