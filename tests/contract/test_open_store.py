"""``open_store(url)``: which URLs make which store, and what importing the package costs."""

import os
import subprocess
import sys

import pytest

from shared.errors import ConfigError
from shared.store import open_store, sqlite_path
from shared.store.sqlite import SqliteStore


@pytest.mark.parametrize(
    "url",
    [
        "",
        "sms.db",
        "postgres://user:pw@db/sms",
        "unix:///var/run/redis.sock",
        "sqlite://relative.db",
        "sqlite:///",
        "sqlite:///store.db?mode=ro",
        "redis://127.0.0.1:notaport/0",
        "redis://127.0.0.1:6379/zero",
        "redis://127.0.0.1:6379/0?no_such_option=1",
    ],
)
def test_other_urls_are_config_errors_naming_the_variable(url):
    with pytest.raises(ConfigError, match="SMS_STORE_URL") as caught:
        open_store(url)
    assert caught.value.code == 46001


@pytest.mark.parametrize("url", ["postgres://user:hunter2@db/sms", "redis://:hunter2@host:6379/x"])
def test_errors_never_show_a_password(url):
    with pytest.raises(ConfigError) as caught:
        open_store(url)
    assert "hunter2" not in str(caught.value)
    assert "***" in str(caught.value)


def test_sqlite_paths(tmp_path):
    assert sqlite_path("sqlite:///:memory:") == ":memory:"
    assert sqlite_path(f"sqlite:///{tmp_path}/x.db") == f"{tmp_path}/x.db"
    assert sqlite_path("sqlite:///.dev/sms-fc.db") == os.path.join(os.getcwd(), ".dev", "sms-fc.db")
    assert sqlite_path("SQLITE:///a.db") == os.path.join(os.getcwd(), "a.db")
    assert isinstance(open_store("sqlite:///:memory:"), SqliteStore)


def test_importing_the_package_loads_no_backend():
    code = (
        "import sys, shared.store\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('redis', 'sqlite3', '_sqlite3'))\n"
        "assert not loaded, loaded\n"
        "shared.store.open_store('sqlite:///:memory:')\n"
        "assert 'sqlite3' in sys.modules and 'redis' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.returncode == 0, result.stderr

