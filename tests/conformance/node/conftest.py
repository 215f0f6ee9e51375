"""The Node conformance tests' fixtures (``node``, ``fc_runtime``), from tests/conformance/node_support.py."""

import sys
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parents[1]
if str(CONFORMANCE) not in sys.path:
    sys.path.insert(0, str(CONFORMANCE))

from node_support import fc_runtime, node  # noqa: E402, F401 - fixtures for the tests in this folder
