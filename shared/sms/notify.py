"""``notify``: one template SMS to a phone list and/or directory recipients.

The send_sms function goes through here; its route builds the typed :class:`Notice` itself
from its already-validated body, and :func:`notify` builds one from a caller's raw values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.elements.element import MAX_ELEMENT_NAME_CHARS, element_path
from shared.errors import ConfigError, InvalidParameterError, RequestError, SmsError, UnknownElementError
from shared.sms.message import Message, check_template_code, encode_params
from shared.sms.phones import normalize_phone_list
from shared.sms.recipients import Recipients
from shared.validation import validate

if TYPE_CHECKING:
    from shared.elements.app import App


class Notice(NamedTuple):
    """A validated send request: numbers normalised, template checked, params encoded."""

    service: str
    template_code: str
    template_param: str | None
    phones: tuple[str, ...] = ()
    recipients: Recipients | None = None
    directory: str | None = None


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

    Returns ``{"result": <the element's result>, "recipients": {"phones", "unknown", "withoutPhone",
    "suppressed"}}``: ``phones`` counts the numbers texted, ``suppressed`` lists (masked) those skipped
    because they opted out of the element's signature (never for a verification-code template).
    Unknown ids and members without a usable phone are reported, never dropped silently; when
    no one is left to text, a 46001 carries that report (a 422 when everyone opted out). ``app``
    defaults to the instance's App (configured from ``SMS_*``).

    Example:
        >>> notify(service="SMS.Default", templateCode="SMS_100000002", params={"name": "张三", "order": "1"},
        ...        recipients={"departments": ["sales"]})
    """
    service = named("service", service)
    directory = None if directory is None else named("directory", directory)
    phones = tuple(normalize_phone_list(phoneList)) if phoneList else ()
    wanted = recipients if recipients is None or isinstance(recipients, Recipients) else validate(
        Recipients, recipients, "recipients")
    template_param = encode_params(params)
    notice = Notice(service, check_template_code(templateCode, "templateCode"), template_param, phones, wanted,
                    directory)
    return send_notice(app, notice)


def check_element_name(name: object) -> str:
    """An element full name a request may give (``SMS.Default``): a 46001 for anything else, so
    that a caller's typo is never an element-loading error (a 500)."""
    if not isinstance(name, str) or not name:
        raise InvalidParameterError("must be an element full name, e.g. 'SMS.Default'")
    if len(name) > MAX_ELEMENT_NAME_CHARS:
        raise InvalidParameterError(f"must be at most {MAX_ELEMENT_NAME_CHARS} characters, got {len(name)}")
    try:
        element_path(name)
    except ConfigError:
        raise InvalidParameterError(
            "must be an element full name '<Meta>.<Name>' of letters, digits and '_', e.g. 'SMS.Default'"
        ) from None
    return name


def named(field: str, name: object) -> str:
    """:func:`check_element_name` for the argument ``field``."""
    try:
        return check_element_name(name)
    except InvalidParameterError as error:
        raise InvalidParameterError(f"{field} {error.message}") from None


def send_notice(app: App | None, notice: Notice, *, sending: Callable[[], None] | None = None) -> dict[str, Any]:
    """:func:`notify` for a :class:`Notice`: resolve the recipients, then one send; nothing checked again.

    ``sending()`` is called right before the send, after everything that can fail without sending.
    """
    if app is None:
        from shared.elements.runtime import app_for

        app = app_for(None)
    phones, report = recipient_phones(app, notice)
    if not phones:
        raise InvalidParameterError("no recipient has a usable phone number", details={"recipients": report})
    element = element_of(app, notice.service, None, "service")
    if not is_sms_element(element):
        raise InvalidParameterError(f"service: {notice.service} is not an SMS element")
    from shared.sms.suppression import screen

    screened = screen(app, element, notice.template_code, phones)
    report["phones"], report["suppressed"] = len(screened.send), screened.masked()
    if not screened.send:
        raise RequestError("every recipient opted out of this signature's messages; nothing sent", status=422,
                           details={"recipients": report})
    message = Message(tuple(screened.send), notice.template_code, notice.template_param)
    if sending is not None:
        sending()
    return {"result": element.send(message), "recipients": report}


def recipient_phones(app: App, notice: Notice) -> tuple[list[str], dict[str, Any]]:
    """Everyone the notice names: its numbers, then the directory's for its recipients; and the
    report (``phones`` counted, unknown ids, members without a phone)."""
    phones = list(notice.phones)
    report: dict[str, Any] = {"phones": 0, "unknown": {"members": [], "departments": [], "roles": []},
                              "withoutPhone": []}
    wanted = notice.recipients
    if wanted is not None and not wanted.is_empty():
        from shared.sms.directory import StaticDirectory

        if notice.directory is not None:  # the caller's choice: a wrong one is the caller's 46001
            directory = element_of(app, notice.directory, StaticDirectory, "directory")
        else:  # the deployment's: a wrong one is ours, a 5xx
            directory = element_of(app, app.settings.directory, StaticDirectory, "SMS_DIRECTORY", blame=ConfigError)
        resolution = directory.resolve(wanted)
        phones = list(dict.fromkeys([*phones, *resolution.phones]))
        report = resolution.report()
    report["phones"] = len(phones)
    return phones, report


def is_sms_element(element: Any) -> bool:
    """An element that texts: ``sendMessage`` for JitAi callers, ``send`` for a :class:`Message`."""
    return callable(getattr(element, "sendMessage", None)) and callable(getattr(element, "send", None))


def element_of(app: App, full_name: str, kind: type | None, field: str,
               blame: type[SmsError] = InvalidParameterError) -> Any:
    """The element, or a ``blame`` error (the caller's 46001 by default; a :class:`ConfigError` for
    one a setting names) naming the field or setting that named it."""
    try:
        element = app.getElement(full_name)
    except UnknownElementError as error:
        raise blame(f"{field}: {error.message}") from None
    if kind is not None and not isinstance(element, kind):
        raise blame(f"{field}: {full_name} is not a {kind.__name__}")
    return element
