"""The fault suite runs the real functions against the emulator, with the functional tests' fixtures."""

import importlib.util
import sys
from pathlib import Path

FUNCTIONAL = Path(__file__).resolve().parents[1] / "functional"
sys.path.insert(0, str(FUNCTIONAL))

_spec = importlib.util.spec_from_file_location("functional_conftest", FUNCTIONAL / "conftest.py")
assert _spec is not None and _spec.loader is not None
_functional = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_functional)

service = _functional.service  # the send_sms and verification functions' elements, store and API keys
