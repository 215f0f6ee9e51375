"""FC timer cron: six fields with lists, ranges, steps and names, CRON_TZ, @every."""

from datetime import datetime, timedelta, timezone

import pytest

from emulator.fc.cron import Cron, CronError

UTC = timezone.utc


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def upcoming(expression, start, count=3):
    cron, moment, found = Cron.parse(expression), at(start), []
    for _ in range(count):
        moment = cron.next_after(moment)
        found.append(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return found


def test_shanghai_three_oclock_is_nineteen_utc_the_day_before():
    assert upcoming("CRON_TZ=Asia/Shanghai 0 0 3 * * *", "2026-11-24T12:00:00Z") == [
        "2026-11-24T19:00:00Z", "2026-11-25T19:00:00Z", "2026-11-26T19:00:00Z"]


def test_without_a_zone_the_expression_is_utc():
    assert upcoming("0 0 3 * * *", "2026-11-24T12:00:00Z", 1) == ["2026-11-25T03:00:00Z"]


def test_next_is_strictly_after_even_on_a_firing_second():
    assert upcoming("0 0 3 * * *", "2026-11-25T03:00:00Z", 1) == ["2026-11-26T03:00:00Z"]
    assert upcoming("0 0 3 * * *", "2026-11-25T02:59:59.900000Z", 1) == ["2026-11-25T03:00:00Z"]


def test_seconds_steps_ranges_and_lists():
    assert upcoming("*/15 * * * * *", "2026-01-01T12:00:07Z") == [
        "2026-01-01T12:00:15Z", "2026-01-01T12:00:30Z", "2026-01-01T12:00:45Z"]
    assert upcoming("5 10-12/2,30 * * * *", "2026-01-01T12:00:00Z", 4) == [
        "2026-01-01T12:10:05Z", "2026-01-01T12:12:05Z", "2026-01-01T12:30:05Z", "2026-01-01T13:10:05Z"]
    assert upcoming("0 0 9/6 * * ?", "2026-01-01T10:00:00Z") == [
        "2026-01-01T15:00:00Z", "2026-01-01T21:00:00Z", "2026-01-02T09:00:00Z"]


def test_names_and_day_of_week_seven_is_sunday():
    # 2026-03-01 is a Sunday
    assert upcoming("0 30 8 * MAR-APR MON-FRI", "2026-02-27T00:00:00Z", 2) == [
        "2026-03-02T08:30:00Z", "2026-03-03T08:30:00Z"]
    assert upcoming("0 0 0 * * 7", "2026-03-02T00:00:00Z", 1) == ["2026-03-08T00:00:00Z"]


def test_day_of_month_or_day_of_week_when_both_are_restricted():
    # the 13th, or any Friday (2026-02-06 is a Friday)
    assert upcoming("0 0 0 13 * FRI", "2026-02-01T00:00:00Z", 3) == [
        "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z"]


def test_rolls_over_months_and_finds_the_next_leap_day():
    assert upcoming("0 0 0 31 * *", "2026-04-01T00:00:00Z", 2) == ["2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"]
    assert upcoming("0 0 0 29 2 *", "2026-03-01T00:00:00Z", 1) == ["2028-02-29T00:00:00Z"]


def test_every_interval():
    cron = Cron.parse("@every 1h30m")
    assert cron.next_after(at("2026-01-01T00:00:00Z")) == at("2026-01-01T01:30:00Z")
    assert Cron.parse("CRON_TZ=Asia/Shanghai @every 90s").every == timedelta(seconds=90)


@pytest.mark.parametrize(("expression", "message"), [
    ("0 0 3 * *", "expected 6 fields"),
    ("60 * * * * *", "second: '60' is outside 0-59"),
    ("0 0 24 * * *", "hour: '24' is outside 0-23"),
    ("0 0 0 0 * *", "day of month: '0' is outside 1-31"),
    ("0 0 0 * 13 *", "month: '13' is outside 1-12"),
    ("0 0 0 * * 8", "day of week: '8' is outside 0-7"),
    ("*/0 * * * * *", "step must be at least 1"),
    ("0 0 5-3 * * *", "hour: '5-3' is outside"),
    ("0 0 x * * *", "hour: 'x' is not a number"),
    ("CRON_TZ=Mars/Olympus 0 0 3 * * *", "unknown time zone"),
    ("@every soon", "expected a duration"),
    ("0 0 0 31 2 *", "never fires"),
])
def test_bad_expressions_are_named(expression, message):
    with pytest.raises(CronError, match=message):
        Cron.parse(expression).next_after(datetime(2026, 1, 1, tzinfo=UTC))
