"""``POST /messages``: trusted callers send template SMS to phones and directory recipients;
``GET /messages/{id}`` and ``GET /messages?phone=…&since=…`` look sends up in the send log.

Sending takes an API key with the ``send`` scope, looking up one with ``read``
(``shared.fc.api_keys``). A key limited to some elements sees only their messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, model_validator

from shared import log
from shared.elements.runtime import app_for, invocation_seconds
from shared.errors import RequestError
from shared.fc import lookups
from shared.fc.api_keys import READ, SEND, authenticate
from shared.fc.http import HttpRequest, HttpResponse
from shared.sms import phones
from shared.sms.message import MAX_PARAMS, check_param_name, param_text, template_code, template_param
from shared.sms.notify import Notice, check_element_name, recipient_phones, send_notice
from shared.sms.recipients import Recipients
from shared.sms.requester import asked_by
from shared.validation import checked

# Each field is checked here, before the Idempotency-Key is claimed, by the checks sendMessage and
# notify use; what comes out is typed and final (README "Input bounds").
ElementName = Annotated[StrictStr, checked(check_element_name)]
TemplateCode = Annotated[StrictStr, checked(template_code)]
ParamName = Annotated[StrictStr, checked(check_param_name)]
ParamValue = Annotated[StrictStr | StrictInt | StrictFloat, checked(param_text)]
Phone = Annotated[str, checked(lambda raw: phones.normalize_phone(raw), plain=True)]  # each number checked once


def _unique(numbers: list[str] | None) -> list[str] | None:
    return None if numbers is None else list(dict.fromkeys(numbers))


class SendBody(BaseModel):
    """The request body; ``phoneList`` and/or ``recipients`` name who to text."""

    model_config = ConfigDict(extra="forbid")

    service: ElementName
    templateCode: TemplateCode  # noqa: N815 - the API's field names
    params: dict[ParamName, ParamValue] = Field(default_factory=dict, max_length=MAX_PARAMS)
    phoneList: Annotated[list[Phone], Field(max_length=phones.MAX_PHONES), AfterValidator(_unique)] | None = None  # noqa: N815
    recipients: Recipients | None = None
    directory: ElementName | None = None

    @model_validator(mode="after")
    def _someone(self) -> SendBody:
        if not self.phoneList and (self.recipients is None or self.recipients.is_empty()):
            raise ValueError("give phoneList and/or recipients (members, departments, roles)")
        return self


def post_messages(request: HttpRequest) -> HttpResponse:
    app = app_for(request.context)
    caller = authenticate(app, request.header("authorization"))
    caller.require(SEND)
    body = request.json(SendBody, max_bytes=app.settings.max_body_bytes)
    caller.authorize(body.service, body.templateCode)
    idempotency_key = request.header("idempotency-key")
    with log.bound(caller=caller.key_id, element=body.service), asked_by(f"api_key:{caller.key_id}"):
        if idempotency_key is None:
            return HttpResponse(200, send(app, body))
        from shared.idempotency.keys import Answer, check_key, run_once

        lease = invocation_seconds(request.context, 0)  # a send's mark holds for the function's timeout
        answer = run_once(
            app.store,
            f"send_sms:{caller.key_id}:{check_key(idempotency_key)}",
            app.vault.fingerprint(body.model_dump(mode="json")),  # keyed: the body names numbers
            lambda sending: Answer(200, send(app, body, sending)),
            sealer=app.vault,  # the answer may list every number: stored sealed
            sending_lease=lease,
        )
        if answer.replayed and answer.possibly_delivered:
            answer = act_on_the_truth(  # a prefix of its own: no caller's key can name this record
                app, f"send_sms.resend:{caller.key_id}:{idempotency_key}", body, answer, sending_lease=lease)
        replayed = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        return HttpResponse(answer.status, answer.body, {**answer.headers, **replayed})


def act_on_the_truth(app: Any, key: str, body: SendBody, first: Any, *, sending_lease: float) -> Any:
    """A retry of a possibly-delivered send: once the send log knows what became of every number,
    send (once, under its own key) to the numbers Aliyun never got; until then, the 409 as is."""
    from shared.idempotency.keys import Answer, run_once
    from shared.reconcile.retry import message_ids, numbers_never_sent

    try:
        phones, _ = recipient_phones(app, notice_of(body))  # the directory's numbers as the first send had them
        unsent = numbers_never_sent(app, first.body, phones)
    except Exception as exc:  # noqa: BLE001 - the truth could not be had now: the first state stands
        log.warning("idempotency.truth_unavailable", **log.cause(exc))
        return first
    if unsent is None:
        return first
    first_ids = message_ids(first.body)
    if not unsent:  # Aliyun got every message: the first request did all it was asked
        return Answer(200, {"reconciled": {"messageIds": first_ids, "resent": 0}}, replayed=True)
    again = body.model_copy(update={"phoneList": unsent, "recipients": None})
    log.info("idempotency.resend", phoneCount=len(unsent))
    reconciled = {"messageIds": first_ids, "resent": len(unsent)}
    answer = run_once(app.store, key, app.vault.fingerprint(body.model_dump(mode="json")),  # the request's own
                      lambda sending: Answer(200, {"reconciled": reconciled, **send(app, again, sending)}),
                      sealer=app.vault, sending_lease=sending_lease)
    return Answer(answer.status, answer.body, answer.headers, replayed=True,
                  possibly_delivered=answer.possibly_delivered)


def notice_of(body: SendBody) -> Notice:
    return Notice(body.service, body.templateCode, template_param(body.params), tuple(body.phoneList or ()),
                  body.recipients, body.directory)


def send(app: Any, body: SendBody, sending: Callable[[], None] | None = None) -> dict[str, Any]:
    answer = send_notice(app, notice_of(body), sending=sending)
    return {**answer, "messageIds": message_ids(answer["result"])}


def message_ids(result: dict[str, Any]) -> list[str]:
    """The ``OutId`` of every SendSms call behind ``result`` (one, or one per batch)."""
    if result.get("OutId"):
        return [result["OutId"]]
    return [batch["OutId"] for batch in result.get("Batches") or [] if batch.get("OutId")]


def get_message(request: HttpRequest) -> HttpResponse:
    """One send-log record with each number's status."""
    app = app_for(request.context)
    caller = authenticate(app, request.header("authorization"))
    caller.require(READ)
    wanted = lookups.message_id(request.path_params.get("id"))
    record = app.store.get_send(wanted)
    if record is None or not caller.may_see(record.element):
        raise RequestError(f"no message {wanted} in the send log (records are kept "
                           f"{app.settings.send_log_ttl // 86400} days)", status=404)
    log.info("messages.lookup", caller=caller.key_id, outId=wanted)
    return HttpResponse(200, lookups.render(record))


def list_messages(request: HttpRequest) -> HttpResponse:
    """A number's messages since ``since`` (default: 7 days back), newest first, for support."""
    app = app_for(request.context)
    caller = authenticate(app, request.header("authorization"))
    caller.require(READ)
    number = lookups.phone(request.query.get("phone"))
    since = lookups.since(request.query.get("since"), app.store.clock())
    limit = lookups.limit(request.query.get("limit"))
    from shared.sms.send_log import phone_lookup

    lookup = phone_lookup(app.vault, number)
    records = app.store.sends_to(lookup, since=since, limit=limit, elements=caller.elements)  # the key's own
    log.info("messages.list", caller=caller.key_id, phone=phones.mask_phone(number), found=len(records))
    return HttpResponse(200, {"phone": phones.mask_phone(number), "since": lookups.iso(since),
                              "messages": [lookups.render(r, only=lookup) for r in records]})


ROUTES = {
    ("POST", "/messages"): post_messages,
    ("GET", "/messages"): list_messages,
    ("GET", "/messages/{id}"): get_message,
}
