"""FC timer ``cronExpression``: six fields ``sec min hour dom month dow``, or ``@every <duration>``.

Fields take ``*``, ``?`` (same as ``*``), numbers, names (``JAN``-``DEC``, ``SUN``-``SAT``),
lists ``a,b``, ranges ``a-b`` and steps ``*/n`` / ``a-b/n`` / ``a/n``; day of week 0-6 with 7 also
Sunday. As in Go's cron (FC's), when both day-of-month and day-of-week are restricted a day
matching either fires. Times are UTC unless prefixed ``CRON_TZ=<IANA zone> ``.

Example
-------
>>> from datetime import datetime, timezone
>>> cron = Cron.parse("CRON_TZ=Asia/Shanghai 0 0 3 * * *")
>>> cron.next_after(datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)).isoformat()
'2026-11-24T19:00:00+00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

MONTHS = {name: number for number, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
WEEKDAYS = {name: number for number, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (  # name, low, high, names
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, WEEKDAYS),
)
DURATION = re.compile(r"(\d+)(h|m|s)")
SEARCH_DAYS = 366 * 8  # long enough for 29 February after a skipped leap year


class CronError(ValueError):
    """The expression cannot be used; the message names the field."""


@dataclass(frozen=True)
class Cron:
    expression: str
    zone: tzinfo
    seconds: tuple[int, ...] = ()
    minutes: tuple[int, ...] = ()
    hours: tuple[int, ...] = ()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    days_restricted: bool = False
    weekdays_restricted: bool = False
    every: timedelta | None = None

    @classmethod
    def parse(cls, expression: str) -> Cron:
        text = expression.strip()
        zone: tzinfo = timezone.utc
        if text.startswith("CRON_TZ=") or text.startswith("TZ="):
            prefix, _, text = text.partition(" ")
            zone = _zone(prefix.split("=", 1)[1])
            text = text.strip()
        if text.startswith("@every"):
            return cls(expression, zone, every=_duration(text[len("@every"):].strip()))
        parts = text.split()
        if len(parts) != 6:
            raise CronError(f"cron {expression!r}: expected 6 fields (sec min hour dom month dow), got {len(parts)}")
        values = [_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
        weekdays = frozenset(0 if day == 7 else day for day in values[5])
        return cls(expression, zone, tuple(sorted(values[0])), tuple(sorted(values[1])), tuple(sorted(values[2])),
                   frozenset(values[3]), frozenset(values[4]), weekdays,
                   days_restricted=parts[3] not in ("*", "?"), weekdays_restricted=parts[5] not in ("*", "?"))

    def next_after(self, moment: datetime) -> datetime:
        """The first firing time strictly after ``moment`` (aware), in UTC."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs an aware datetime")
        if self.every is not None:
            return (moment + self.every).astimezone(timezone.utc)
        local = moment.astimezone(self.zone).replace(microsecond=0, tzinfo=None)
        day = local.date()
        for _ in range(SEARCH_DAYS):
            if self._day_matches(day):
                found = self._first_time(day, local.time() if day == local.date() else None)
                if found is not None:
                    return datetime.combine(day, found).replace(tzinfo=self.zone).astimezone(timezone.utc)
            day += timedelta(days=1)
        raise CronError(f"cron {self.expression!r} never fires")

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month = day.day in self.days
        in_week = (day.isoweekday() % 7) in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return in_month or in_week
        return in_month and in_week

    def _first_time(self, day: date, after: time | None) -> time | None:
        """The earliest matching time of ``day`` (strictly later than ``after`` when given)."""
        for hour in self.hours:
            if after is not None and hour < after.hour:
                continue
            for minute in self.minutes:
                if after is not None and (hour, minute) < (after.hour, after.minute):
                    continue
                for second in self.seconds:
                    candidate = time(hour, minute, second)
                    if after is None or candidate > after:
                        return candidate
        return None


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"CRON_TZ={name}: unknown time zone") from None


def _duration(text: str) -> timedelta:
    if not text or DURATION.sub("", text):
        raise CronError(f"@every {text!r}: expected a duration such as 5m, 1h30m or 90s")
    units = {"h": 3600, "m": 60, "s": 1}
    seconds = sum(int(number) * units[unit] for number, unit in DURATION.findall(text))
    if seconds <= 0:
        raise CronError(f"@every {text!r}: the interval must be positive")
    return timedelta(seconds=seconds)


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        values.update(_item(item, name, low, high, names))
    return values


def _item(item: str, name: str, low: int, high: int, names: dict[str, int]) -> range:
    span, _, step_text = item.partition("/")
    step = _number(step_text, name, names) if step_text else 1
    if step < 1:
        raise CronError(f"{name}: step must be at least 1 in {item!r}")
    if span in ("*", "?"):
        start, end = low, high
    elif "-" in span:
        first, _, last = span.partition("-")
        start, end = _number(first, name, names), _number(last, name, names)
    else:
        start = _number(span, name, names)
        end = high if step_text else start
    if not (low <= start <= high and low <= end <= high) or start > end:
        raise CronError(f"{name}: {item!r} is outside {low}-{high}")
    return range(start, end + 1, step)


def _number(text: str, name: str, names: dict[str, int]) -> int:
    upper = text.strip().upper()
    if upper in names:
        return names[upper]
    if not upper.isdigit():
        raise CronError(f"{name}: {text!r} is not a number")
    return int(upper)
