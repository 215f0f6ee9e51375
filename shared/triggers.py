"""FC trigger events other than HTTP: timer events and CloudEvents (EventBridge, MNS, async invoke).

Below the capabilities that read them (approvals, the config check); the HTTP trigger is ``shared.fc``'s.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import InvalidParameterError
from shared.validation import parse_json, validate


def parse_json_event(event: bytes | str | dict[str, Any] | list[Any] | None) -> Any:
    """The event's JSON (FC passes bytes); 46001 when it is not JSON."""
    if event is None or isinstance(event, (dict, list)):
        return event
    if not event or (isinstance(event, bytes) and not event.strip()):
        return None
    try:
        return parse_json(event)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidParameterError("the event is not JSON") from None


class TimerEvent(BaseModel):
    """``{"triggerTime", "triggerName", "payload"}``; ``payload`` is the configured string."""

    model_config = ConfigDict(extra="allow")

    triggerTime: str  # noqa: N815 - FC's field names
    triggerName: str  # noqa: N815
    payload: str = ""


def timer_options(event: bytes | str | dict[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """The options of a timer run or an on-demand invoke, and the trigger name (None on demand).

    A timer event's ``payload`` string holds JSON options; a direct invoke passes them as the event.
    """
    data = parse_json_event(event)
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        raise InvalidParameterError("the event must be a JSON object")
    if "triggerTime" not in data:
        return data, None
    timer = validate(TimerEvent, data, "event")
    try:
        options = parse_json(timer.payload) if timer.payload.strip() else {}
    except json.JSONDecodeError:
        raise InvalidParameterError("event.payload: the timer payload is not JSON") from None
    if not isinstance(options, dict):
        raise InvalidParameterError("event.payload: the timer payload must be a JSON object")
    return options, timer.triggerName


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope as EventBridge delivers it (Aliyun's extensions kept as extras)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    specversion: str = "1.0"
    type: str = Field(min_length=1)
    data: Any = None
    subject: str | None = None
    time: str | None = None
    datacontenttype: str | None = None
