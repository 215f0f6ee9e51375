"""SDK clients, built once per endpoint and credentials and shared by every caller in the instance.

One client is kept per slot: what it talks to (client class, endpoint, region) and as whom. An
AccessKey pair (an SMS element's own) is its AccessKeyId; STS credentials (the function role's,
which FC rotates, each time with a new AccessKeyId and token) are one slot, "the role". A newer
secret or token in a slot replaces the client it held, so rotations never pile clients up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.settings import Endpoint, Settings

SDK_POOL_SIZE = 40  # darabonba's own default (DEFAULT_POOL_SIZE * 4)

_clients: dict[Hashable, tuple[Hashable, Any]] = {}  # slot -> (the credentials' cache key, client)
_lock = threading.Lock()


def cached_client(target: tuple[Hashable, ...], credentials: Credentials, build: Callable[[], Any]) -> Any:
    """The client for ``target`` with exactly these credentials, built by ``build()`` when the slot
    holds none or one of older credentials (which it then forgets)."""
    slot = (*target, "role" if credentials.security_token else credentials.access_key_id)
    version = credentials.cache_key()
    with _lock:
        held = _clients.get(slot)
        if held is None or held[0] != version:
            held = _clients[slot] = (version, build())
        return held[1]


def count() -> int:
    """How many clients the instance holds."""
    with _lock:
        return len(_clients)


def pop_client(client_class: Callable[[Any], Any], credentials: Credentials, endpoint: Endpoint, region: str) -> Any:
    """A Tea OpenAPI (POP) client, e.g. Dysmsapi's or KMS's, for these credentials and endpoint."""

    def build() -> Any:
        from alibabacloud_tea_openapi.utils_models import Config

        return client_class(
            Config(
                access_key_id=credentials.access_key_id,
                access_key_secret=credentials.access_key_secret,
                security_token=credentials.security_token,
                endpoint=endpoint.host,
                protocol=endpoint.protocol,
                region_id=region,
            )
        )

    return cached_client((client_class, endpoint.host, endpoint.protocol, region), credentials, build)


def runtime_options(settings: Settings, concurrency: int = 1) -> Any:
    """The options of one POP SDK call: our timeouts, and a connection pool for ``concurrency``
    calls at once. The SDK keeps one HTTP session per host and pool size, and each new session
    loads the CA store into a TLS context (~25 ms of a cold start), so every client asks for the
    SDK's default size unless it needs more: KMS and Dysmsapi on one host (the emulator) share one."""
    from darabonba.runtime import RuntimeOptions

    return RuntimeOptions(connect_timeout=settings.connect_timeout_ms, read_timeout=settings.read_timeout_ms,
                          max_idle_conns=max(concurrency, SDK_POOL_SIZE))


def clear() -> None:
    """Forget every client (tests and benchmarks that measure a cold instance)."""
    with _lock:
        _clients.clear()
