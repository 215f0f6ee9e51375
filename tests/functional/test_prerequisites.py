"""A machine without redis-server, Chromium, the conformance suite's Python clients or Node: the run
says so in one line before the tests and one just above pytest's final summary line, with the
command that fixes it; locally their tests skip (one ``-ra`` line per suite), with ``CI=true`` they
fail. Absence is simulated with ``SMS_TEST_REDIS_SERVER``, ``SMS_TEST_CHROMIUM`` and ``SMS_TEST_NODE``
naming files that do not exist, ``SMS_TEST_PYTHON_CLIENTS`` naming an empty folder and
``SMS_TEST_NODE_CLIENTS`` a folder where nothing was installed; presence of the clients with a
folder of their metadata alone (``installed_clients``, ``installed_node_clients``)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from prerequisites import (
    BROWSER,
    NODE,
    NODE_LOCK,
    PYTHON_CLIENTS,
    REDIS,
    Missing,
    Prerequisites,
    fix,
    pinned_python_clients,
    stop_for,
)
from redis_support import redis_server_binary

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST = "tests/contract/test_redis_store.py::test_keys_carry_the_prefix_and_the_family"
BROWSER_TEST = ("tests/browser/test_outbox_page.py::"
                "test_lists_messages_newest_first_with_numbers_masked_and_text_escaped")
PLAIN_TESTS = "tests/unit/test_backoff.py"
PYTHON_CLIENTS_TEST = "tests/conformance/test_python_oss2.py::test_missing_keys_and_buckets"
NODE_TEST = "tests/conformance/node/test_node_sms.py::test_an_unknown_access_key_id_is_refused[pop-core-get]"
SUMMARY = re.compile(r"^=+ (\d+ passed, )?.* in [\d.]+s( \([\d:]+\))? =+$")


def installed_clients(folder: Path) -> Path:
    """A folder that looks as if the pinned Python clients were installed in it: their metadata only."""
    for name, version in pinned_python_clients().items():
        info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return folder


def installed_node_clients(folder):
    """A folder that passes for ``make node-clients``' install (these tests start no client)."""
    folder.mkdir(exist_ok=True)
    (folder / "installed.json").write_bytes(NODE_LOCK.read_bytes())
    return str(folder)


def run_pytest(tmp_path, *tests, ci=False, redis_server=None, chromium=None, python_clients=None,
               node=sys.executable, node_clients=None):
    """pytest on ``tests`` in a fresh process, as ``make test`` runs it; the lines it printed. The
    conformance clients and Node pass for installed unless named otherwise."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "SMS_TEST_REDIS_URL", "PYTEST_ADDOPTS", "FORCE_COLOR", "PY_COLORS")}
    env["SMS_TEST_REDIS_SERVER"] = redis_server or str(tmp_path / "no-redis-server")
    env["SMS_TEST_CHROMIUM"] = chromium or str(tmp_path / "no-chromium")
    env["SMS_TEST_PYTHON_CLIENTS"] = str(python_clients or installed_clients(tmp_path / "python-clients"))
    env["SMS_TEST_NODE"] = node
    env["SMS_TEST_NODE_CLIENTS"] = node_clients or installed_node_clients(tmp_path / "node-clients")
    if ci:
        env["CI"] = "true"
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--color=no", *tests],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout.splitlines()


def test_without_redis_server_and_chromium_one_line_before_and_one_after(tmp_path):
    code, lines = run_pytest(tmp_path, REDIS_TEST, BROWSER_TEST, PLAIN_TESTS)

    assert code == 0, "\n".join(lines)
    redis_why = f"no redis-server at SMS_TEST_REDIS_SERVER={tmp_path / 'no-redis-server'}"
    browser_why = f"no Chromium at {tmp_path / 'no-chromium'} (SMS_TEST_CHROMIUM)"
    before = (f"WILL NOT RUN (skipped): the Redis tests ({redis_why}) and the browser tests ({browser_why}); "
              "to run them: apt-get install -y redis-server chromium")
    after = (f"NOT RUN (skipped): 1 of the Redis tests ({redis_why}) and 1 of the browser tests ({browser_why}); "
             "to run them: apt-get install -y redis-server chromium")
    assert lines.index(before) < next(i for i, line in enumerate(lines) if line.startswith("collected "))
    assert SUMMARY.match(lines[-1]) and " 2 skipped in " in lines[-1], lines[-1]  # CI reads the last line
    assert lines[-2] == after
    assert len([line for line in lines if line.startswith("SKIPPED")]) == 2  # one per suite


def test_with_ci_true_a_missing_redis_server_is_a_failure(tmp_path):
    code, lines = run_pytest(tmp_path, REDIS_TEST, PLAIN_TESTS, ci=True, chromium=sys.executable)

    assert code == 1, "\n".join(lines)
    why = f"no redis-server at SMS_TEST_REDIS_SERVER={tmp_path / 'no-redis-server'}"
    assert f"WILL FAIL (CI=true): the Redis tests ({why}); to run them: apt-get install -y redis-server" in lines
    assert f"ERROR {REDIS_TEST} - Failed: CI needs the Redis tests: {why}; " \
           "to run them: apt-get install -y redis-server" in lines
    assert lines[-2] == f"FAILED (CI=true): 1 of the Redis tests ({why}); to run them: apt-get install -y redis-server"
    assert SUMMARY.match(lines[-1]) and " 1 error in " in lines[-1], lines[-1]


def test_without_the_python_clients_their_tests_skip_and_make_installs_them(tmp_path):
    empty = tmp_path / "no-clients"
    code, lines = run_pytest(tmp_path, PYTHON_CLIENTS_TEST, PLAIN_TESTS, redis_server=sys.executable,
                             chromium=sys.executable, python_clients=empty)

    assert code == 0, "\n".join(lines)
    why = f"oss2==2.19.1 and {len(pinned_python_clients()) - 1} more not installed in {empty}"
    step = f"pip install --target {empty} -r tests/conformance/requirements-python.txt"
    assert f"WILL NOT RUN (skipped): the Python conformance tests ({why}); to run them: {step}" in lines
    assert lines[-2] == f"NOT RUN (skipped): 2 of the Python conformance tests ({why}); to run them: {step}"
    assert SUMMARY.match(lines[-1]) and " 2 skipped in " in lines[-1], lines[-1]  # V1 and V4


def test_the_default_python_clients_folder_is_installed_by_make(monkeypatch, tmp_path):
    import prerequisites

    monkeypatch.delenv("SMS_TEST_PYTHON_CLIENTS", raising=False)
    monkeypatch.setattr(prerequisites, "DEFAULT_PYTHON_CLIENTS", tmp_path / "absent")
    missing = prerequisites.python_clients_missing()
    assert missing is not None and (missing.suite, missing.step) == (PYTHON_CLIENTS, "make python-clients")
    monkeypatch.setattr(prerequisites, "DEFAULT_PYTHON_CLIENTS", installed_clients(tmp_path / "installed"))
    assert prerequisites.python_clients_missing() is None


def test_without_node_the_node_client_tests_are_announced_and_fail_in_ci(tmp_path):
    no_node = str(tmp_path / "no-node")
    code, lines = run_pytest(tmp_path, NODE_TEST, PLAIN_TESTS, redis_server=sys.executable,
                             chromium=sys.executable, node=no_node)

    assert code == 0, "\n".join(lines)
    why = f"no node at SMS_TEST_NODE={no_node}"
    install = "to run them: apt-get install -y nodejs npm"
    assert f"WILL NOT RUN (skipped): the Node client tests ({why}); {install}" in lines
    assert lines[-2] == f"NOT RUN (skipped): 1 of the Node client tests ({why}); {install}"

    code, lines = run_pytest(tmp_path, NODE_TEST, PLAIN_TESTS, ci=True, redis_server=sys.executable,
                             chromium=sys.executable, node=no_node)
    assert code == 1, "\n".join(lines)
    assert f"ERROR {NODE_TEST} - Failed: CI needs the Node client tests: {why}; " \
           "to run them: apt-get install -y nodejs npm" in lines


def test_node_without_its_clients_says_make_node_clients(tmp_path):
    empty = tmp_path / "nothing-installed"
    empty.mkdir()
    code, lines = run_pytest(tmp_path, NODE_TEST, redis_server=sys.executable, chromium=sys.executable,
                             node_clients=str(empty))

    assert code == 0, "\n".join(lines)
    assert lines[-2] == (f"NOT RUN (skipped): 1 of the Node client tests (the pinned Node clients are not installed "
                         f"in {empty}); to run them: make node-clients")


def test_nothing_missing_prints_nothing(tmp_path):
    # Any runnable file stands in for the binaries: these tests start neither.
    code, lines = run_pytest(tmp_path, PLAIN_TESTS, redis_server=sys.executable, chromium=sys.executable)

    assert code == 0, "\n".join(lines)
    assert not [line for line in lines if "to run them" in line]
    assert SUMMARY.match(lines[-1]), lines[-1]


def test_one_command_installs_everything_missing():
    redis = Missing(REDIS, "no redis-server on PATH", packages=("redis-server",))
    chromium = Missing(BROWSER, "no Chromium at /usr/bin/chromium", packages=("chromium",))
    playwright = Missing(BROWSER, "playwright is not installed", step="pip install '.[dev]'")

    assert fix([redis, chromium]) == "apt-get install -y redis-server chromium"
    assert fix([playwright, redis]) == "pip install '.[dev]' && apt-get install -y redis-server"
    assert redis.skip_reason() == ("Redis tests not run: no redis-server on PATH; "
                                   "to run them: apt-get install -y redis-server")


def test_a_missing_prerequisite_is_a_skip_locally_and_a_failure_in_ci():
    redis = Missing(REDIS, "no redis-server on PATH", packages=("redis-server",))
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y redis-server"):
        stop_for(redis, ci=False)
    with pytest.raises(pytest.fail.Exception, match="CI needs the Redis tests.*apt-get install -y redis-server"):
        stop_for(redis, ci=True)


def test_the_probe_reads_the_overrides(monkeypatch, tmp_path):
    for name in ("SMS_TEST_REDIS_URL", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMS_TEST_REDIS_SERVER", str(tmp_path / "nothing"))
    monkeypatch.setenv("SMS_TEST_CHROMIUM", str(tmp_path / "nothing"))
    assert redis_server_binary() is None

    found = Prerequisites.probe()
    assert found.missing[REDIS].packages == ("redis-server",) and not found.ci
    assert found.missing[BROWSER].detail == f"no Chromium at {tmp_path / 'nothing'} (SMS_TEST_CHROMIUM)"
    assert found.before().startswith("WILL NOT RUN (skipped): the Redis tests (no redis-server at ")

    monkeypatch.setenv("SMS_TEST_REDIS_SERVER", sys.executable)
    assert redis_server_binary() == sys.executable


def test_on_a_bare_machine_the_lines_read_as_the_readme_shows(monkeypatch, tmp_path):
    import prerequisites

    for name in ("SMS_TEST_REDIS_URL", "SMS_TEST_REDIS_SERVER", "SMS_TEST_CHROMIUM", "SMS_TEST_NODE", "CI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMS_TEST_PYTHON_CLIENTS", str(installed_clients(tmp_path)))  # `make test` installed them
    monkeypatch.setattr(prerequisites, "redis_server_binary", lambda: None)
    monkeypatch.setattr(prerequisites.shutil, "which", lambda name: None)
    monkeypatch.setattr(prerequisites.os, "access", lambda path, mode: False)

    found = Prerequisites.probe()
    found.stopped.update({REDIS: 131, BROWSER: 8, NODE: 97})
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert found.before() in readme.splitlines()
    assert found.before() == ("WILL NOT RUN (skipped): the Redis tests (no redis-server on PATH) and the browser "
                              "tests (no Chromium at /usr/bin/chromium) and the Node client tests (no node on PATH); "
                              "to run them: apt-get install -y redis-server chromium nodejs npm")
    assert found.after() in readme.splitlines()

