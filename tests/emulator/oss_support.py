"""What the OSS tests share about the SDK's answers."""

from __future__ import annotations

import alibabacloud_oss_v2 as oss
import pytest


def service_error(call) -> oss.exceptions.ServiceError:
    """The service error ``call()`` raises through the SDK (which wraps it in an OperationError)."""
    with pytest.raises(oss.exceptions.OperationError) as info:
        call()
    error = info.value.unwrap()
    assert isinstance(error, oss.exceptions.ServiceError), error
    return error
