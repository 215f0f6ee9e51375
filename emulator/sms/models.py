"""The Dysmsapi backend: state and rules behind SendSms, SendBatchSms and QuerySendDetails.

Checks run in this order and the first failure answers: account suspended (:mod:`emulator.sms.account`),
number format, number count, signature, template, sign scene and test sign/template pairing
(:func:`emulator.sms.catalog.check_pairing`), test numbers, template variables (see
:mod:`emulator.sms.params`), balance and daily / monthly caps, then flow control
(:mod:`emulator.sms.flow`). Aliyun publishes no order; this one is the emulator's choice. One
request gets one BizId shared by all its messages.

Seed section ``sms`` (all keys optional)::

    {"signs": [{"name", "status", "reason"?, "createDate"?}],
     "templates": [{"code", "name", "type", "status", "content", "reason"?, "createDate"?}],
     "deliveryDelaySeconds": 2,
     "undeliverable": ["13800000000", ...] or {"13800000000": "MOBILE_NOT_ON_SERVICE", ...},
     "flowControl": {"enabled": true, "verificationPerMinute": 1, ...},
     "maxMessages": 10000,
     "listDelaySeconds": 0,
     "push": {"reportUrl": ..., "upUrl": ..., ...},
     "account": {"suspended": false, "balance": null, "dayLimit": null, "monthLimit": null, "testNumbers": []},
     "retiredActions": ["QuerySmsTemplate", "QuerySmsSign"]}

``listDelaySeconds``: QuerySendDetails lists a message only that long after it was sent (emulator
clock), as Aliyun may not list an accepted message at once. ``push``: Aliyun's HTTP batch push of
delivery receipts and replies (:mod:`emulator.sms.pushes`).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from emulator.core.clock import Clock
from emulator.core.ids import Ids
from emulator.sms.account import Account
from emulator.sms.catalog import Catalog, Sign, Template, check_pairing, parse_sign, parse_template
from emulator.sms.errors import (
    InvalidJsonParam,
    InvalidParameters,
    MobileCountOverLimit,
    MobileNumberIllegal,
    TestNumberLimit,
)
from emulator.sms.flow import FlowControl, FlowLimits, Submission
from emulator.sms.outbox import CHINA, DEFAULT_MAX_MESSAGES, Message, MessageFilter, Outbox, china_date
from emulator.sms.params import check_params, parse_param_object, parse_template_param
from emulator.sms.phones import normalize_phone, normalize_phones
from emulator.sms.push_queue import PushQueue
from emulator.sms.pushes import UP, Push, PushSettings, reply_item, sms_size

SEND_SMS_MAX_NUMBERS = 1000
SEND_BATCH_MAX_NUMBERS = 100
DEFAULT_DELIVERY_DELAY = 2.0
DEFAULT_FAIL_CODE = "MOBILE_NOT_ON_SERVICE"
DETAILS_MAX_AGE_DAYS = 30
RETIRABLE = ("QuerySmsTemplate", "QuerySmsSign")  # offline / being retired; GetSmsTemplate, GetSmsSign replace them


@dataclass(frozen=True)
class SmsSettings:
    delivery_delay: float = DEFAULT_DELIVERY_DELAY
    undeliverable: dict[str, str] = field(default_factory=dict)
    flow: FlowLimits = field(default_factory=FlowLimits)
    max_messages: int = DEFAULT_MAX_MESSAGES
    list_delay: float = 0.0
    push: PushSettings = field(default_factory=PushSettings)
    retired_actions: frozenset[str] = frozenset()  # answered as removed (isv.INTERFACE_OFFLINE)


@dataclass(frozen=True)
class Reply:
    """A user's reply to simulate: ``sign_name`` None answers the newest message sent to ``phone``."""

    phone: str
    content: str
    sign_name: str | None = None
    dest_code: str | None = None


def dest_code_of(sign_name: str) -> str:
    """The emulator's stand-in for the extension number Aliyun assigns a signature: 4 stable digits."""
    return str(1000 + zlib.crc32(sign_name.encode("utf-8")) % 9000)


class Outgoing(NamedTuple):
    """One message of a request, after the number and signature checks."""

    phone: str
    sign: Sign
    params: dict[str, str]
    up_extend_code: str | None = None


def parse_undeliverable(value: Any) -> dict[str, str]:
    if isinstance(value, list):
        value = dict.fromkeys(value, DEFAULT_FAIL_CODE)
    if not isinstance(value, Mapping):
        raise ValueError("sms.undeliverable must be a list of numbers or an object of number → ErrCode")
    parsed = {}
    for raw, code in value.items():
        phone = normalize_phone(str(raw))
        if phone is None or not isinstance(code, str) or not code:
            raise ValueError(f"sms.undeliverable entry {raw!r} needs a mainland mobile number and an ErrCode")
        parsed[phone] = code
    return parsed


def _seconds(section: Mapping[str, Any], name: str) -> float:
    value = section[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"sms.{name} must be a number >= 0")
    return float(value)


def parse_settings(section: Mapping[str, Any], base: SmsSettings) -> SmsSettings:
    settings = base
    if "deliveryDelaySeconds" in section:
        settings = replace(settings, delivery_delay=_seconds(section, "deliveryDelaySeconds"))
    if "listDelaySeconds" in section:
        settings = replace(settings, list_delay=_seconds(section, "listDelaySeconds"))
    if "push" in section:
        settings = replace(settings, push=PushSettings.from_seed(section["push"], settings.push))
    if "undeliverable" in section:
        settings = replace(settings, undeliverable=parse_undeliverable(section["undeliverable"]))
    if "flowControl" in section:
        settings = replace(settings, flow=FlowLimits.from_seed(section["flowControl"], settings.flow))
    if "maxMessages" in section:
        limit = section["maxMessages"]
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError("sms.maxMessages must be an integer >= 1")
        settings = replace(settings, max_messages=limit)
    if "retiredActions" in section:
        settings = replace(settings, retired_actions=parse_retired(section["retiredActions"]))
    return settings


def parse_json_list(text: str, name: str) -> list[Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidJsonParam(detail=f"JSON参数不合法: {name}不是合法的JSON") from None
    if not isinstance(value, list):
        raise InvalidJsonParam(detail=f"JSON参数不合法: {name}须为JSON数组")
    return value


class SmsBackend:
    """Signatures, templates, outbox, flow-control counters and settings of one emulated account."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.pushes = PushQueue(clock)
        self.reset()

    def reset(self) -> None:
        self.settings = SmsSettings()
        self.catalog = Catalog()
        self.flow = FlowControl(self.settings.flow)
        self.outbox = Outbox(self.settings.max_messages)
        self.account = Account()
        self.pushes.reset()

    def prepare_seed(self, section: Any) -> Callable[[], None]:
        """Validate seed section ``sms`` completely; return the function that applies it."""
        if not isinstance(section, Mapping):
            raise ValueError("sms must be an object")
        signs = [parse_sign(entry, i) for i, entry in enumerate(_list(section, "signs"))]
        templates = [parse_template(entry, i) for i, entry in enumerate(_list(section, "templates"))]
        settings = parse_settings(section, self.settings)
        account = Account.parse(section.get("account", {}))

        def apply() -> None:
            self.catalog.add(signs, templates)
            self.account.update(account)
            self.settings = settings
            self.flow.limits = settings.flow
            if settings.max_messages != self.outbox.max_messages:
                self.outbox.resize(settings.max_messages)
            self.pushes.configure(settings.push)

        return apply

    def seed(self, section: Any) -> None:
        self.prepare_seed(section)()

    # -- sending ------------------------------------------------------------------------------

    def send_sms(self, phone_numbers: str, sign_name: str, template_code: str, template_param: str | None,
                 request_id: str, out_id: str | None = None, up_extend_code: str | None = None) -> str:
        """SendSms: one template and signature to up to 1000 comma-separated numbers; returns the BizId."""
        self.account.check_service()
        phones = self._phones(phone_numbers.split(","), SEND_SMS_MAX_NUMBERS)
        sign = self.catalog.approved_sign(sign_name)
        template = self.catalog.approved_template(template_code)
        self._check_pairings([sign], template, phones)
        params = parse_template_param(template_param)
        check_params(template, params)
        outgoing = [Outgoing(phone, sign, params, up_extend_code) for phone in phones]
        return self._submit(outgoing, template, request_id, out_id)

    def send_batch_sms(self, phone_json: str, sign_json: str, template_code: str, param_json: str | None,
                       request_id: str, out_id: str | None = None, extend_json: str | None = None) -> str:
        """SendBatchSms: per-number signatures and values (JSON arrays aligned by index), ≤100 numbers."""
        self.account.check_service()
        raw_phones = parse_json_list(phone_json, "PhoneNumberJson")
        phones = self._phones([str(item) for item in raw_phones], SEND_BATCH_MAX_NUMBERS)
        sign_names = _aligned(parse_json_list(sign_json, "SignNameJson"), len(phones), "SignNameJson")
        signs = [self.catalog.approved_sign(str(name)) for name in sign_names]
        template = self.catalog.approved_template(template_code)
        self._check_pairings(signs, template, phones)
        param_list: list[Any] = [{} for _ in phones]
        if param_json is not None and param_json.strip():
            param_list = _aligned(parse_json_list(param_json, "TemplateParamJson"), len(phones), "TemplateParamJson")
        params = [parse_param_object(item) for item in param_list]
        for values in params:
            check_params(template, values)
        codes: list[Any] = [None] * len(phones)
        if extend_json is not None and extend_json.strip():
            codes = _aligned(parse_json_list(extend_json, "SmsUpExtendCodeJson"), len(phones), "SmsUpExtendCodeJson")
        outgoing = [Outgoing(phone, sign, values, None if code is None else str(code))
                    for phone, sign, values, code in zip(phones, signs, params, codes, strict=True)]
        return self._submit(outgoing, template, request_id, out_id)

    def _phones(self, raw: list[str], limit: int) -> list[str]:
        phones = normalize_phones(raw)
        bad = [item for item, phone in zip(raw, phones, strict=True) if phone is None]
        if bad:
            raise MobileNumberIllegal(detail=f"非法手机号: {bad[0].strip() or '(empty)'}")
        if len(phones) > limit:
            raise MobileCountOverLimit(detail=f"手机号码数量超过限制({limit})")
        return [phone for phone in phones if phone is not None]

    def _check_pairings(self, signs: list[Sign], template: Template, phones: list[str]) -> None:
        for sign in dict.fromkeys(signs):
            check_pairing(sign, template)
        if template.test:
            unbound = [phone for phone in phones if phone not in self.account.test_numbers]
            if unbound:
                masked = f"{unbound[0][:3]}****{unbound[0][-4:]}"
                raise TestNumberLimit(detail=f"测试签名和模板只能发送给已绑定的测试号码: {masked}")

    def _submit(self, outgoing: list[Outgoing], template: Template, request_id: str, out_id: str | None) -> str:
        now = self.clock.now()
        rendered: dict[tuple[str, int], str] = {}  # SendSms shares one params dict: render it once
        contents = []
        for o in outgoing:
            key = (o.sign.name, id(o.params))
            if key not in rendered:
                rendered[key] = f"【{o.sign.name}】{template.render(o.params)}"
            contents.append(rendered[key])
        parts = sum(sms_size(content) * count for content, count in Counter(contents).items())
        day = china_date(now)
        self.account.check(len(outgoing), parts, day)
        self.flow.admit([Submission(o.sign.name, template.code, template.type, o.phone) for o in outgoing], now)
        self.account.charge(len(outgoing), parts, day)  # only what every check admitted
        biz_id = self.ids.biz_id()
        deliver_at, undeliverable = now + self.settings.delivery_delay, self.settings.undeliverable
        messages = []
        for o, content in zip(outgoing, contents, strict=True):
            messages.append(Message(  # positional: a thousand of them per SendSms
                biz_id, o.phone, o.sign.name, template.code, template.type, o.params, content, now,
                deliver_at, request_id, out_id, o.up_extend_code, undeliverable.get(o.phone)))
        self.outbox.add(messages)
        self.pushes.watch(messages)
        return biz_id

    # -- replies ------------------------------------------------------------------------------

    def reply(self, replies: list[Reply]) -> Push:
        """Users' replies, pushed as one SmsUp batch; ValueError names what is wrong."""
        self.pushes.url(UP)
        now = self.clock.now()
        items = []
        for reply in replies:
            phone = normalize_phone(reply.phone)
            if phone is None:
                raise ValueError(f"phone must be a mainland mobile number: {reply.phone!r}")
            replied_to = self.outbox.find(MessageFilter(phone=phone, sign_name=reply.sign_name), now)
            sign_name = reply.sign_name or (replied_to[0].sign_name if replied_to else None)
            if sign_name is None:
                raise ValueError(f"signName is needed: nothing was sent to {phone}")
            extend = (replied_to[0].up_extend_code or "") if replied_to else ""
            dest_code = reply.dest_code or dest_code_of(sign_name) + extend
            items.append(reply_item(phone, reply.content, sign_name, dest_code, now, self.pushes.sequence_id()))
        return self.pushes.add(UP, items)

    # -- queries ------------------------------------------------------------------------------

    def send_details(self, phone_number: str, send_date: str, biz_id: str | None = None) -> list[Message]:
        """QuerySendDetails: one number's messages on one China-time day within the last 30 days."""
        phone = normalize_phone(phone_number)
        if phone is None:
            raise MobileNumberIllegal(detail=f"非法手机号: {phone_number}")
        try:
            day = datetime.strptime(send_date, "%Y%m%d").replace(tzinfo=CHINA).date()
        except ValueError:
            raise InvalidParameters(detail=f"SendDate格式不正确(yyyyMMdd): {send_date}") from None
        today = china_date(self.clock.now())
        if not today - timedelta(days=DETAILS_MAX_AGE_DAYS) <= day <= today:
            raise InvalidParameters(detail=f"SendDate只支持查询最近{DETAILS_MAX_AGE_DAYS}天: {send_date}")
        now = self.clock.now()
        found = self.outbox.find(MessageFilter(phone=phone, sent_on=day, biz_id=biz_id or None), now)
        return [message for message in found if message.sent_at + self.settings.list_delay <= now]

    def messages(self, criteria: MessageFilter | None = None, limit: int | None = None) -> tuple[int, list[dict]]:
        """The control API's outbox view: (total matching, newest-first dicts up to ``limit``)."""
        now = self.clock.now()
        found = self.outbox.find(criteria or MessageFilter(), now)
        selected = found if limit is None else found[:limit]
        return len(found), [message.to_dict(now) for message in selected]


def parse_retired(value: Any) -> frozenset[str]:
    """Seed ``sms.retiredActions``: the retired actions to answer as removed (isv.INTERFACE_OFFLINE)."""
    if not isinstance(value, list) or not set(value) <= set(RETIRABLE):
        raise ValueError(f"sms.retiredActions must be a list of some of {list(RETIRABLE)}")
    return frozenset(value)


def _list(section: Mapping[str, Any], name: str) -> list[Any]:
    value = section.get(name, [])
    if not isinstance(value, list):
        raise ValueError(f"sms.{name} must be a list")
    return value


def _aligned(items: list[Any], expected: int, name: str) -> list[Any]:
    if len(items) != expected:
        raise InvalidParameters(detail=f"{name}与PhoneNumberJson的元素个数不一致({len(items)} != {expected})")
    return items
