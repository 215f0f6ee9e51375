"""The items of Aliyun's HTTP batch push, read one by one: a bad item is skipped, never the batch.

Field names and types from Aliyun's pages: SmsReport https://help.aliyun.com/document_detail/101867.html
(``phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id``; every
value a string but ``success``, a boolean) and SmsUp https://help.aliyun.com/zh/sms/developer-reference/smsup-http
(``phone_number, content, send_time, dest_code, sequence_id, sign_name``; ``sequence_id`` a number on
the older page and a string on the newer one, ``sign_name`` only on the older page and the API
definition: both accepted). Times are Beijing time ``yyyy-MM-dd HH:mm:ss``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, TypeAdapter, ValidationError

from shared import log
from shared.errors import InvalidParameterError
from shared.sms.phones import mask_phone, normalize_phone
from shared.validation import describe, parse_json

BEIJING = timezone(timedelta(hours=8))
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_ITEMS = 10_000  # items in one push (Aliyun publishes no batch size; the emulator sends 100)
MAX_TEXT = 512  # characters of any one string field we keep or compare (a reply is at most a few hundred)


_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")


@functools.lru_cache(maxsize=1024)  # a batch repeats its seconds; strptime cost a third of a push
def beijing_time(text: str) -> float:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time as epoch seconds; ValueError otherwise."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"not {TIME_FORMAT}")
    year, month, day, hour, minute, second = map(int, match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING).timestamp()


def _phone(raw: object) -> str:
    try:
        return normalize_phone(raw)
    except InvalidParameterError as error:
        raise ValueError(error.message) from None


def _time(raw: object) -> float:
    if not isinstance(raw, str):
        raise ValueError("must be a time 'yyyy-MM-dd HH:mm:ss' (Beijing)")
    try:
        return beijing_time(raw)
    except ValueError:
        raise ValueError("must be a time 'yyyy-MM-dd HH:mm:ss' (Beijing)") from None


def _text_or_number(raw: object) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise ValueError("must be a string or an integer")
    return str(raw)


Phone = Annotated[str, BeforeValidator(_phone)]
BeijingTime = Annotated[float, BeforeValidator(_time)]
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]
Id = Annotated[StrictStr, Field(max_length=128)]


class SmsReport(BaseModel):
    """One delivery receipt. ``sms_size`` and ``err_msg`` are not kept; extra fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    phone_number: Phone
    send_time: BeijingTime | None = None
    report_time: BeijingTime
    success: StrictBool
    err_code: Text = ""
    err_msg: Text = ""
    sms_size: Annotated[str, BeforeValidator(_text_or_number)] | None = None
    biz_id: Id | None = None
    out_id: Id | None = None


class SmsUp(BaseModel):
    """One reply a user sent to a message's number."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    phone_number: Phone
    content: Text
    send_time: BeijingTime | None = None
    dest_code: Annotated[str, BeforeValidator(_text_or_number), Field(max_length=64)] | None = None
    sequence_id: Annotated[str, BeforeValidator(_text_or_number), Field(max_length=64)] | None = None
    sign_name: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None


M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Batch:
    """The items of one push that could be read, and how many could not."""

    items: list[Any]
    skipped: int


@functools.cache  # one per model: SmsReport and SmsUp
def _whole_push(model: type[M]) -> TypeAdapter[list[M]]:
    return TypeAdapter(Annotated[list[model], Field(max_length=MAX_ITEMS)])  # type: ignore[valid-type,arg-type]


def read_batch(body: bytes, model: type[M]) -> Batch:
    """The push's JSON array as ``model`` items; a bad item is logged (masked) and skipped.

    Raises a 46001 (400) only when the body is not a JSON array at all: then nothing was stored,
    and Aliyun's retry brings the same body again (to the same answer, three times at most).
    """
    try:  # a good push (most are), parsed and checked in one call; anything else item by item below
        return Batch(_whole_push(model).validate_json(body), 0)
    except ValidationError:
        pass
    try:
        data = parse_json(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidParameterError("the push is not JSON: Aliyun sends a JSON array") from None
    if not isinstance(data, list):
        raise InvalidParameterError(f"the push must be a JSON array, got {type(data).__name__}")
    if len(data) > MAX_ITEMS:
        raise InvalidParameterError(f"the push holds {len(data)} items; at most {MAX_ITEMS}")
    items: list[Any] = []
    skipped = 0
    for index, raw in enumerate(data):
        try:
            items.append(model.model_validate(raw))
        except ValidationError as error:
            skipped += 1
            phone = raw.get("phone_number") if isinstance(raw, dict) else None
            log.warning("receipts.item_skipped", kind=model.__name__, index=index,
                        phone=mask_phone(str(phone)) if phone is not None else None,
                        problem=log.mask_numbers(describe(error, f"[{index}]"))[:300])
    return Batch(items, skipped)
