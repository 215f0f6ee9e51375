"""Aliyun's SMS error codes sorted by whose fault they are, and the error each one raises.

Every code here comes from an answer in which Aliyun accepted nothing, so none is "possibly
delivered". The HTTP status each class carries is in ``shared.errors``; README
"Failure semantics" has the table.

- The request's (422): what the caller asked cannot be sent (template, variables, numbers).
- A limit's (429, ``Retry-After``): Aliyun's per-number flow control or the API's throttling.
- Aliyun's (503, ``Retry-After``): a system error answered as a business code.
- Anything else, the account's or the configuration's (502): balance, signature, AccessKey,
  permissions, a suspended service, the account's daily or monthly cap, codes we do not know.
"""

from __future__ import annotations

from typing import Any

from shared.errors import (
    ProviderError,
    ProviderLimitError,
    ProviderRejectedError,
    ProviderUnavailableError,
    is_throttling,
)

REQUEST_CODES = frozenset({
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
    "isv.SMS_TEST_NUMBER_LIMIT",
    "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT",
    "isv.SMS_TEST_TEMPLATE_PARAMS_ILLEGAL",
})
FLOW_CONTROL = "isv.BUSINESS_LIMIT_CONTROL"  # per number: 1 a minute, 5 an hour, 10 a day
FLOW_CONTROL_RETRY_SECONDS = 60
PROVIDER_FAILURE_CODES = frozenset({"isp.SYSTEM_ERROR"})


def provider_error(code: str, message: str, *, retry_after: float = 1, **kwargs: Any) -> ProviderError:
    """The error for Aliyun's ``code``; ``retry_after`` is the throttling answer's own wait, if any."""
    if code in REQUEST_CODES:
        return ProviderRejectedError(message, provider_code=code, **kwargs)
    if code == FLOW_CONTROL:
        return ProviderLimitError(message, retry_after=FLOW_CONTROL_RETRY_SECONDS, provider_code=code, **kwargs)
    if is_throttling(code):  # a 4xx here: a 5xx is possibly delivered whatever its code (classify_failure)
        return ProviderLimitError(message, retry_after=retry_after, provider_code=code, **kwargs)
    if code in PROVIDER_FAILURE_CODES:
        return ProviderUnavailableError(message, provider_code=code, **kwargs)
    return ProviderError(message, provider_code=code, **kwargs)
