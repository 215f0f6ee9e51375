import pytest

from shared.aliyun.retry import backoff_seconds
from shared.settings import Settings


def test_backoff_grows_exponentially_within_jitter_and_is_capped():
    settings = Settings(retry_base_delay_ms=100, retry_max_delay_ms=1000)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        delays = [backoff_seconds(attempt, settings) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, min(delays), max(delays))


def test_retry_after_is_honoured_up_to_the_cap():
    settings = Settings(retry_base_delay_ms=100, retry_max_delay_ms=1000)
    assert backoff_seconds(1, settings, retry_after_ms=700) == pytest.approx(0.7)
    assert backoff_seconds(1, settings, retry_after_ms=5000) == pytest.approx(1.0)


def test_zero_base_delay_never_sleeps():
    assert backoff_seconds(3, Settings(retry_base_delay_ms=0)) == 0
