"""Campaign rules: when to publish, in people's local time. Pure: no database, no clock.

Times are read in a named zone (Europe/London unless told otherwise) and returned as aware UTC.
A local time that does not exist (the hour skipped when clocks go forward) is an error; one that
happens twice (the hour repeated when clocks go back) means the earlier one, with a warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher.errors import ScheduleError

__all__ = [
    "DEFAULT_TZ",
    "MAX_SLOTS",
    "AmbiguousLocalTime",
    "ScheduleError",
    "expand_rule",
    "localize",
    "parse_every",
    "parse_until",
    "parse_when",
    "plan_times",
    "zone",
]

DEFAULT_TZ = "Europe/London"
MAX_SLOTS = 1000

Warn = Callable[[str], None]


class AmbiguousLocalTime(UserWarning):
    """A local time that happens twice (clocks going back); the earlier instant was used."""


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {tz!r}") from exc


def _default_warn(message: str) -> None:
    warnings.warn(message, AmbiguousLocalTime, stacklevel=3)


def localize(naive: datetime, tz: str | ZoneInfo, *, warn: Warn | None = None) -> datetime:
    """A wall-clock time in ``tz`` as an aware UTC instant.

    Raises :class:`ScheduleError` for a time skipped by a clock change; for a time that happens
    twice, returns the earlier instant and reports it through ``warn`` (default: a warning).
    """
    if naive.tzinfo is not None:
        raise ValueError("localize() takes a naive wall-clock time")
    zi = zone(tz)
    first = naive.replace(tzinfo=zi, fold=0)
    second = naive.replace(tzinfo=zi, fold=1)
    first_utc = first.astimezone(UTC)
    second_utc = second.astimezone(UTC)
    if first_utc.astimezone(zi).replace(tzinfo=None) != naive:
        raise ScheduleError(
            f"{naive:%H:%M on %d/%m/%Y} does not exist in {zi.key}: the clocks go forward then"
        )
    if first_utc != second_utc:
        earlier = min(first_utc, second_utc)
        (warn or _default_warn)(
            f"{naive:%H:%M on %d/%m/%Y} happens twice in {zi.key} (the clocks go back); "
            f"using the earlier one, {earlier.astimezone(zi):%H:%M %Z} ({earlier:%H:%M} UTC)"
        )
        return earlier
    return first_utc


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
_TIME_FORMATS = ("%H:%M", "%H:%M:%S")


def _naive_formats() -> list[str]:
    found: list[str] = []
    for d in _DATE_FORMATS:
        for t in _TIME_FORMATS:
            found += [f"{t} {d}", f"{d} {t}", f"{d}T{t}"]
    return found


_NAIVE_FORMATS = _naive_formats()


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_when(
    text: str, *, tz: str | ZoneInfo = DEFAULT_TZ, now: datetime, warn: Warn | None = None
) -> datetime:
    """Read a publication time: ``now``, ``07:15 06/11/2020``, ``06/11/2020 07:15``,
    ``2020-11-06 07:15``, or ISO 8601 with an offset (``2020-11-06T07:15:00+00:00``, ``…Z``).

    Local times are in ``tz``. Returns aware UTC.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    raw = " ".join(text.split())
    if not raw:
        raise ScheduleError("no time given")
    if raw.lower() == "now":
        return now.astimezone(UTC)
    for fmt in _NAIVE_FORMATS:
        try:
            naive = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return localize(naive, tz, warn=warn)
    iso = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            if len(raw) <= 10:
                raise ScheduleError(f"{text!r} is a date without a time: add one, e.g. 07:15 {raw}")
            return localize(parsed, tz, warn=warn)
        return parsed.astimezone(UTC)
    if _parse_date(raw) is not None:
        raise ScheduleError(f"{text!r} is a date without a time: add one, e.g. 07:15 {raw}")
    raise ScheduleError(
        f"cannot read the time {text!r}: use 'HH:MM DD/MM/YYYY' (local time), "
        "'YYYY-MM-DD HH:MM', ISO 8601 with an offset, or 'now'"
    )


def parse_until(
    text: str, *, tz: str | ZoneInfo = DEFAULT_TZ, now: datetime, warn: Warn | None = None
) -> datetime:
    """Like :func:`parse_when`, but a bare date means the end of that local day (inclusive)."""
    raw = " ".join(text.split())
    day = _parse_date(raw)
    if day is not None:
        return localize(datetime.combine(day, time(23, 59, 59)), tz, warn=warn)
    return parse_when(raw, tz=tz, now=now, warn=warn)


_EVERY_RE = re.compile(r"(\d+)\s*(w|d|h|m)", re.IGNORECASE)
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}


def parse_every(text: str) -> timedelta:
    """``3d``, ``12h``, ``90m``, ``1w``, or combinations such as ``1d12h``."""
    raw = text.strip().replace(" ", "")
    if not raw or _EVERY_RE.sub("", raw):
        raise ScheduleError(
            f"cannot read the interval {text!r}: use a number and a unit, e.g. 3d, 12h, 90m, 1w"
        )
    total = timedelta()
    for number, unit in _EVERY_RE.findall(raw):
        total += int(number) * _UNITS.get(unit.lower(), timedelta(minutes=1))
    if total <= timedelta():
        raise ScheduleError(f"the interval {text!r} must be longer than zero")
    return total


def expand_rule(
    start: datetime,
    *,
    every: timedelta | None,
    until: datetime | None,
    times: Sequence[datetime] = (),
    tz: str | ZoneInfo = DEFAULT_TZ,
    warn: Warn | None = None,
) -> list[datetime]:
    """Every slot of a rule, sorted, without repeats, in aware UTC.

    ``start`` then every ``every`` until ``until`` (inclusive), plus the extra ``times``.
    A whole number of days repeats at the same LOCAL wall-clock time in ``tz``, so 07:15 stays
    07:15 across a clock change (the UTC instant moves by an hour); shorter or uneven intervals
    ("12h", "90m") are exact elapsed time. At most :data:`MAX_SLOTS` slots.
    """
    for value, what in ((start, "start"), (until, "until"), *((t, "time") for t in times)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{what} must be timezone-aware")
    zi = zone(tz)
    slots: set[datetime] = {start.astimezone(UTC), *(t.astimezone(UTC) for t in times)}
    if every is not None:
        if every <= timedelta():
            raise ScheduleError("the interval must be longer than zero")
        if until is None:
            raise ScheduleError("a repeating rule needs an end: give --until")
        if until < start:
            raise ScheduleError(
                f"the end ({until.astimezone(zi):%H:%M %d/%m/%Y}) is before the start "
                f"({start.astimezone(zi):%H:%M %d/%m/%Y})"
            )
        whole_days = every % timedelta(days=1) == timedelta()
        local_start = start.astimezone(zi).replace(tzinfo=None)
        step = 1
        while True:
            if whole_days:
                slot = localize(local_start + step * every, zi, warn=warn)
            else:
                slot = start.astimezone(UTC) + step * every
            if slot > until:
                break
            slots.add(slot)
            step += 1
            if len(slots) > MAX_SLOTS:
                raise ScheduleError(
                    f"this rule makes more than {MAX_SLOTS} slots: use a longer interval or an "
                    "earlier end"
                )
    if len(slots) > MAX_SLOTS:
        raise ScheduleError(f"more than {MAX_SLOTS} slots")
    return sorted(slots)


def plan_times(
    at: str | None,
    *,
    every: str | None = None,
    until: str | None = None,
    tz: str | ZoneInfo = DEFAULT_TZ,
    now: datetime,
    warn: Warn | None = None,
) -> list[datetime]:
    """The times a schedule written as people write it asks for: ``at`` (a time, or ``now``;
    None means now too), optionally repeated ``every`` (``3d``, ``12h``) ``until`` a last
    time, all in ``tz``. An empty list means "now". :class:`ScheduleError` names what is wrong."""
    zi = zone(tz)
    if at is None or (at.strip().lower() == "now" and not every):
        if every or until:
            raise ScheduleError("a repeat (every, until) needs a start time, not now")
        return []
    start = parse_when(at, tz=zi, now=now, warn=warn)
    return expand_rule(
        start,
        every=parse_every(every) if every else None,
        until=parse_until(until, tz=zi, now=now, warn=warn) if until else None,
        tz=zi,
        warn=warn,
    )
