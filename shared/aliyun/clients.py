"""SDK clients, built once per endpoint and credentials and shared by every caller in the instance."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.settings import Endpoint

_clients: dict[Hashable, Any] = {}
_lock = threading.Lock()


def cached_client(key: tuple[Hashable, ...], build: Callable[[], Any]) -> Any:
    """The client under ``key``, built by ``build()`` the first time (a changed STS token is a new key)."""
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = build()
        return client


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

    key = (client_class, endpoint.host, endpoint.protocol, region, *credentials.cache_key())
    return cached_client(key, build)


def clear() -> None:
    """Forget every client (tests and benchmarks that measure a cold instance)."""
    with _lock:
        _clients.clear()
