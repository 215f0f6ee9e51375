"""What suites need from the machine: a Redis for the Redis tests (``redis`` marker), headless
Chromium for the browser tests (``browser`` marker), the pinned Python clients in their own folder
for the Python conformance tests, Node and the pinned Node clients (installed by ``make
node-clients``, which ``make test`` runs) for tests/conformance/node. tests/conftest.py's hooks
use this.


Without one, its tests skip on a developer's machine and fail in CI (``CI=true``), and the run says
so in one line before the tests (which suites will not run, and the command that makes them run)
and one line after them, just above pytest's final summary line (how many tests that left out).
The skips fold into one ``-ra`` line per suite.

Overrides, also how tests/functional/test_prerequisites.py simulates a bare machine:
``SMS_TEST_REDIS_URL`` (a Redis whose database may be flushed, instead of starting one),
``SMS_TEST_REDIS_SERVER`` (the redis-server binary), ``SMS_TEST_CHROMIUM`` (the Chromium binary),
``SMS_TEST_PYTHON_CLIENTS`` (the Python clients' folder instead of ``.conformance/python``),
``SMS_TEST_NODE`` (the node binary) and ``SMS_TEST_NODE_CLIENTS`` (the folder ``make node-clients``
installs into, instead of .conformance/node).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redis_support import redis_server_binary, wait_for_ping

REDIS = "Redis tests"
BROWSER = "browser tests"
PYTHON_CLIENTS = "Python conformance tests"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
PYTHON_CLIENTS_REQUIREMENTS = ROOT / "tests" / "conformance" / "requirements-python.txt"
DEFAULT_PYTHON_CLIENTS = ROOT / ".conformance" / "python"
NODE = "Node client tests"
NODE_LOCK = ROOT / "tests" / "conformance" / "node" / "package-lock.json"  # the pinned clients
DEFAULT_NODE_CLIENTS = ROOT / ".conformance" / "node"  # where `make node-clients` installs them


@dataclass(frozen=True)
class Missing:
    """A suite this machine cannot run: why, and the Debian packages (or another step) that fix it."""

    suite: str
    detail: str
    packages: tuple[str, ...] = ()
    step: str = ""

    def skip_reason(self) -> str:
        return f"{self.suite} not run: {self.detail}; to run them: {fix([self])}"

    def failure(self) -> str:
        return f"CI needs the {self.suite}: {self.detail}; to run them: {fix([self])}"


def fix(missing: Iterable[Missing]) -> str:
    """One command for all of them: the other steps, then one apt-get for every package."""
    missing = list(missing)
    steps = list(dict.fromkeys(m.step for m in missing if m.step))
    packages = list(dict.fromkeys(p for m in missing for p in m.packages))
    if packages:
        steps.append("apt-get install -y " + " ".join(packages))
    return " && ".join(steps)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def chromium_executable() -> str:
    return os.environ.get("SMS_TEST_CHROMIUM") or DEFAULT_CHROMIUM


def redis_missing() -> Missing | None:
    if os.environ.get("SMS_TEST_REDIS_URL"):
        if wait_for_ping(os.environ["SMS_TEST_REDIS_URL"], None, timeout=5):
            return None
        return Missing(REDIS, "SMS_TEST_REDIS_URL does not answer PING",
                       step="start that Redis, or unset SMS_TEST_REDIS_URL")
    if redis_server_binary() is not None:
        return None
    named = os.environ.get("SMS_TEST_REDIS_SERVER")
    detail = f"no redis-server at SMS_TEST_REDIS_SERVER={named}" if named else "no redis-server on PATH"
    return Missing(REDIS, detail, packages=("redis-server",))


def browser_missing() -> Missing | None:
    if importlib.util.find_spec("playwright") is None:
        return Missing(BROWSER, "playwright is not installed", step="pip install '.[dev]'")
    executable = chromium_executable()
    if os.access(executable, os.X_OK):
        return None
    named = " (SMS_TEST_CHROMIUM)" if os.environ.get("SMS_TEST_CHROMIUM") else ""
    return Missing(BROWSER, f"no Chromium at {executable}{named}", packages=("chromium",))


def python_clients_folder() -> Path:
    return Path(os.environ.get("SMS_TEST_PYTHON_CLIENTS") or DEFAULT_PYTHON_CLIENTS)


def distribution_name(name: str) -> str:
    """PEP 503's normalised name: ``Typing_Extensions`` and ``typing-extensions`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_python_clients() -> dict[str, str]:
    """``name==version`` lines of tests/conformance/requirements-python.txt."""
    lines = PYTHON_CLIENTS_REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    pins = (line.split("#", 1)[0].strip().partition("==") for line in lines)
    return {distribution_name(name): version for name, _, version in pins if version}


def python_clients_missing() -> Missing | None:
    folder = python_clients_folder()
    installed = {distribution_name(found.metadata["Name"]): found.version
                 for found in importlib.metadata.distributions(path=[str(folder)])}
    wrong = [f"{name}=={version}" for name, version in pinned_python_clients().items()
             if installed.get(name) != version]
    if not wrong:
        return None
    more = f" and {len(wrong) - 1} more" if len(wrong) > 1 else ""
    step = ("make python-clients" if folder == DEFAULT_PYTHON_CLIENTS else
            f"pip install --target {folder} -r {PYTHON_CLIENTS_REQUIREMENTS.relative_to(ROOT)}")
    return Missing(PYTHON_CLIENTS, f"{wrong[0]}{more} not installed in {folder}", step=step)


def node_executable() -> str | None:
    named = os.environ.get("SMS_TEST_NODE")
    if named:
        return named if os.access(named, os.X_OK) else None
    return shutil.which("node")


def node_clients() -> Path:
    named = os.environ.get("SMS_TEST_NODE_CLIENTS")
    return Path(named) if named else DEFAULT_NODE_CLIENTS


def node_clients_installed() -> bool:
    """``make node-clients`` installed exactly the committed lockfile's clients: it copies the lockfile
    to ``installed.json`` once ``npm ci`` succeeded."""
    try:
        return (node_clients() / "installed.json").read_bytes() == NODE_LOCK.read_bytes()
    except OSError:
        return False


def node_missing() -> Missing | None:
    if node_executable() is None:
        named = os.environ.get("SMS_TEST_NODE")
        detail = f"no node at SMS_TEST_NODE={named}" if named else "no node on PATH"
        return Missing(NODE, detail, packages=("nodejs", "npm"))
    if not node_clients_installed():
        where = os.environ.get("SMS_TEST_NODE_CLIENTS") or ".conformance/node"
        return Missing(NODE, f"the pinned Node clients are not installed in {where}", step="make node-clients")
    return None


def stop_for(missing: Missing, *, ci: bool) -> None:
    """A test that cannot run here: a skip on a developer's machine, a failure in CI."""
    if ci:
        pytest.fail(missing.failure(), pytrace=False)
    pytest.skip(missing.skip_reason())


@dataclass
class Prerequisites:
    """What this session lacks, and how many tests each lack has stopped so far."""

    missing: dict[str, Missing]
    ci: bool
    stopped: Counter[str] = field(default_factory=Counter)

    @classmethod
    def probe(cls) -> Prerequisites:
        found = [m for m in (redis_missing(), browser_missing(), python_clients_missing(), node_missing())
                 if m is not None]
        return cls({m.suite: m for m in found}, in_ci())

    def _suites(self, *, counted: bool) -> str:
        parts = []
        for suite, missing in self.missing.items():
            count = f"{self.stopped[suite]} of " if counted and self.stopped[suite] else ""
            parts.append(f"{count}the {suite} ({missing.detail})")
        return " and ".join(parts)

    def before(self) -> str | None:
        """The line before the tests: which suites will not run here, and the command that fixes that."""
        if not self.missing:
            return None
        verb = "WILL FAIL (CI=true)" if self.ci else "WILL NOT RUN (skipped)"
        return f"{verb}: {self._suites(counted=False)}; to run them: {fix(self.missing.values())}"

    def after(self) -> str | None:
        """The line after the tests: as before, with how many tests each lack stopped."""
        if not self.missing:
            return None
        verb = "FAILED (CI=true)" if self.ci else "NOT RUN (skipped)"
        return f"{verb}: {self._suites(counted=True)}; to run them: {fix(self.missing.values())}"

    def note(self, report: pytest.TestReport) -> None:
        """Count a test a lack stopped in its setup, and give its skip this file as its location, so that
        ``-ra`` folds a suite's skips into one line (pytest gives each its test's own location)."""
        if report.when != "setup" or not (report.skipped or report.failed):
            return
        text = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longreprtext
        for missing in self.missing.values():
            if missing.skip_reason() in text or missing.failure() in text:
                self.stopped[missing.suite] += 1
                if report.skipped:
                    report.longrepr = (__file__, None, missing.skip_reason())
                return


KEY = pytest.StashKey[Prerequisites]()


def require(config: pytest.Config, suite: str) -> None:
    """For a fixture: return when ``suite`` can run here, else skip (or fail in CI)."""
    prerequisites = config.stash[KEY]
    if suite in prerequisites.missing:
        stop_for(prerequisites.missing[suite], ci=prerequisites.ci)


def write(config: pytest.Config, line: str | None) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if line and reporter is not None:
        ci = config.stash[KEY].ci
        reporter.write_line(line, yellow=not ci, red=ci, bold=True)
