"""The account's own state: suspended or not, its balance, its daily and monthly caps, its test numbers.

Seed section ``sms.account`` (every key optional; ``PUT /_emulator/sms/account`` takes the same)::

    {"suspended": false,          # true: every send answers isv.OUT_OF_SERVICE (业务停机)
     "balance": null,             # billed SMS parts the balance still pays for; null: unlimited
     "dayLimit": null,            # messages a China-time day (控制台 安全设置 日发送量阈值)
     "monthLimit": null,          # messages a China-time month (月发送量阈值)
     "testNumbers": []}           # the numbers bound for test signs and templates (at most 5 on Aliyun)

Codes and messages from Aliyun's API error codes (https://help.aliyun.com/document_detail/101346.html):
``isv.OUT_OF_SERVICE`` 业务停机, ``isv.AMOUNT_NOT_ENOUGH`` 账户余额不足, ``isv.DAY_LIMIT_CONTROL`` 触发日发送限额,
``isv.MONTH_LIMIT_CONTROL`` 触发月发送限额. A request is admitted or refused as a whole; only admitted
messages count. Aliyun bills by parts (one up to 70 characters, then one per 67): the balance is
counted in parts, the caps in messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from emulator.sms.errors import AmountNotEnough, DayLimitControl, MonthLimitControl, OutOfService
from emulator.sms.phones import normalize_phone

SEED_KEYS = ("suspended", "balance", "dayLimit", "monthLimit", "testNumbers")
MAX_TEST_NUMBERS = 5


def _limit(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"sms.account.{name} must be an integer >= 0 or null")
    return value


def _test_numbers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_TEST_NUMBERS:
        raise ValueError(f"sms.account.testNumbers must be a list of at most {MAX_TEST_NUMBERS} mobile numbers")
    numbers = tuple(normalize_phone(str(item)) for item in value)
    if None in numbers:
        raise ValueError("sms.account.testNumbers must hold mainland mobile numbers")
    return tuple(number for number in numbers if number is not None)


@dataclass
class Account:
    """Settings (seeded) and usage (what was admitted) of the emulated account."""

    suspended: bool = False
    balance: int | None = None
    day_limit: int | None = None
    month_limit: int | None = None
    test_numbers: tuple[str, ...] = ()
    per_day: dict[date, int] = field(default_factory=dict)

    @staticmethod
    def parse(data: Any) -> dict[str, Any]:
        """Validate seed ``sms.account``; the attribute values to set."""
        if not isinstance(data, Mapping):
            raise ValueError("sms.account must be an object")
        unknown = sorted(set(data) - set(SEED_KEYS))
        if unknown:
            raise ValueError(f"sms.account has unknown keys {unknown}; known: {list(SEED_KEYS)}")
        changes: dict[str, Any] = {}
        if "suspended" in data:
            if not isinstance(data["suspended"], bool):
                raise ValueError("sms.account.suspended must be true or false")
            changes["suspended"] = data["suspended"]
        for seed_name, attribute in (("balance", "balance"), ("dayLimit", "day_limit"), ("monthLimit", "month_limit")):
            if seed_name in data:
                changes[attribute] = _limit(data[seed_name], seed_name)
        if "testNumbers" in data:
            changes["test_numbers"] = _test_numbers(data["testNumbers"])
        return changes

    def update(self, changes: Mapping[str, Any]) -> None:
        for attribute, value in changes.items():
            setattr(self, attribute, value)

    def check_service(self) -> None:
        """``isv.OUT_OF_SERVICE`` while the account is suspended (欠费停机)."""
        if self.suspended:
            raise OutOfService(detail="账户已停机(emulator: sms.account.suspended)")

    def sent_in_month(self, day: date) -> int:
        return sum(count for sent_on, count in self.per_day.items() if (sent_on.year, sent_on.month) == (day.year,
                                                                                                         day.month))

    def check(self, messages: int, parts: int, day: date) -> None:
        """Refuse ``messages`` (``parts`` billed) on China-time ``day`` if the balance or a cap does not
        allow them all; changes nothing (:meth:`charge` does, once every other check has passed)."""
        if self.balance is not None and parts > self.balance:
            raise AmountNotEnough(detail=f"余额可支付{self.balance}条, 本次需要{parts}条")
        sent_today = self.per_day.get(day, 0)
        if self.day_limit is not None and sent_today + messages > self.day_limit:
            raise DayLimitControl(detail=f"日发送量阈值{self.day_limit}, 今日已发送{sent_today}")
        sent_month = self.sent_in_month(day)
        if self.month_limit is not None and sent_month + messages > self.month_limit:
            raise MonthLimitControl(detail=f"月发送量阈值{self.month_limit}, 本月已发送{sent_month}")

    def charge(self, messages: int, parts: int, day: date) -> None:
        """Pay ``parts`` and count ``messages`` sent on ``day`` (after :meth:`check`)."""
        if self.balance is not None:
            self.balance -= parts
        self.per_day[day] = self.per_day.get(day, 0) + messages

    def to_dict(self, today: date) -> dict[str, Any]:
        return {"suspended": self.suspended, "balance": self.balance, "dayLimit": self.day_limit,
                "monthLimit": self.month_limit, "testNumbers": list(self.test_numbers),
                "sentToday": self.per_day.get(today, 0), "sentThisMonth": self.sent_in_month(today)}
