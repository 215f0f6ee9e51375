"""The whole emulated account: keys, per-service backends, clock, ids, chaos and stats."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from emulator.core.chaos import Chaos
from emulator.core.clock import Clock
from emulator.core.credentials import KeyStore, parse_access_key
from emulator.core.ids import Ids
from emulator.core.responses import BaseResponse
from emulator.core.service import ServiceSpec
from emulator.core.signatures import NonceCache, SignatureVerifier
from emulator.core.stats import Stats
from emulator.kms.models import KmsBackend
from emulator.oss.models import OssBackend
from emulator.services import SERVICES
from emulator.sms.models import SmsBackend

if TYPE_CHECKING:
    from emulator.fc.runtime import Runtime


class Emulator:
    """In-memory state behind the server; thread-safe.

    ``seed`` is the base seed (design.md seed JSON, plus the extensions documented in
    :mod:`emulator.sms.models`, :mod:`emulator.kms.models`, :mod:`emulator.oss.models` and
    :mod:`emulator.core.credentials`, and ``randomSeed``):
    :meth:`reset` returns to exactly that state, so ids repeat after a reset.

    Example
    -------
    >>> emulator = Emulator({"accessKeys": {"AK": "secret"}})
    >>> emulator.keys.get("AK").secret
    'secret'
    """

    def __init__(self, seed: Mapping[str, Any] | None = None, random_seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.generation = 0
        self.clock = Clock()
        self.ids = Ids(random_seed)
        self.chaos = Chaos(random_seed)
        self.stats = Stats()
        self.keys = KeyStore(self.clock.now)
        self.nonces = NonceCache()
        self.verifier = SignatureVerifier(self.keys, self.nonces)
        self.services: dict[str, ServiceSpec] = {spec.name: spec for spec in SERVICES}
        self.backends: dict[str, Any] = {spec.name: spec.make_backend(self.clock, self.ids) for spec in SERVICES}
        self.apis: dict[str, BaseResponse] = {spec.name: spec.make_api(self.backends[spec.name]) for spec in SERVICES}
        self.backends["oss"] = OssBackend(self.clock, self.ids)  # not POP: served by emulator.oss.gateway
        # The local FC runtime the invoke API runs functions on (emulator.fc.api); None: every
        # function is FunctionNotFound. `make dev` attaches one; reset() leaves it attached.
        self.functions: Runtime | None = None
        self._random_seed = random_seed
        self._base_seed: dict[str, Any] = copy.deepcopy(dict(seed or {}))
        self.reset()

    @property
    def sms(self) -> SmsBackend:
        backend: SmsBackend = self.backends["sms"]
        return backend

    @property
    def kms(self) -> KmsBackend:
        backend: KmsBackend = self.backends["kms"]
        return backend

    @property
    def oss(self) -> OssBackend:
        backend: OssBackend = self.backends["oss"]
        return backend

    def service_for_version(self, version: str) -> ServiceSpec | None:
        return next((spec for spec in self.services.values() if spec.version == version), None)

    @property
    def base_seed(self) -> dict[str, Any]:
        return copy.deepcopy(self._base_seed)

    def reset(self) -> None:
        """Forget everything since start-up: outbox, counters, chaos, stats, clock offset, nonces, ids."""
        with self.lock:
            self.generation += 1
            self.clock.reset()
            self.stats.reset()
            self.nonces.reset()
            self._clear_seeded()
            self.chaos.reset()
            self._reseed(self._random_seed)
            self._apply(self._base_seed)

    def seed(self, data: Mapping[str, Any], replace: bool = False) -> None:
        """Merge seed data (keys and catalogue entries are added or replaced by id / name / code).

        With ``replace`` the seeded data (keys, signatures, templates, outbox, secrets, buckets) is cleared first.
        Everything is validated before anything changes; a ValueError names the bad field.
        """
        with self.lock:
            appliers = self._prepare(data)
            if replace:
                self._clear_seeded()
            for apply in appliers:
                apply()

    def _reseed(self, random_seed: int) -> None:
        self.ids.reseed(random_seed)
        self.chaos.reseed(random_seed)

    def _clear_seeded(self) -> None:
        self.keys.reset()
        for backend in self.backends.values():
            backend.reset()

    def _apply(self, data: Mapping[str, Any]) -> None:
        for apply in self._prepare(data):
            apply()

    def _prepare(self, data: Mapping[str, Any]) -> list[Callable[[], None]]:
        if not isinstance(data, Mapping):
            raise ValueError("the seed must be a JSON object")
        keys = data.get("accessKeys", {})
        if not isinstance(keys, Mapping):
            raise ValueError("accessKeys must be an object of id → secret")
        for key_id, value in keys.items():
            parse_access_key(str(key_id), value)
        appliers: list[Callable[[], None]] = [lambda: self.keys.seed(keys)]
        random_seed = data.get("randomSeed")
        if random_seed is not None:
            if isinstance(random_seed, bool) or not isinstance(random_seed, int):
                raise ValueError("randomSeed must be an integer")
            appliers.append(lambda: self._reseed(random_seed))
        for name, backend in self.backends.items():
            if name in data:
                appliers.append(backend.prepare_seed(data[name]))
        return appliers
