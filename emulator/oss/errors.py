"""OSS errors: HTTP 4xx/5xx with an XML ``<Error>`` body, one class per code.

The body is ``<?xml ...?><Error><Code/><Message/><RequestId/><HostId/>[fields...][<EC/>
<RecommendDoc/>]</Error>`` with content type ``application/xml``, an ``x-oss-request-id`` header and
``x-oss-ec`` when the code has a known EC. A HEAD answer has no body, so the same XML travels
base64-encoded in ``x-oss-err`` (alibabacloud-oss-v2 reads it from there). ECs appear only where
Aliyun's own material shows them.
"""

from __future__ import annotations

from typing import ClassVar
from xml.sax.saxutils import escape

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
RECOMMEND_DOC = "https://api.aliyun.com/troubleshoot?q={ec}"


class OssError(Exception):
    """Subclasses fix ``code``, ``status``, a default ``message`` and the ``ec`` when known;
    ``fields`` are extra elements after ``HostId`` (``Key``, ``BucketName``, ``StringToSign``...)."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "We encountered an internal error. Please try again."
    ec: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, **fields: str) -> None:
        self.text = message or self.message
        self.fields = fields
        super().__init__(f"{self.error_code}: {self.text}")

    @property
    def error_code(self) -> str:
        return self.code

    @property
    def http_status(self) -> int:
        return self.status

    def xml(self, request_id: str, host_id: str) -> bytes:
        parts = [("Code", self.error_code), ("Message", self.text), ("RequestId", request_id), ("HostId", host_id),
                 *self.fields.items()]
        if self.ec:
            parts += [("EC", self.ec), ("RecommendDoc", RECOMMEND_DOC.format(ec=self.ec))]
        lines = "".join(f"  <{name}>{escape(value)}</{name}>\n" for name, value in parts)
        return f"{XML_DECLARATION}<Error>\n{lines}</Error>\n".encode()


class CustomOssError(OssError):
    """Any code and status (chaos faults)."""

    def __init__(self, code: str, status: int, message: str) -> None:
        self._code = code
        self._status = status
        super().__init__(message)

    @property
    def error_code(self) -> str:
        return self._code

    @property
    def http_status(self) -> int:
        return self._status


class NoSuchKey(OssError):
    code = "NoSuchKey"
    status = 404
    message = "The specified key does not exist."
    ec = "0026-00000001"


class NoSuchBucket(OssError):
    code = "NoSuchBucket"
    status = 404
    message = "The specified bucket does not exist."
    ec = "0015-00000101"


class AccessDenied(OssError):
    code = "AccessDenied"
    status = 403
    message = "You have no right to access this object because of bucket acl."


class InvalidAccessKeyId(OssError):
    code = "InvalidAccessKeyId"
    status = 403
    message = "The OSS Access Key Id you provided does not exist in our records."
    ec = "0002-00000902"


class InvalidSecurityToken(OssError):
    """A missing, wrong or unexpected STS token (EC page 0002-00000006)."""

    code = "InvalidSecurityToken"
    status = 403
    message = "The security token you provided is invalid."
    ec = "0002-00000006"


class SecurityTokenExpired(OssError):
    """The key's own STS token, past its expiry (EC page 0002-00000007)."""

    code = "SecurityTokenExpired"
    status = 403
    message = "The security token you provided has expired."
    ec = "0002-00000007"


class SignatureDoesNotMatch(OssError):
    code = "SignatureDoesNotMatch"
    status = 403
    message = "The request signature we calculated does not match the signature you provided. " \
              "Check your key and signing method."
    ec = "0002-00000040"


class RequestTimeTooSkewed(OssError):
    code = "RequestTimeTooSkewed"
    status = 403
    message = "The difference between the request time and the current time is too large."


class InvalidArgument(OssError):
    code = "InvalidArgument"
    status = 400
    message = "The specified argument is not valid."


class InvalidBucketName(OssError):
    code = "InvalidBucketName"
    status = 400
    message = "The specified bucket is not valid."


class InvalidObjectName(OssError):
    code = "InvalidObjectName"
    status = 400
    message = "The specified object is not valid."


class InvalidDigest(OssError):
    code = "InvalidDigest"
    status = 400
    message = "The Content-MD5 you specified is not valid."


class BadDigest(OssError):
    code = "BadDigest"
    status = 400
    message = "The Content-MD5 you specified did not match what we received."


class FileAlreadyExists(OssError):
    code = "FileAlreadyExists"
    status = 409
    message = "The object you specified already exists and can not be overwritten."


class InvalidRange(OssError):
    code = "InvalidRange"
    status = 416
    message = "The requested range cannot be satisfied."


class PreconditionFailed(OssError):
    """An ``If-Match`` / ``If-Unmodified-Since`` that does not hold (``Condition`` names it)."""

    code = "PreconditionFailed"
    status = 412
    message = "At least one of the pre-conditions you specified did not hold."


class MethodNotAllowed(OssError):
    code = "MethodNotAllowed"
    status = 405
    message = "The specified method is not allowed against this resource."


class NotImplementedByEmulator(OssError):
    code = "NotImplemented"
    status = 501
    message = "The emulator does not implement this operation."


class ServiceUnavailable(OssError):
    code = "ServiceUnavailable"
    status = 503
    message = "The service is temporarily unavailable. Please try again later."


KNOWN: dict[str, type[OssError]] = {
    cls.code: cls for cls in (NoSuchKey, NoSuchBucket, AccessDenied, InvalidAccessKeyId, InvalidSecurityToken,
                              SecurityTokenExpired,
                              SignatureDoesNotMatch, RequestTimeTooSkewed, InvalidArgument, InvalidRange,
                              MethodNotAllowed, ServiceUnavailable, OssError)
}
STATUS_CODES = {500: "InternalError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


def fault_error(code: str | None, status: int | None, message: str | None) -> OssError:
    """A chaos fault as an OSS error: a known code keeps its status and message unless overridden;
    an unknown one is 400 (an ``error`` fault) or named after its status (an ``http`` fault)."""
    known = KNOWN.get(code or "")
    if code is None:
        status = status or 503
        code = STATUS_CODES.get(status, "InternalError")
        known = KNOWN.get(code)
    final_status = status or (known.status if known else 400)
    text = message or (known.message if known else f"The request has failed: {code}.")
    return CustomOssError(code, final_status, text)
