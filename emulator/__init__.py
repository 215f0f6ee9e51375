"""A wire-compatible local Aliyun for tests and development: Dysmsapi, KMS and OSS.

``Emulator`` is the in-memory state; ``EmulatorServer`` serves it over HTTP on 127.0.0.1;
``python -m emulator`` runs it as a process; ``emulator.pytest_plugin`` provides the
``emulator`` fixture.
"""

from emulator.state import Emulator
from emulator.testing import EmulatorServer

__all__ = ["Emulator", "EmulatorServer"]
