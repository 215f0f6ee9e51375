"""``notify``: one template SMS to a phone list and/or directory recipients.

The send_sms function and the approval notifications both go through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.errors import InvalidParameterError, UnknownElementError
from shared.sms.phones import normalize_phone_list
from shared.sms.recipients import Recipients

if TYPE_CHECKING:
    from shared.elements.app import App


def notify(
    app: App | None = None,
    *,
    service: str,
    templateCode: str,  # noqa: N803 - the API's field names
    params: dict[str, Any],
    phoneList: list[Any] | None = None,  # noqa: N803
    recipients: Recipients | dict[str, list[str]] | None = None,
    directory: str | None = None,
) -> dict[str, Any]:
    """Text ``phoneList`` and everyone ``recipients`` names through SMS element ``service``.

    Returns ``{"result": <the element's result>, "recipients": {"phones", "unknown", "withoutPhone"}}``.
    Unknown ids and members without a usable phone are reported, never dropped silently; when
    no one is left to text, a 46001 carries that report. ``app`` defaults to the instance's
    App (configured from ``SMS_*``).

    Example:
        >>> notify(service="SMS.Default", templateCode="SMS_100000002", params={"name": "张三", "order": "1"},
        ...        recipients={"departments": ["sales"]})
    """
    if app is None:
        from shared.elements.runtime import app_for

        app = app_for(None)
    phones = normalize_phone_list(phoneList) if phoneList else []
    report: dict[str, Any] = {"phones": 0, "unknown": {"members": [], "departments": [], "roles": []},
                              "withoutPhone": []}
    wanted = Recipients.model_validate(recipients) if isinstance(recipients, dict) else recipients
    if wanted is not None and not wanted.is_empty():
        from shared.sms.directory import StaticDirectory

        resolution = element_of(app, directory or app.settings.directory, StaticDirectory, "directory").resolve(wanted)
        phones = list(dict.fromkeys([*phones, *resolution.phones]))
        report = resolution.report()
    report["phones"] = len(phones)
    if not phones:
        raise InvalidParameterError("no recipient has a usable phone number", details={"recipients": report})
    element = element_of(app, service, None, "service")
    if not callable(getattr(element, "sendMessage", None)):
        raise InvalidParameterError(f"service: {service} is not an SMS element")
    result = element.sendMessage(phones, params, templateCode)
    return {"result": result, "recipients": report}


def element_of(app: App, full_name: str, kind: type | None, field: str) -> Any:
    """The element, or a 46001 naming the request field that named it."""
    try:
        element = app.getElement(full_name)
    except UnknownElementError as error:
        raise InvalidParameterError(f"{field}: {error.message}") from None
    if kind is not None and not isinstance(element, kind):
        raise InvalidParameterError(f"{field}: {full_name} is not a {kind.__name__}")
    return element
