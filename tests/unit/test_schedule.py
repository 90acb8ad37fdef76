"""Campaign rules across clock changes (publisher.domain.campaign is pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from publisher.domain.campaign import (
    MAX_SLOTS,
    AmbiguousLocalTime,
    ScheduleError,
    expand_rule,
    parse_every,
    parse_until,
    parse_when,
)

NOW = datetime(2020, 10, 1, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:15 06/11/2020", utc(2020, 11, 6, 7, 15)),  # GMT in November
        ("07:15 20/10/2020", utc(2020, 10, 20, 6, 15)),  # BST in October
        ("20/10/2020 07:15", utc(2020, 10, 20, 6, 15)),
        ("2020-10-20 07:15", utc(2020, 10, 20, 6, 15)),
        ("2020-10-20T07:15:30", utc(2020, 10, 20, 6, 15, 30)),
        ("2020-10-20T07:15:00+00:00", utc(2020, 10, 20, 7, 15)),
        ("2020-10-20T07:15:00Z", utc(2020, 10, 20, 7, 15)),
        ("2020-10-20T09:15:00+02:00", utc(2020, 10, 20, 7, 15)),
        ("  now ", NOW),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    got = parse_when(text, now=NOW)
    assert got == expected
    assert got.utcoffset() == timedelta(0)


def test_parse_when_other_zone() -> None:
    assert parse_when("07:15 20/10/2020", tz="America/New_York", now=NOW) == utc(
        2020, 10, 20, 11, 15
    )


def test_nonexistent_local_time_is_an_error() -> None:
    with pytest.raises(ScheduleError, match="does not exist"):
        parse_when("01:30 29/03/2020", now=NOW)


def test_ambiguous_local_time_is_the_earlier_with_a_warning() -> None:
    with pytest.warns(AmbiguousLocalTime, match="happens twice"):
        got = parse_when("01:30 25/10/2020", now=NOW)
    assert got == utc(2020, 10, 25, 0, 30)  # 01:30 BST, not 01:30 GMT


def test_ambiguous_can_report_through_a_callback() -> None:
    seen: list[str] = []
    got = parse_when("2020-10-25 01:59", now=NOW, warn=seen.append)
    assert got == utc(2020, 10, 25, 0, 59)
    assert len(seen) == 1 and "earlier" in seen[0]


@pytest.mark.parametrize("text", ["", "tomorrow", "25:00 01/01/2020", "07:15 31/02/2020", "7.15"])
def test_parse_when_rejects_garbage(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_when(text, now=NOW)


def test_a_date_alone_is_not_a_time_but_is_an_end() -> None:
    with pytest.raises(ScheduleError, match="without a time"):
        parse_when("06/11/2020", now=NOW)
    assert parse_until("06/11/2020", now=NOW) == utc(2020, 11, 6, 23, 59, 59)
    assert parse_until("2020-10-20", now=NOW) == utc(2020, 10, 20, 22, 59, 59)
    assert parse_until("07:15 06/11/2020", now=NOW) == utc(2020, 11, 6, 7, 15)


def test_unknown_zone() -> None:
    with pytest.raises(ScheduleError, match="unknown time zone"):
        parse_when("07:15 06/11/2020", tz="Mars/Olympus", now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 2 D ", timedelta(days=2)),
    ],
)
def test_parse_every(text: str, expected: timedelta) -> None:
    assert parse_every(text) == expected


@pytest.mark.parametrize("text", ["", "3", "d", "3x", "0d", "3d-", "-3d", "3 days"])
def test_parse_every_rejects(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_every(text)


def test_every_three_days_keeps_local_time_across_the_october_change() -> None:
    start = parse_when("07:15 20/10/2020", now=NOW)
    until = parse_until("06/11/2020", now=NOW)
    slots = expand_rule(start, every=parse_every("3d"), until=until, tz="Europe/London")
    assert slots == [
        utc(2020, 10, 20, 6, 15),
        utc(2020, 10, 23, 6, 15),
        utc(2020, 10, 26, 7, 15),  # clocks went back on the 25th: 07:15 GMT
        utc(2020, 10, 29, 7, 15),
        utc(2020, 11, 1, 7, 15),
        utc(2020, 11, 4, 7, 15),
    ]
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    assert {s.astimezone(london).strftime("%H:%M") for s in slots} == {"07:15"}
    assert all(s.tzinfo is UTC for s in slots)


def test_until_is_inclusive() -> None:
    start = utc(2020, 11, 1, 7, 15)
    slots = expand_rule(start, every=timedelta(days=1), until=utc(2020, 11, 3, 7, 15))
    assert slots[-1] == utc(2020, 11, 3, 7, 15)
    assert len(slots) == 3


def test_every_hours_is_elapsed_time_across_the_change() -> None:
    start = utc(2020, 10, 24, 22, 0)  # 23:00 BST
    slots = expand_rule(start, every=timedelta(hours=12), until=utc(2020, 10, 25, 22, 0))
    assert slots == [utc(2020, 10, 24, 22, 0), utc(2020, 10, 25, 10, 0), utc(2020, 10, 25, 22, 0)]


def test_daily_at_a_skipped_local_time_is_an_error() -> None:
    start = parse_when("01:30 28/03/2020", now=NOW)
    with pytest.raises(ScheduleError, match="does not exist"):
        expand_rule(start, every=timedelta(days=1), until=utc(2020, 3, 31))


def test_daily_at_a_repeated_local_time_takes_the_earlier() -> None:
    start = parse_when("01:30 24/10/2020", now=NOW)
    seen: list[str] = []
    slots = expand_rule(
        start, every=timedelta(days=1), until=utc(2020, 10, 26, 12), warn=seen.append
    )
    assert slots == [utc(2020, 10, 24, 0, 30), utc(2020, 10, 25, 0, 30), utc(2020, 10, 26, 1, 30)]
    assert len(seen) == 1


def test_extra_times_are_merged_sorted_and_deduplicated() -> None:
    start = utc(2020, 11, 2, 9)
    slots = expand_rule(
        start,
        every=None,
        until=None,
        times=[utc(2020, 11, 1, 9), utc(2020, 11, 2, 9), utc(2020, 11, 3, 9)],
    )
    assert slots == [utc(2020, 11, 1, 9), utc(2020, 11, 2, 9), utc(2020, 11, 3, 9)]


def test_rule_errors() -> None:
    start = utc(2020, 11, 2, 9)
    with pytest.raises(ScheduleError, match="--until"):
        expand_rule(start, every=timedelta(days=1), until=None)
    with pytest.raises(ScheduleError, match="before the start"):
        expand_rule(start, every=timedelta(days=1), until=utc(2020, 11, 1))
    with pytest.raises(ScheduleError, match="longer than zero"):
        expand_rule(start, every=timedelta(0), until=utc(2020, 11, 3))
    with pytest.raises(ValueError, match="timezone-aware"):
        expand_rule(datetime(2020, 11, 2, 9), every=None, until=None)


def test_cap_on_slots() -> None:
    start = utc(2020, 1, 1, 9)
    ok = expand_rule(
        start, every=timedelta(minutes=1), until=start + timedelta(minutes=MAX_SLOTS - 1)
    )
    assert len(ok) == MAX_SLOTS
    with pytest.raises(ScheduleError, match=str(MAX_SLOTS)):
        expand_rule(start, every=timedelta(minutes=1), until=start + timedelta(minutes=MAX_SLOTS))
