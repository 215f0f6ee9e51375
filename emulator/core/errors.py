"""POP gateway errors (answered as HTTP 4xx/5xx) and business errors (answered inside HTTP 200).

A gateway error's body is ``{RequestId, HostId, Code, Message, Recommend}`` with content type
``application/json;charset=utf-8``, which is what the Aliyun OpenAPI SDKs parse into
``ClientException`` / ``ServerException`` / ``ThrottlingException``.
"""

from __future__ import annotations

from typing import ClassVar


class PopError(Exception):
    """A gateway error. Subclasses fix ``code``, ``status`` and a default ``message``."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "The request processing has failed due to some unknown error."

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.text = message or self.message
        self.headers = dict(headers or {})
        super().__init__(f"{self.code}: {self.text}")

    @property
    def error_code(self) -> str:
        return self.code

    @property
    def http_status(self) -> int:
        return self.status

    def body(self, request_id: str, host_id: str) -> dict[str, str]:
        return {
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.error_code,
            "Message": self.text,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={self.error_code}&requestId={request_id}",
        }


class CustomPopError(PopError):
    """A gateway error with any code and status (chaos faults, control-defined failures)."""

    def __init__(self, code: str, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        self._code = code
        self._status = status
        super().__init__(message, headers=headers)

    @property
    def error_code(self) -> str:
        return self._code

    @property
    def http_status(self) -> int:
        return self._status


class MissingParameter(PopError):
    """``Missing<Param>``: a required parameter is absent or empty."""

    status = 400

    def __init__(self, param: str) -> None:
        self.param = param
        super().__init__(f"{param} is mandatory for this action.")

    @property
    def error_code(self) -> str:
        return f"Missing{self.param}"


class InvalidParameter(PopError):
    code = "InvalidParameter"
    status = 400
    message = "The specified parameter is not valid."


class IncompleteSignature(PopError):
    code = "IncompleteSignature"
    status = 400
    message = "The request signature does not conform to Aliyun standards."


class SignatureDoesNotMatch(PopError):
    """RPC v2's wording; ACS3's is :data:`ACS3_SIGNATURE_MISMATCH` (the gateway words them differently)."""

    code = "SignatureDoesNotMatch"
    status = 400
    message = "Specified signature is not matched with our calculation."


ACS3_SIGNATURE_MISMATCH = "Specified signature does not match our calculation."


class InvalidAccessKeyIdNotFound(PopError):
    code = "InvalidAccessKeyId.NotFound"
    status = 404
    message = "Specified access key is not found."


class InvalidAccessKeyIdInactive(PopError):
    code = "InvalidAccessKeyId.Inactive"
    status = 400
    message = "Specified access key is disabled."


class InvalidSecurityTokenMismatch(PopError):
    code = "InvalidSecurityToken.MismatchWithAccessKey"
    status = 400
    message = "Specified SecurityToken mismatch with the AccessKey."


class InvalidSecurityTokenExpired(PopError):
    code = "InvalidSecurityToken.Expired"
    status = 400
    message = "Specified SecurityToken is expired."


class InvalidSecurityTokenMalformed(PopError):
    code = "InvalidSecurityToken.Malformed"
    status = 400
    message = "Specified SecurityToken is malformed."


class InvalidTimeStampFormat(PopError):
    code = "InvalidTimeStamp.Format"
    status = 400
    message = "Specified time stamp or date value is not well formatted."


class InvalidTimeStampExpired(PopError):
    code = "InvalidTimeStamp.Expired"
    status = 400
    message = "Specified time stamp or date value is expired."


class SignatureNonceUsed(PopError):
    code = "SignatureNonceUsed"
    status = 400
    message = "Specified signature nonce was used already."


class InvalidActionNotFound(PopError):
    """An action the service does not have (Dysmsapi's error-code list: 404, this message)."""

    code = "InvalidAction.NotFound"
    status = 404
    message = "Specified api is not found, please check your url and method."


class InvalidVersion(PopError):
    code = "InvalidVersion"
    status = 400
    message = "Specified parameter Version is not valid."


class ThrottlingUser(PopError):
    code = "Throttling.User"
    status = 400
    message = "Request was denied due to user flow control."


class ForbiddenRam(PopError):
    code = "Forbidden.RAM"
    status = 403
    message = "User not authorized to operate on the specified resource."


class InternalError(PopError):
    code = "InternalError"
    status = 500
    message = "The request processing has failed due to some unknown error, exception or failure."


class ServiceUnavailable(PopError):
    code = "ServiceUnavailable"
    status = 503
    message = "The request has failed due to a temporary failure of the server."


GATEWAY_MESSAGES: dict[str, str] = {
    cls.code: cls.message
    for cls in (ThrottlingUser, ForbiddenRam, InternalError, ServiceUnavailable, SignatureDoesNotMatch,
                InvalidAccessKeyIdNotFound, InvalidActionNotFound)
}


def gateway_error(code: str, status: int, message: str | None = None,
                  headers: dict[str, str] | None = None) -> PopError:
    """A gateway error for an arbitrary code, with Aliyun's message when the code is a known one."""
    text = message or GATEWAY_MESSAGES.get(code) or f"The request has failed: {code}."
    return CustomPopError(code, status, text, headers=headers)


class BusinessError(Exception):
    """A business outcome that is not ``OK``: answered as HTTP 200 ``{Code, Message, RequestId}``."""

    code: ClassVar[str] = "isp.SYSTEM_ERROR"
    message: ClassVar[str] = "系统异常"

    def __init__(self, message: str | None = None) -> None:
        self.text = message or self.message
        super().__init__(f"{self.error_code}: {self.text}")

    @property
    def error_code(self) -> str:
        return self.code

    def body(self, request_id: str) -> dict[str, str]:
        return {"Code": self.error_code, "Message": self.text, "RequestId": request_id}


class CustomBusinessError(BusinessError):
    """A business error for any code (chaos faults)."""

    def __init__(self, code: str, message: str) -> None:
        self._code = code
        super().__init__(message)

    @property
    def error_code(self) -> str:
        return self._code
