"""What an HTTP 200 from Dysmsapi says: sent (Code OK), refused (a business code: nothing sent), or
nothing either way (no Code: possibly delivered)."""

import pytest

from shared.aliyun.dysms import check_answer
from shared.errors import ProviderError, RequestFailedError


def test_ok_is_an_answer():
    assert check_answer({"Code": "OK", "BizId": "1^0"}) is None


def test_a_business_code_is_a_refusal_nothing_sent():
    with pytest.raises(ProviderError) as info:
        check_answer({"Code": "isv.AMOUNT_NOT_ENOUGH", "Message": "no money", "RequestId": "r-1"}, attempts=1)
    assert info.value.code == 46002 and info.value.provider_code == "isv.AMOUNT_NOT_ENOUGH"


@pytest.mark.parametrize("body", [{}, {"RequestId": "r-2"}, {"Code": ""}, {"Code": None}, {"Code": 0}])
def test_an_answer_without_a_code_is_possibly_delivered(body):
    with pytest.raises(RequestFailedError) as info:
        check_answer(body, attempts=1)
    assert (info.value.code, info.value.possibly_delivered) == (46003, True)
    assert info.value.details["attempts"] == 1


@pytest.mark.parametrize("code", ["Throttling", "Throttling.User", "Throttling.Api", "Throttling.Concurrent"])
def test_every_throttling_code_is_a_rate_limit_to_retry(code):
    from shared.aliyun.codes import provider_error
    from shared.errors import ProviderLimitError

    error = provider_error(code, "too many calls", retry_after=2)
    assert isinstance(error, ProviderLimitError) and error.throttled and error.http_status == 429


@pytest.mark.parametrize("code", ["ThrottlingX", "isv.Throttling", "Throttled"])
def test_other_codes_are_not_throttling(code):
    from shared.aliyun.codes import provider_error

    assert not provider_error(code, "no").throttled
