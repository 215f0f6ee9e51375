"""KMS secrets (GetSecretValue) and the ``{"kms": "<SecretName>"[, "key": "<field>"]}`` references
that any string in a business config may use instead of a plaintext value."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from shared.aliyun.clients import pop_client, runtime_options
from shared.aliyun.retry import backoff_seconds
from shared.config.cache import TtlCache, answered
from shared.config.files import provider_failure
from shared.errors import ConfigError, ConfigUnavailableError
from shared.validation import parse_json

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.settings import Settings

T = TypeVar("T")


def is_reference(value: Any) -> bool:
    """True for ``{"kms": name}`` or ``{"kms": name, "key": field}``."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("kms"), str)
        and set(value) <= {"kms", "key"}
        and isinstance(value.get("key", ""), str)
    )


def _cache_key(name: str, stage: str | None) -> tuple[str, str, str | None]:
    return ("kms", name, stage)


class SecretStore:
    """Reads secrets from KMS with the invocation's credentials, cached per instance."""

    def __init__(self, settings: Settings, credentials: Callable[[], Credentials | None], cache: TtlCache[str]) -> None:
        self.settings = settings
        self.credentials = credentials
        self.cache = cache

    def get(self, name: str, *, stage: str | None = None, force: bool = False) -> str:
        """The text of secret ``name``: its current version, or the one in ``stage`` (``ACSPrevious``)."""
        return self.cache.get(_cache_key(name, stage), lambda: self._fetch(name, stage), force=force)

    def resolve(self, value: Any, where: str, *, read: dict[str, str], force: bool = False) -> Any:
        """``value`` with every KMS reference inside it replaced by the secret's text (or field).

        ``read`` is what this element build has read so far (name → text): each secret is read
        from KMS once per build, never taken from another build's cache, so that no element is
        built from a secret older than it (a cached copy serves only while KMS fails, unless
        ``force``: then KMS's failure is the answer)."""
        if is_reference(value):
            return self._resolve_reference(value, where, read=read, force=force)
        if isinstance(value, dict):
            return {k: self.resolve(v, f"{where}.{k}", read=read, force=force) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, f"{where}[{i}]", read=read, force=force) for i, v in enumerate(value)]
        return value

    def _resolve_reference(self, reference: dict[str, str], where: str, *, read: dict[str, str], force: bool) -> str:
        name, key = reference["kms"], reference.get("key")
        if name not in read:
            read[name] = self._read_now(name, force=force)
        text = read[name]
        if key is None:
            return text
        try:
            data = parse_json(text)
        except json.JSONDecodeError:
            raise ConfigError(f"{where}: KMS secret {name!r} is not JSON, so it has no field {key!r}") from None
        field = data.get(key) if isinstance(data, dict) else None
        if not isinstance(field, str):
            raise ConfigError(f"{where}: KMS secret {name!r} has no string field {key!r}")
        return field

    def _read_now(self, name: str, *, force: bool) -> str:
        try:
            return self.get(name, force=True)
        except Exception as error:
            cached = None if force or answered(error) else self.cache.fallback(_cache_key(name, None), error)
            if cached is None:
                raise
            return cached  # KMS is failing: the cached copy, as every other reader gets it (no second call)

    def _fetch(self, name: str, stage: str | None) -> str:
        from alibabacloud_kms20160120.models import GetSecretValueRequest

        client = kms_client(self.settings, self.credentials())
        request = GetSecretValueRequest(secret_name=name, version_stage=stage)
        response = call_kms(self.settings, lambda runtime: client.get_secret_value_with_options(request, runtime),
                            lambda exc: kms_error(name, exc))
        data = response.body.secret_data if response.body is not None else None
        if not isinstance(data, str):
            raise ConfigError(f"KMS secret {name!r} has no text data (binary secrets are not supported)")
        return data


def kms_client(settings: Settings, credentials: Credentials | None) -> Any:
    """The KMS SDK client for these credentials (built once per key, see ``shared.aliyun.clients``)."""
    if credentials is None:
        raise ConfigError(
            "no credentials for KMS: run inside FC with a role, or set "
            "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
        )
    from alibabacloud_kms20160120.client import Client

    return pop_client(Client, credentials, settings.kms_endpoint_for_region(), settings.region)


def call_kms(settings: Settings, call: Callable[[Any], T], failure: Callable[[Exception], ConfigError]) -> T:
    """``call(runtime)`` with the SDK timeouts; a call without side effects, so a throttled or failed
    one is tried again (``SMS_SEND_MAX_ATTEMPTS`` in all, with backoff). ``failure`` maps the SDK's
    exception to the config error raised when it is for good or the attempts are spent."""
    runtime = runtime_options(settings)
    attempt = 0
    while True:
        attempt += 1
        try:
            return call(runtime)
        except Exception as exc:  # noqa: BLE001 - mapped to a config error naming KMS and the code
            error = failure(exc)
            if not isinstance(error, ConfigUnavailableError) or attempt >= settings.send_max_attempts:
                raise error from None
            time.sleep(backoff_seconds(attempt, settings, int(getattr(exc, "retry_after", None) or 0)))


def kms_error(name: str, exc: Exception) -> ConfigError:
    """A KMS failure as a config error naming the secret, KMS and Aliyun's code."""
    return provider_failure(f"KMS secret {name!r}", "KMS", exc)
