"""The ``SMS.Aliyun`` Type: ``sendMessage(phoneList, params, verifyTemplateCode)``."""

from __future__ import annotations

import json
import time
from functools import cached_property
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from shared import log
from shared.aliyun.credentials import Credentials
from shared.aliyun.dysms import SmsGateway
from shared.elements.element import Element, NonEmpty
from shared.elements.registry import register_type
from shared.errors import InvalidParameterError, RequestFailedError, SmsError
from shared.sms.phones import mask_phone, normalize_phone_list

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

        Returns Aliyun's response body (``Code``, ``Message``, ``BizId``, ``RequestId``). A list
        longer than 1,000 numbers is split into concurrent calls; the result then carries
        ``Batches``, one per call with the numbers it covered, and reads ``Code == "OK"``.

        Raises:
            SmsError: 46001 for a missing or wrong parameter; 46002 when Aliyun answers with an
                error code; 46003 when no usable answer came. After a partial failure the
                error's ``details`` list the numbers ``sent``, ``notSent`` and
                ``possiblyDelivered``.
        """
        phones = normalize_phone_list(phoneList)
        template_param = encode_params(params)
        template_code = check_template_code(verifyTemplateCode)
        batches = [phones[i : i + MAX_NUMBERS_PER_CALL] for i in range(0, len(phones), MAX_NUMBERS_PER_CALL)]
        if len(batches) == 1:
            return self._send_batch(batches[0], template_code, template_param)
        return self._send_batches(batches, template_code, template_param)

    def _send_batch(self, phones: list[str], template_code: str, template_param: str | None) -> dict[str, Any]:
        started = time.perf_counter()
        fields: dict[str, Any] = {
            "element": self.fullName,
            "templateCode": template_code,
            "phoneCount": len(phones),
            "phones": [mask_phone(p) for p in phones[:LOGGED_PHONES]],
        }
        try:
            outcome = self.gateway.send(
                phones=phones,
                sign_name=self.config.verifySign,
                template_code=template_code,
                template_param=template_param,
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
            raise
        log.info(
            "sms.send ok",
            **fields,
            outcome="sent",
            aliyunRequestId=outcome.body.get("RequestId"),
            bizId=outcome.body.get("BizId"),
            attempts=outcome.attempts,
            latencyMs=round((time.perf_counter() - started) * 1000, 1),
        )
        return outcome.body

    def _send_batches(
        self, batches: list[list[str]], template_code: str, template_param: str | None
    ) -> dict[str, Any]:
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        workers = min(self.app.settings.send_concurrency, len(batches))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sms-send") as pool:
            futures = [
                pool.submit(contextvars.copy_context().run, self._send_batch, batch, template_code, template_param)
                for batch in batches
            ]
        results: list[dict[str, Any] | SmsError] = []
        for future in futures:
            error = future.exception()
            if error is not None and not isinstance(error, SmsError):
                error = RequestFailedError(f"SendSms failed: {type(error).__name__}")
            results.append(error if error is not None else future.result())
        return combine_batches(batches, results)


def combine_batches(batches: list[list[str]], results: list[dict[str, Any] | SmsError]) -> dict[str, Any]:
    """One result for several SendSms calls, or the first failure carrying who was texted."""
    summary: list[dict[str, Any]] = []
    sent: list[str] = []
    not_sent: list[str] = []
    uncertain: list[str] = []
    for phones, result in zip(batches, results, strict=True):
        if isinstance(result, SmsError):
            possibly = isinstance(result, RequestFailedError) and result.possibly_delivered
            (uncertain if possibly else not_sent).extend(phones)
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
    error = type(first)(message, provider_code=first.provider_code, request_id=first.request_id)
    error.details.update(sent=sent, notSent=not_sent, possiblyDelivered=uncertain, batches=summary)
    raise error


def encode_params(params: Any) -> str | None:
    """Template parameters as Aliyun's ``TemplateParam`` JSON; numbers become strings."""
    if params is None:
        raise InvalidParameterError("params is required (use {} for a template without variables)")
    if not isinstance(params, dict):
        raise InvalidParameterError(f"params must be an object, got {type(params).__name__}")
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise InvalidParameterError(f"params keys must be non-empty strings, got {key!r}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidParameterError(f"params.{key} must be a string or a number, got {type(value).__name__}")
        encoded[key] = value if isinstance(value, str) else str(value)
    return json.dumps(encoded, ensure_ascii=False, separators=(",", ":")) if encoded else None


def check_template_code(code: Any) -> str:
    if not isinstance(code, str) or not code.strip():
        raise InvalidParameterError("verifyTemplateCode is required (e.g. 'SMS_123456789')")
    return code.strip()
