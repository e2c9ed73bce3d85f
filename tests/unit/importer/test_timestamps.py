"""Timestamps of logs: day-first stamps, ISO with offsets, epoch seconds and milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tierline.importer.timestamps import check_format, make_parser


def at(*args: int, tz: object = UTC) -> float:
    return datetime(*args, tzinfo=tz).timestamp()  # type: ignore[arg-type, misc]


def test_day_first_unpadded_stamps_of_the_servicenow_log() -> None:
    parse = make_parser(["%d/%m/%Y %H:%M"], "UTC")
    assert parse("29/2/2016 01:16") == at(2016, 2, 29, 1, 16)
    assert parse("5/3/2016 12:00") == at(2016, 3, 5, 12, 0)
    assert parse(" 05/03/2016  12:00 ") == at(2016, 3, 5, 12, 0)


def test_naive_stamps_are_read_in_the_mapping_time_zone_across_dst() -> None:
    parse = make_parser(["%Y-%m-%d %H:%M:%S"], "Europe/Brussels")
    brussels = ZoneInfo("Europe/Brussels")
    assert parse("2016-03-26 12:00:00") == at(2016, 3, 26, 12, 0, tz=brussels)  # UTC+1
    assert parse("2016-03-27 12:00:00") == at(2016, 3, 27, 12, 0, tz=brussels)  # UTC+2
    assert parse("2016-03-27 12:00:00") - parse("2016-03-26 12:00:00") == 23 * 3600


def test_iso_stamps_keep_their_offset_and_accept_z() -> None:
    parse = make_parser(["iso"], "Europe/Brussels")
    assert parse("2010-03-31T16:59:42+02:00") == at(2010, 3, 31, 14, 59, 42)
    assert parse("2010-03-31T14:59:42Z") == at(2010, 3, 31, 14, 59, 42)
    assert parse("2010-03-31T14:59:42.250+00:00") == at(2010, 3, 31, 14, 59, 42) + 0.25


def test_epoch_seconds_and_milliseconds() -> None:
    assert make_parser(["epoch_s"], "UTC")("1456708560") == at(2016, 2, 29, 1, 16)
    assert make_parser(["epoch_ms"], "UTC")("1456708560000") == at(2016, 2, 29, 1, 16)


def test_formats_are_tried_in_order() -> None:
    parse = make_parser(["%d/%m/%Y %H:%M", "iso"], "UTC")
    assert parse("29/2/2016 01:16") == parse("2016-02-29T01:16:00")


def test_a_stamp_that_fits_no_format_says_what_was_expected() -> None:
    parse = make_parser(["%d/%m/%Y %H:%M"], "UTC")
    with pytest.raises(ValueError, match="does not match the format"):
        parse("2016-02-29 01:16")
    with pytest.raises(ValueError, match="not a real date"):
        parse("30/2/2016 01:16")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        make_parser(["iso"], "UTC")("yesterday")


def test_formats_with_other_directives_fall_back_to_strptime() -> None:
    parse = make_parser(["%d %b %Y %H:%M"], "UTC")
    assert parse("29 Feb 2016 01:16") == at(2016, 2, 29, 1, 16)


def test_unusable_formats_are_refused_up_front() -> None:
    check_format("%d/%m/%Y %H:%M")
    for bad in ("dd/mm/yyyy", "%Q"):
        with pytest.raises(ValueError):
            check_format(bad)
