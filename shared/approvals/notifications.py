"""Approval notifications: text a node's approvers or CC recipients once per event.

Each event's identity ``(source, id)`` is claimed in the store before anything is sent. Every
number gets its own SendSms call, so that one number's refusal (flow control, a bad number)
does not hold up the others, and the record's progress names each number already texted,
refused or possibly texted: a redelivery texts only the rest, and a completed event texts
nobody again and returns its first outcome. Numbers on the opt-out list of the element's
signature are not texted and are listed (masked) as ``suppressed``, unless the template is a
verification code (``shared.sms.suppression``). The template gets ``processTitle`` and
``userNick``, each cut to Aliyun's 35 characters per variable.

- An item that is not a usable approval event is logged and acknowledged (never retried).
- Nothing sent (46003), throttling, a store or config outage, a missing or wrong element, an
  event held by another invocation right now: the delivery raises :class:`RedeliverError` once
  every item was tried, so FC's async retry or EventBridge's push retry delivers it again.
- 46002 and other refusals of one number are recorded and not retried. A request that went out
  without an answer is never re-sent blindly (SendSms is not idempotent): the number is
  ``checking`` and the event is delivered again until the send log knows its fate (a receipt,
  the reconciler, or ``QuerySendDetails`` asked by the redelivery itself); a number Aliyun
  never got is then texted, one it got counts as sent. A number the log has no record of stays
  possibly delivered for good.

The record names numbers by keyed HMACs while the event is under way, and keeps its outcome
sealed (``app.vault``: AES-GCM under a KMS data key) for the replays.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared import log
from shared.approvals.events import ApprovalData, ApprovalEvent, NodeSms, Unreadable, read_deliveries
from shared.approvals.progress import RETRY, SENT, UNCERTAIN, Progress, Verdict, key_id, verdict_of
from shared.errors import ConfigError, RedeliverError, RequestFailedError, SmsError
from shared.idempotency.keys import fingerprint
from shared.sms.message import Message, check_template_code, template_param
from shared.sms.notify import is_sms_element
from shared.sms.phones import mask_phone
from shared.sms.requester import asked_by
from shared.sms.suppression import screen
from shared.store import DONE, IN_PROGRESS, MISMATCH
from shared.store.message_log import carrying, deferred_sends

if TYPE_CHECKING:
    from shared.elements.app import App

TTL_SECONDS = 7 * 24 * 3600  # longer than any redelivery: MNS retention, FC async event age, EventBridge retries
DEFAULT_LEASE_SECONDS = 60
MAX_PARAM_CHARS = 35


@dataclass(frozen=True)
class Target:
    """What one event sends, and to whom."""

    service: str
    template_code: str
    template_param: str | None  # Aliyun's TemplateParam JSON: processTitle and userNick, clipped
    phones: list[str]
    recipients: dict[str, Any]  # the directory's report: unknown ids, members without a phone
    suppressed: list[str] = field(default_factory=list)  # masked: opted out of the signature, not texted


def handle(event: Any, context: Any) -> str:
    """The FC entry: every item of the delivery, then a raise if any must come again.

    Returns ``{"events": [<outcome per item>]}`` as JSON.
    """
    with log.bound(requestId=str(getattr(context, "request_id", "") or ""), function="approval_notify"):
        results: list[dict[str, Any]] = []
        for item in read_deliveries(event):
            results.append(_handle_item(item, context))
        outcomes = Counter(str(r["outcome"]) for r in results)
        log.info("approval.delivery", events=len(results), outcomes=dict(outcomes))
        again = [r for r in results if r["outcome"] == "redeliver"]
        if again:
            raise RedeliverError(f"{len(again)} of {len(results)} events must be delivered again: "
                                 f"{again[0]['error']['message']}", details={"events": again})
        return json.dumps({"events": results}, ensure_ascii=False)


def _handle_item(item: ApprovalEvent | Unreadable, context: Any) -> dict[str, Any]:
    if isinstance(item, Unreadable):
        log.warning("approval.invalid", index=item.index, eventSource=item.source, eventId=item.id,
                    problem=item.problem, outcome="invalid")
        return {"index": item.index, "source": item.source, "id": item.id, "outcome": "invalid",
                "problem": item.problem}
    data = item.data
    with log.bound(eventSource=item.source, eventId=item.id, via=item.via, processInstanceId=data.processInstanceId,
                   nodeId=data.nodeId, nodeType=data.nodeType):
        try:
            from shared.elements.runtime import app_for

            return {"index": item.index, **notify_approval(app_for(context), item, lease=lease_seconds(context))}
        except SmsError as error:
            level = "WARNING" if isinstance(error, RedeliverError) else "ERROR"  # held elsewhere: not a fault
            log.log(level, "approval.redeliver", outcome="redeliver", errorCode=error.code,
                    providerCode=error.provider_code, problem=error.message)
            return {"index": item.index, **identity(item), "outcome": "redeliver", "error": error.to_dict()}


def notify_approval(app: App, event: ApprovalEvent, *, lease: float = DEFAULT_LEASE_SECONDS) -> dict[str, Any]:
    """Text the event's recipients once; a repeat returns the first outcome with ``replayed``.

    Raises:
        SmsError: when the event must be delivered again (see the module's docstring).
    """
    if event.data.sms is not None and not event.data.sms.enabled:
        log.info("approval.skipped", outcome="skipped")
        return {**identity(event), "outcome": "skipped"}
    key = record_key(event)
    app.vault.prepare()  # the keys first: an outage of KMS claims and sends nothing
    names = app.vault.pseudonyms()
    deadline = app.store.clock() + lease  # the invocation is dead by then: its claim must end too
    claim = app.store.claim(key, fingerprint(event.data.model_dump(mode="json")), ttl=TTL_SECONDS, lease=lease)
    if claim.status == DONE:
        first = app.vault.open((claim.response or {}).get("sealed"), context=key)
        log.info("approval.replay", outcome="replayed", firstOutcome=first.get("outcome"))
        return {**first, "replayed": True}
    if claim.status == MISMATCH:
        log.error("approval.conflict", outcome="conflict",
                  problem="this source and id were used before with different data; nothing sent")
        return {**identity(event), "outcome": "conflict"}
    if claim.status == IN_PROGRESS:
        wait = max(1, math.ceil(claim.retry_after or 1))
        raise RedeliverError("another invocation is handling this event now", retry_after=wait)
    assert claim.token is not None
    try:
        if key_id(claim.progress) not in (None, names.kid):  # written before a rotation of the HMAC key
            names = app.vault.pseudonyms(key_id(claim.progress))
        progress = Progress.load(claim.progress, names=names, salt=key)
    except BaseException:
        _release(app, key, claim.token, None)  # the stored progress stays for the redelivery
        raise
    try:
        with asked_by(f"approval:{event.source}:{event.id}"):
            outcome = _deliver(app, event, key, claim.token, progress, deadline)
    except BaseException:
        _release(app, key, claim.token, progress)
        raise
    app.store.complete(key, claim.token, {"sealed": app.vault.seal(outcome, context=key)}, ttl=TTL_SECONDS)
    return outcome


def _deliver(app: App, event: ApprovalEvent, key: str, token: str, progress: Progress,
             deadline: float) -> dict[str, Any]:
    target = plan(app, event.data)
    if progress.checking:
        learn(app, progress, target.phones)
    pending = [phone for phone in target.phones if not progress.is_settled(phone)]

    def save(phone: str, verdict: Verdict, error: SmsError | None) -> bool:
        progress.record(phone, verdict, error)
        if error is not None:  # this recipient was not texted, or may have been: say so, one line a number
            log.error("approval.not_texted", phone=mask_phone(phone), verdict=verdict, errorCode=error.code,
                      providerCode=error.provider_code, problem=log.mask_numbers(error.message))
        lease = max(1.0, deadline - app.store.clock())  # renewed, never past the invocation's end
        return carrying(logged, lambda records: app.store.save_progress(key, token, progress.dump() or {},
                                                                         lease=lease, sends=records))

    with deferred_sends(app.store) as logged:  # each send's log record rides with its progress: one round trip
        problem = send_all(app, target, pending, save) if pending else None
    if problem is not None:
        raise problem
    if progress.checking:  # not done until the send log knows: the redelivery asks again
        masked = progress.report(target.phones)["possiblyDelivered"]
        raise RedeliverError(f"{len(progress.checking)} recipients may have been texted; the send log does not "
                             "know yet", retry_after=60, details={"possiblyDelivered": masked})
    outcome = {**identity(event), "service": target.service, "templateCode": target.template_code,
               "outcome": progress.outcome() if target.phones else "no-recipients", **progress.report(target.phones),
               "suppressed": target.suppressed, "recipients": target.recipients}
    level = "INFO" if outcome["outcome"] == "sent" else "WARNING"
    log.log(level, "approval.done", element=target.service, templateCode=target.template_code,
            **{k: outcome[k] for k in ("outcome", "sent", "failed", "possiblyDelivered", "suppressed", "recipients")})
    return outcome


def learn(app: App, progress: Progress, phones: list[str]) -> None:
    """Settle the numbers still ``checking`` by what the send log knows now (asking Aliyun's
    ``QuerySendDetails`` for those still unknown); one that cannot be asked now waits."""
    from shared.reconcile.retry import fate

    for phone in phones:
        out_id = progress.checking.get(progress.pseudonym(phone))
        if out_id is None:
            continue
        try:
            number = fate(app, out_id, phone)
        except SmsError as error:
            log.warning("approval.truth_unavailable", phone=mask_phone(phone), errorCode=error.code,
                        providerCode=error.provider_code)
            continue
        status, err_code = (number.status, number.err_code) if number else (None, None)
        log.info("approval.truth", phone=mask_phone(phone), status=status or "not_logged")
        progress.learn(phone, status, err_code)


def plan(app: App, data: ApprovalData) -> Target:
    """The SMS element, template and phones for this node; a :class:`ConfigError` when an element is missing."""
    service, template_code = node_settings(app, data)
    element = app.getElement(service)
    if not is_sms_element(element):
        raise ConfigError(f"{service} is not an SMS element")
    from shared.sms.directory import StaticDirectory

    directory = app.getElement(app.settings.directory)
    if not isinstance(directory, StaticDirectory):
        raise ConfigError(f"{app.settings.directory} (SMS_DIRECTORY) is not a Directory.Static element")
    resolution = directory.resolve(data.recipients)
    params = {"processTitle": clip(data.processTitle), "userNick": clip(data.userNick)}
    report = {"unknown": resolution.unknown, "withoutPhone": resolution.without_phone}
    template_code = check_template_code(template_code)
    screened = screen(app, element, template_code, resolution.phones)  # opted-out numbers are skipped
    return Target(service, template_code, template_param(params), screened.send, report, screened.masked())


def node_settings(app: App, data: ApprovalData) -> tuple[str, str]:
    """The node's SMS element and template code, field by field over the defaults element."""
    sms = data.sms or NodeSms()
    if sms.service and sms.templateCode:
        return sms.service, sms.templateCode
    from shared.approvals.defaults import ApprovalDefaults

    defaults = app.getElement(app.settings.approval_defaults)
    if not isinstance(defaults, ApprovalDefaults):
        raise ConfigError(f"{app.settings.approval_defaults} (SMS_APPROVAL_DEFAULTS) is not an Approval.Defaults "
                          "element")
    node = defaults.for_node(data.nodeType)
    return sms.service or node.service, sms.templateCode or node.templateCode


def send_all(app: App, target: Target, phones: list[str], save: Any) -> SmsError | None:
    """Text each number (``SMS_SEND_CONCURRENCY`` at a time), saving each settled one at once.

    Returns the error to redeliver for, if any. A number whose send must be retried is left for
    the redelivery while the others go out; when the store cannot record a verdict (an outage, a
    lost claim) the sends not yet started are left too.
    """
    import contextvars
    from concurrent.futures import as_completed

    from shared.workers import workers

    retry: SmsError | None = None
    stop: SmsError | None = None
    with workers("approval-send", app.settings.send_concurrency) as pool:  # threads start as tasks need them
        futures = {pool.submit(contextvars.copy_context().run, send_one, app, target, phone): phone
                   for phone in phones}
        for future in as_completed(futures):
            if future.cancelled():
                continue
            verdict, error = future.result()
            if verdict == RETRY:  # this number only: the others still go out now
                retry = retry or error
                continue
            unsaved = _saved(save, futures[future], verdict, error)
            if unsaved is not None:  # stop texting what the store cannot record
                stop = stop or unsaved
                for other in futures:
                    other.cancel()
    return stop or retry


def _saved(save: Any, phone: str, verdict: Verdict, error: SmsError | None) -> SmsError | None:
    """None once the number's verdict is in the store; else why the event must come again."""
    try:
        if save(phone, verdict, error):
            return None
    except SmsError as failure:  # the store is down: stop before texting more that it cannot record
        return failure
    return RedeliverError("the event's claim was lost to another invocation")


def send_one(app: App, target: Target, phone: str) -> tuple[Verdict, SmsError | None]:
    try:
        app.getElement(target.service).send(Message((phone,), target.template_code, target.template_param))
    except SmsError as error:
        return verdict_of(error), error
    except Exception as exc:  # noqa: BLE001 - not proven unsent: recorded as possibly delivered, never re-sent
        log.error("approval.send failed", phone=mask_phone(phone), **log.cause(exc))
        return UNCERTAIN, RequestFailedError(f"SendSms failed: {type(exc).__name__}")
    return SENT, None


def _release(app: App, key: str, token: str, progress: Progress | None) -> None:
    """Hand the record, with who was texted, to the redelivery at once (a failure here only delays it)."""
    try:
        app.store.release(key, token, progress=progress.dump() if progress is not None else None)
    except SmsError as error:
        log.warning("approval.release failed", errorCode=error.code, problem=error.message)


def identity(event: ApprovalEvent) -> dict[str, Any]:
    data = event.data
    return {"source": event.source, "id": event.id, "processInstanceId": data.processInstanceId,
            "nodeId": data.nodeId, "nodeType": data.nodeType}


def record_key(event: ApprovalEvent) -> str:
    """The store key of ``(source, id)``; the source's length keeps any ``:`` in it unambiguous."""
    return f"approval_notify:{len(event.source)}:{event.source}:{event.id}"


def clip(value: str) -> str:
    """A template value Aliyun accepts: at most 35 characters, an ellipsis marking a cut."""
    return value if len(value) <= MAX_PARAM_CHARS else value[: MAX_PARAM_CHARS - 1] + "…"


def lease_seconds(context: Any) -> float:
    """The function's timeout: an invocation that dies cannot hold its claim longer than that."""
    from shared.elements.runtime import invocation_seconds

    return invocation_seconds(context, DEFAULT_LEASE_SECONDS)
