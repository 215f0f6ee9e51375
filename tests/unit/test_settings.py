import pytest

from shared.errors import ConfigError
from shared.settings import Endpoint, Settings


def test_defaults_point_at_aliyun():
    settings = Settings.from_env({})
    assert settings.dysms_endpoint == Endpoint("dysmsapi.aliyuncs.com", "https")
    assert settings.send_max_attempts == 3


def test_endpoint_url_selects_protocol_and_host():
    settings = Settings.from_env({"SMS_DYSMS_ENDPOINT": "http://127.0.0.1:9000", "SMS_SEND_MAX_ATTEMPTS": "5"})
    assert settings.dysms_endpoint == Endpoint("127.0.0.1:9000", "http")
    assert settings.send_max_attempts == 5


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"SMS_DYSMS_ENDPOINT": "ftp://x"}, "SMS_DYSMS_ENDPOINT"),
        ({"SMS_SEND_MAX_ATTEMPTS": "three"}, "SMS_SEND_MAX_ATTEMPTS"),
        ({"SMS_SEND_MAX_ATTEMPTS": "0"}, "at least 1"),
        ({"SMS_READ_TIMEOUT_MS": "-5"}, "SMS_READ_TIMEOUT_MS"),
    ],
)
def test_bad_values_are_config_errors_naming_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env)
