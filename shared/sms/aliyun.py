"""The ``SMS.Aliyun`` Type: ``sendMessage(phoneList, params, verifyTemplateCode)``."""

from __future__ import annotations

import time
from functools import cached_property
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from shared import log
from shared.aliyun.credentials import Credentials
from shared.aliyun.dysms import SmsGateway
from shared.elements.element import Element, NonEmpty
from shared.elements.registry import register_type
from shared.errors import PartialSendError, RequestFailedError, SmsError
from shared.sms import send_log
from shared.sms.message import Message
from shared.sms.phones import mask_phone
from shared.store.message_log import NOT_SENT, SUBMITTED, UNKNOWN, logged_at_once

MAX_NUMBERS_PER_CALL = 1000  # Aliyun's SendSms limit
LOGGED_PHONES = 20  # masked numbers listed in one log line; the count is always complete


class SmsConfig(BaseModel):
    """``sms.json``: the AccessKey pair and the signature, all required."""

    model_config = ConfigDict(extra="allow", strict=True)

    accessKey: str = NonEmpty  # noqa: N815 - JitAi's field names
    accessSecret: str = NonEmpty  # noqa: N815
    verifySign: str = NonEmpty  # noqa: N815

    def __repr__(self) -> str:  # never show the secret
        return f"SmsConfig(accessKey={self.accessKey!r}, verifySign={self.verifySign!r})"


@register_type("SMS.Aliyun")
class SmsAliyun(Element):
    """Template SMS through Aliyun Dysmsapi (SendSms)."""

    meta = "SMS.Meta"
    config_files: ClassVar[dict[str, type[BaseModel]]] = {"sms.json": SmsConfig}
    secret_fields: ClassVar[dict[str, frozenset[str]]] = {"sms.json": frozenset({"accessSecret"})}

    @property
    def config(self) -> SmsConfig:
        config: SmsConfig = self.configs["sms.json"]
        return config

    @cached_property
    def gateway(self) -> SmsGateway:
        """The Dysmsapi client for this element's AccessKey, built on first send."""
        return SmsGateway(Credentials(self.config.accessKey, self.config.accessSecret), self.app.settings)

    def sendMessage(self, phoneList: Any, params: Any, verifyTemplateCode: Any) -> dict[str, Any]:  # noqa: N802, N803
        """Send template ``verifyTemplateCode`` with ``params`` to every number in ``phoneList``.

        Returns Aliyun's response body (``Code``, ``Message``, ``BizId``, ``RequestId``) with the
        ``OutId`` it was sent with (our message id: the send log's key). A list longer than 1,000
        numbers is split into concurrent calls; the result then carries ``Batches``, one per call
        with the numbers it covered and its ``OutId``, and reads ``Code == "OK"``.

        Raises:
            SmsError: 46001 for a missing or wrong parameter; 46002 when Aliyun answers with an
                error code; 46003 when no usable answer came. After a partial failure the
                error's ``details`` list the numbers ``sent``, ``notSent`` and
                ``possiblyDelivered``.
        """
        return self.send(Message.parse(phoneList, params, verifyTemplateCode))

    def send(self, message: Message) -> dict[str, Any]:
        """``sendMessage`` for a message already validated (see :class:`Message`)."""
        batches = message.split(MAX_NUMBERS_PER_CALL)
        if len(batches) == 1:
            return self._send_batch(batches[0])
        return self._send_batches(batches)

    def _send_batch(self, message: Message) -> dict[str, Any]:
        """One SendSms call with its own ``OutId``, logged and written to the send log."""
        started = time.perf_counter()
        message_id = send_log.new_message_id()
        fields: dict[str, Any] = {
            "element": self.fullName,
            "templateCode": log.mask_numbers(message.template_code),  # a caller's code may read as a number
            "outId": message_id,
            "phoneCount": len(message.phones),
            "phones": [mask_phone(p) for p in message.phones[:LOGGED_PHONES]],
        }
        entry = {"element": self.fullName, "template_code": message.template_code, "phones": list(message.phones)}
        try:
            outcome = self.gateway.send(
                phones=list(message.phones),
                sign_name=self.config.verifySign,
                template_code=message.template_code,
                template_param=message.template_param,
                out_id=message_id,
            )
        except SmsError as error:
            log.warning(
                "sms.send failed",
                **fields,
                outcome="failed",
                errorCode=error.code,
                providerCode=error.provider_code,
                aliyunRequestId=error.request_id,
                attempts=error.details.get("attempts"),
                latencyMs=round((time.perf_counter() - started) * 1000, 1),
            )
            send_log.write(self.app, message_id, **entry, status=UNKNOWN if error.possibly_delivered else NOT_SENT,
                           err_code=error.provider_code, request_id=error.request_id)
            error.details.setdefault("outId", message_id)  # GET /messages/{id} tells what became of it
            raise
        except Exception as exc:  # noqa: BLE001 - not proven to precede Aliyun's acceptance
            log.error("sms.send failed", **fields, outcome="possibly_delivered", **log.cause(exc))
            send_log.write(self.app, message_id, **entry, status=UNKNOWN)
            raise RequestFailedError(f"SendSms failed: {type(exc).__name__}; the message may have been delivered",
                                     details={"possiblyDelivered": True, "outId": message_id}) from exc
        body = outcome.body
        log.info(
            "sms.send ok",
            **fields,
            outcome="sent",
            aliyunRequestId=body.get("RequestId"),
            bizId=body.get("BizId"),
            attempts=outcome.attempts,
            latencyMs=round((time.perf_counter() - started) * 1000, 1),
        )
        send_log.write(self.app, message_id, **entry, status=SUBMITTED, biz_id=body.get("BizId"),
                       request_id=body.get("RequestId"))
        return {**body, "OutId": message_id}

    def _send_batches(self, batches: list[Message]) -> dict[str, Any]:
        """Several SendSms calls, at most ``SMS_SEND_CONCURRENCY`` at once; each call's send-log record
        is written as soon as it is done (:func:`logged_at_once`), never held for the whole send."""
        import contextvars

        from shared.workers import workers

        results: list[dict[str, Any] | SmsError] = []
        with workers("sms-send", self.app.settings.send_concurrency) as pool:  # threads start as tasks need them
            futures = [
                pool.submit(contextvars.copy_context().run, logged_at_once, self._send_batch, batch)
                for batch in batches
            ]
            for future in futures:  # each waited for before the pool is handed back
                error = future.exception()
                if error is not None and not isinstance(error, SmsError):  # not proven unsent
                    error = RequestFailedError(f"SendSms failed: {type(error).__name__}")
                results.append(error if error is not None else future.result())
        return combine_batches([list(batch.phones) for batch in batches], results)


def combine_batches(batches: list[list[str]], results: list[dict[str, Any] | SmsError]) -> dict[str, Any]:
    """One result for several SendSms calls, or the first failure carrying who was texted."""
    summary: list[dict[str, Any]] = []
    sent: list[str] = []
    not_sent: list[str] = []
    uncertain: list[str] = []
    for phones, result in zip(batches, results, strict=True):
        if isinstance(result, SmsError):
            (uncertain if result.possibly_delivered else not_sent).extend(phones)
            summary.append({"PhoneNumbers": phones, **result.to_dict()})
        else:
            sent.extend(phones)
            summary.append({"PhoneNumbers": phones, **result})
    failures = [r for r in results if isinstance(r, SmsError)]
    if not failures:
        return {"Code": "OK", "Message": "OK", "Batches": summary}
    first = failures[0]
    message = (
        f"{len(failures)} of {len(batches)} SendSms calls failed (first: {first.message}); "
        f"sent to {len(sent)} numbers, not sent to {len(not_sent)}, possibly delivered to {len(uncertain)}"
    )
    details = {"sent": sent, "notSent": not_sent, "possiblyDelivered": uncertain, "batches": summary}
    raise PartialSendError(message, first=first, details=details, possibly_delivered=bool(sent or uncertain))
