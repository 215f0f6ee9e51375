"""Drive the official Node clients (``tests/conformance/node/*.js``, installed by ``make node-clients``)
against the session emulator: one ``node`` process per scenario, its calls as JSON on stdin, one outcome
per call as JSON on stdout (``node/harness.js``). Without Node or the clients, the ``node`` fixture
skips (fails with ``CI=true``) and the run says so (tests/prerequisites.py).

The fixtures reach the tests through tests/conformance/node/conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prerequisites import NODE, node_clients, node_executable, require

SCRIPTS = Path(__file__).resolve().parent / "node"
FUNCTIONAL = Path(__file__).resolve().parents[1] / "functional"
HANG_SECONDS = 120  # only bounds a hung client: a scenario takes well under a second
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


@dataclass(frozen=True)
class Outcome:
    """One call's result: ``value`` when ``ok``, else ``error`` (name, code, status, message, requestId, data)."""

    ok: bool
    value: Any = None
    error: dict[str, Any] | None = None

    @property
    def code(self) -> str | None:
        assert self.error is not None, f"the call succeeded: {self.value}"
        return self.error["code"]

    @property
    def status(self) -> int | None:
        assert self.error is not None, f"the call succeeded: {self.value}"
        return self.error["status"]


class NodeClients:
    """Runs ``node/<script>.js`` with the emulator's address and the default keys unless overridden."""

    def __init__(self, node: str, emulator: Any) -> None:
        self.node = node
        self.emulator = emulator
        self.env = {name: value for name, value in os.environ.items() if name.lower() not in PROXY_VARIABLES}
        self.env["NODE_PATH"] = str(node_clients() / "node_modules")

    def run(self, script: str, calls: list[tuple[str, dict[str, Any]]], **config: Any) -> list[Outcome]:
        """Make ``calls`` (``(op, args)`` pairs) in order with one client built from ``config``."""
        settings = {"endpoint": self.emulator.endpoint, "netloc": self.emulator.netloc,
                    "accessKeyId": self.emulator.access_key_id,
                    "accessKeySecret": self.emulator.access_key_secret, **config}
        request = {"config": settings, "calls": [{"op": op, "args": args} for op, args in calls]}
        finished = subprocess.run([self.node, str(SCRIPTS / f"{script}.js")], input=json.dumps(request),
                                  capture_output=True, text=True, env=self.env, timeout=HANG_SECONDS, check=False)
        assert finished.returncode == 0, f"node {script}.js exited {finished.returncode}: {finished.stderr}"
        return [Outcome(**outcome) for outcome in json.loads(finished.stdout)]

    def call(self, script: str, op: str, args: dict[str, Any] | None = None, **config: Any) -> Outcome:
        """One call, one client."""
        [outcome] = self.run(script, [(op, args or {})], **config)
        return outcome


@pytest.fixture
def node(request: pytest.FixtureRequest, emulator: Any) -> NodeClients:
    """The Node clients against the session emulator (reset to the default seed)."""
    require(request.config, NODE)
    executable = node_executable()
    assert executable is not None  # require() saw it
    return NodeClients(executable, emulator)


@pytest.fixture
def fc_runtime(emulator: Any, tmp_path: Path) -> Iterator[Any]:
    """The functional tests' fake s.yaml project (``echo`` hands back its event) on a local FC runtime
    attached to the session emulator, so its invoke API reaches real function instances."""
    if str(FUNCTIONAL) not in sys.path:
        sys.path.insert(0, str(FUNCTIONAL))
    from fc_runtime_support import fake_stack

    stack, _ = fake_stack(tmp_path, emulator.endpoint)
    emulator.state.functions = stack.runtime
    try:
        yield stack
    finally:
        emulator.state.functions = None
        stack.stop()
