"""KMS errors: all are gateway-style (HTTP 4xx with the POP JSON body); KMS has no business codes in HTTP 200."""

from __future__ import annotations

from emulator.core.errors import PopError


class KmsError(PopError):
    """Base of the KMS errors; one subclass per code."""


class ResourceNotFound(KmsError):
    """No such secret, or no version with that id / stage (the SDK's message reads
    ``code: 404, Resource not found request id: ...``)."""

    code = "Forbidden.ResourceNotFound"
    status = 404
    message = "Resource not found"


class KeyNotFound(KmsError):
    """No key by that KeyId, alias or ARN (Aliyun's common error codes: 404 "The specified Key is not found.")."""

    code = "Forbidden.KeyNotFound"
    status = 404
    message = "The specified Key is not found."


class DryRunOperationError(KmsError):
    """``DryRun=true`` on a request that would have succeeded (the status is the emulator's choice)."""

    code = "DryRunOperationError"
    status = 400
    message = "Request validation has been passed with DryRun flag set."


class RejectedValueError(KmsError):
    """A CiphertextBlob the emulator did not produce, or a mismatching EncryptionContext."""

    code = "Rejected.ValueError"
    status = 400
    message = "The CiphertextBlob is invalid."


class InvalidSecretName(KmsError):
    code = "InvalidParameter"
    status = 400
    message = "The specified parameter SecretName is not valid."


class RejectedThrottling(KmsError):
    """Over the QPS quota (Aliyun's knowledge base 444042: HTTP 429, "QPS Limit Exceeded"); retry with backoff."""

    code = "Rejected.Throttling"
    status = 429
    message = "QPS Limit Exceeded"


class ServiceUnavailableTemporary(KmsError):
    """KMS briefly unavailable; retry with backoff (the message is the emulator's choice)."""

    code = "ServiceUnavailableTemporary"
    status = 503
    message = "Service unavailable temporary."


class InternalFailure(KmsError):
    """A KMS internal error; retry with backoff (the message is the emulator's choice)."""

    code = "InternalFailure"
    status = 500
    message = "Internal Failure"


TRANSIENT_ERRORS: tuple[type[KmsError], ...] = (RejectedThrottling, ServiceUnavailableTemporary, InternalFailure)
