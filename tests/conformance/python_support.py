"""Run the pinned Python clients (tests/conformance/python/*_driver.py) against the emulator.

Each batch of calls is one subprocess of this interpreter started with ``-S`` (no site-packages) and
only the clients' folder on ``PYTHONPATH``: the clients see none of the project's packages, and the
project never imports theirs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DRIVERS = Path(__file__).resolve().parent / "python"
Result = dict[str, Any]


@dataclass(frozen=True)
class PythonClients:
    """The folder the pinned clients are installed in (``make python-clients``)."""

    folder: Path

    def run(self, driver: str, client: dict[str, Any], calls: list[dict[str, Any]]) -> list[Result]:
        """The results of ``calls`` made in order by ``DRIVERS/<driver>_driver.py`` with ``client``'s settings."""
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(self.folder), "PYTHONIOENCODING": "utf-8"}
        job = json.dumps({"client": client, "calls": calls}, ensure_ascii=False)
        done = subprocess.run([sys.executable, "-S", str(DRIVERS / f"{driver}_driver.py")], input=job, env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=300)  # bounds a hang only
        assert done.returncode == 0, f"{driver} driver failed:\n{done.stderr}"
        results: list[Result] = json.loads(done.stdout)
        return results
