import threading

import pytest

from shared.config.cache import TtlCache
from shared.errors import ConfigError, ConfigUnavailableError


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Loader:
    def __init__(self):
        self.calls = 0
        self.fail = False

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise ConfigUnavailableError("source down")
        return f"v{self.calls}"


@pytest.fixture
def clock():
    return Clock()


def test_fresh_value_is_served_without_loading(clock):
    cache, load = TtlCache(300, 600, name="t", clock=clock), Loader()
    assert cache.get("k", load) == "v1"
    clock.now += 299
    assert cache.get("k", load) == "v1"
    assert load.calls == 1


def test_expired_value_is_reloaded(clock):
    cache, load = TtlCache(300, 600, name="t", clock=clock), Loader()
    cache.get("k", load)
    clock.now += 300
    assert cache.get("k", load) == "v2"


def test_failures_are_not_cached(clock):
    cache, load = TtlCache(300, 600, name="t", clock=clock), Loader()
    load.fail = True
    with pytest.raises(ConfigUnavailableError):
        cache.get("k", load)
    load.fail = False
    assert cache.get("k", load) == "v2"


def test_stale_value_serves_within_grace_then_errors(clock, capsys):
    cache, load = TtlCache(300, 600, name="elements", clock=clock), Loader()
    cache.get("k", load)
    load.fail = True
    clock.now += 899
    assert cache.get("k", load) == "v1"
    assert '"config.stale"' in capsys.readouterr().out
    clock.now += 1
    with pytest.raises(ConfigUnavailableError):
        cache.get("k", load)


@pytest.mark.parametrize(("failure", "stale"), [
    (ConfigError("e.json: does not exist"), False),  # the source answered: gone, denied or invalid
    (ConfigUnavailableError("OSS failed: 503"), True),
    (ConnectionResetError("reading the body"), True),  # no answer: an outage too
])
def test_what_the_source_answered_holds_at_once_an_outage_serves_stale(clock, failure, stale):
    cache, load = TtlCache(300, 600, name="elements", clock=clock), Loader()
    cache.get("k", load)
    clock.now += 301

    def failing():
        raise failure

    if stale:
        assert cache.get("k", failing) == "v1"
    else:
        with pytest.raises(type(failure)):
            cache.get("k", failing)


def test_forced_refresh_reloads_and_never_serves_stale(clock):
    cache, load = TtlCache(300, 600, name="t", clock=clock), Loader()
    cache.get("k", load)
    assert cache.get("k", load, force=True) == "v2"
    load.fail = True
    with pytest.raises(ConfigUnavailableError):
        cache.get("k", load, force=True)
    assert cache.get("k", load) == "v2"  # the failed refresh evicted nothing


def test_concurrent_first_loads_fetch_once(clock):
    cache = TtlCache(300, 600, name="t", clock=clock)
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow_load():
        calls.append(1)
        started.set()
        release.wait(5)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow_load))) for _ in range(8)]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == ["value"] * 8
    assert len(calls) == 1
