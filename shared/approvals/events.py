"""The approval workflow's events: what they carry and how they arrive.

One delivery holds one event or a JSON array of them (EventBridge and MNS batch mode). Each
item is one of:

- a CloudEvent whose ``data`` is the approval data (an EventBridge custom-bus rule with an FC
  target, or an async invoke with the envelope): its identity is the envelope's
  ``(source, id)``;
- an MNS message, in a CloudEvent from an MNS queue trigger (``data.messageBody``) or bare
  (``eventSchema: RawData``): the body is a CloudEvent (identity as above) or the approval
  data itself (identity: its ``eventId`` if given, else the queue's ``(source, messageId)``);
- the approval data itself (an async invoke): it must carry ``eventId``.

Each item is read on its own: a bad one becomes :class:`Unreadable`, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, model_validator

from shared.errors import InvalidParameterError
from shared.log import mask_numbers
from shared.sms.message import template_code
from shared.sms.notify import check_element_name
from shared.sms.recipients import Recipients
from shared.triggers import CloudEvent, parse_json_event
from shared.validation import checked, describe, parse_json

WORKFLOW_SOURCE = "workflow"  # the identity namespace of an ``eventId`` the workflow chose itself
MAX_ID_CHARS = 256

NodeType = Literal["approver", "cc"]


class NodeSms(BaseModel):
    """The node's SMS settings; what is absent comes from the approval defaults element."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool = True
    # checked as a send_sms body's are: a name or code that can never be right is the event's mistake
    # (an `invalid` outcome), not an outage to redeliver
    service: Annotated[StrictStr, checked(check_element_name)] | None = None
    templateCode: Annotated[StrictStr, checked(template_code)] | None = None  # noqa: N815 - the workflow's names


class ApprovalData(BaseModel):
    """An approval or CC node the workflow reached, and who to tell."""

    model_config = ConfigDict(extra="ignore")  # the workflow may send more than we use

    eventId: StrictStr | None = Field(default=None, min_length=1, max_length=MAX_ID_CHARS)  # noqa: N815
    processInstanceId: StrictStr = Field(min_length=1)  # noqa: N815
    processTitle: StrictStr = Field(min_length=1)  # noqa: N815
    userNick: StrictStr = Field(min_length=1)  # noqa: N815
    nodeId: StrictStr = Field(min_length=1)  # noqa: N815
    nodeType: NodeType  # noqa: N815
    recipients: Recipients
    sms: NodeSms | None = None

    @model_validator(mode="after")
    def _someone(self) -> ApprovalData:
        if self.recipients.is_empty():
            raise ValueError("recipients must name at least one member, department or role")
        return self


@dataclass(frozen=True)
class ApprovalEvent:
    """One readable event: its identity (the idempotency key), how it came, and its data."""

    index: int
    source: str
    id: str
    via: str  # "cloudevent", "mns" or "raw"
    data: ApprovalData


@dataclass(frozen=True)
class Unreadable:
    """One item that is not a usable approval event, and why (field names only, never values)."""

    index: int
    problem: str
    source: str | None = None
    id: str | None = None


class _Invalid(Exception):
    def __init__(self, problem: str, source: str | None = None, event_id: str | None = None) -> None:
        super().__init__(problem)
        self.problem, self.source, self.id = problem, source, event_id


def read_deliveries(event: Any) -> list[ApprovalEvent | Unreadable]:
    """Every item of one delivery, each an :class:`ApprovalEvent` or an :class:`Unreadable`."""
    try:
        payload = parse_json_event(event)
    except InvalidParameterError as error:
        return [Unreadable(0, error.message)]
    if payload is None:
        return [Unreadable(0, "the event is empty")]
    items = payload if isinstance(payload, list) else [payload]
    return [read_item(index, item) for index, item in enumerate(items)]


def read_item(index: int, item: Any) -> ApprovalEvent | Unreadable:
    try:
        return _unwrap(index, item, "event", nested=False)
    except _Invalid as invalid:  # a key the sender chose may look like a phone number: masked as one
        return Unreadable(index, mask_numbers(invalid.problem), invalid.source, invalid.id)


def _unwrap(index: int, item: Any, where: str, *, nested: bool) -> ApprovalEvent:
    if not isinstance(item, dict):
        raise _Invalid(f"{where}: must be a JSON object, got {type(item).__name__}")
    if "specversion" in item:
        envelope = _validate(CloudEvent, item, where)
        data = _json_value(envelope.data, f"{where}.data", envelope)
        if _is_mns_message(data) and not nested:
            return _from_mns(index, data, f"{where}.data", envelope.source, envelope.id)
        approval = _validate(ApprovalData, data, f"{where}.data", envelope)
        return ApprovalEvent(index, envelope.source, _checked_id(envelope.id, envelope), "cloudevent", approval)
    if _is_mns_message(item) and not nested:
        return _from_mns(index, item, where, "mns", None)
    approval = _validate(ApprovalData, item, where)
    if approval.eventId is None:
        raise _Invalid(f"{where}.eventId: required when the data comes without a CloudEvent envelope "
                       "(async invoke, MNS RawData)")
    return ApprovalEvent(index, WORKFLOW_SOURCE, approval.eventId, "raw", approval)


def _from_mns(index: int, message: dict[str, Any], where: str, source: str, fallback_id: str | None) -> ApprovalEvent:
    """An MNS message: its body is a CloudEvent or the approval data (JSON, or base64 of JSON)."""
    body = _decode_body(message.get("messageBody"), f"{where}.messageBody")
    if isinstance(body, dict) and "specversion" in body:
        inner = _unwrap(index, body, f"{where}.messageBody", nested=True)
        return ApprovalEvent(index, inner.source, inner.id, "mns", inner.data)
    approval = _validate(ApprovalData, body, f"{where}.messageBody")
    if approval.eventId is not None:
        return ApprovalEvent(index, WORKFLOW_SOURCE, approval.eventId, "mns", approval)
    message_id = message.get("messageId") or fallback_id
    if not isinstance(message_id, str) or not message_id:
        raise _Invalid(f"{where}.messageId: required when the message body has no eventId")
    return ApprovalEvent(index, source, _checked_id(message_id), "mns", approval)


def _is_mns_message(data: Any) -> bool:
    return isinstance(data, dict) and "messageBody" in data


def _decode_body(body: Any, where: str) -> Any:
    """The message body's JSON; MNS SDKs often send it base64-encoded."""
    if isinstance(body, (dict, list)):
        return body
    if not isinstance(body, str) or not body.strip():
        raise _Invalid(f"{where}: must be a non-empty string")
    try:
        return parse_json(body)
    except json.JSONDecodeError:
        pass
    try:
        return parse_json(base64.b64decode(body, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _Invalid(f"{where}: is neither JSON nor base64-encoded JSON") from None


def _json_value(data: Any, where: str, envelope: CloudEvent) -> Any:
    """``data`` as delivered; a string holding JSON (datacontenttype JSON, sent as text) is decoded."""
    if not isinstance(data, str):
        return data
    try:
        return parse_json(data)
    except json.JSONDecodeError:
        raise _Invalid(f"{where}: is a string that is not JSON", envelope.source, envelope.id) from None


def _validate(model: type[Any], data: Any, where: str, envelope: CloudEvent | None = None) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        source, event_id = (envelope.source, envelope.id) if envelope is not None else (None, None)
        raise _Invalid(describe(exc, where), source, event_id) from None


def _checked_id(value: str, envelope: CloudEvent | None = None) -> str:
    if len(value) > MAX_ID_CHARS:
        source = envelope.source if envelope is not None else None
        raise _Invalid(f"event.id: longer than {MAX_ID_CHARS} characters", source)
    return value
