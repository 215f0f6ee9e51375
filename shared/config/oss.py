"""Element files in OSS (``oss://<bucket>/<prefix>``), read with alibabacloud-oss-v2 (V4 signing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shared.aliyun.clients import cached_client
from shared.config.files import names_from_paths, parse_json, provider_failure
from shared.errors import ConfigError

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.settings import Settings

class OssSource:
    """Reads ``<prefix>/<path>`` from one bucket with the invocation's credentials."""

    def __init__(self, url: str, settings: Settings, credentials: Callable[[], Credentials | None], *,
                 named: str = "SMS_ELEMENTS_SOURCE") -> None:
        """``named``: the setting or field ``url`` came from, for the error when it is no oss:// URL."""
        try:
            parts = urlsplit(url) if isinstance(url, str) else None
        except ValueError:  # e.g. "oss://[bucket": an unclosed IPv6 bracket
            parts = None
        if parts is None or parts.scheme != "oss" or not parts.netloc:
            raise ConfigError(f"{named}: expected oss://<bucket>/<prefix>, got {url!r}")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.settings = settings
        self.credentials = credentials

    def key(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path

    def describe(self, path: str) -> str:
        return f"oss://{self.bucket}/{self.key(path)}"

    def read_json(self, path: str) -> Any | None:
        import alibabacloud_oss_v2 as oss

        try:
            result = self._client().get_object(oss.GetObjectRequest(bucket=self.bucket, key=self.key(path)))
            text = result.body.content.decode("utf-8")
        except oss.exceptions.OperationError as exc:
            error = exc.unwrap()
            if isinstance(error, oss.exceptions.ServiceError) and error.code == "NoSuchKey":
                return None
            raise oss_error(self.describe(path), error) from None
        except UnicodeDecodeError:
            raise ConfigError(f"{self.describe(path)}: not UTF-8 text") from None
        return parse_json(text, self.describe(path))

    def list_names(self) -> list[str]:
        import alibabacloud_oss_v2 as oss

        prefix = f"{self.prefix}/" if self.prefix else ""
        keys: list[str] = []
        try:
            paginator = self._client().list_objects_v2_paginator()
            for page in paginator.iter_page(oss.ListObjectsV2Request(bucket=self.bucket, prefix=prefix)):
                keys.extend(obj.key[len(prefix):] for obj in page.contents or [])
        except oss.exceptions.OperationError as exc:
            raise oss_error(f"oss://{self.bucket}/{prefix}", exc.unwrap()) from None
        return sorted(names_from_paths(keys))

    def put_json(self, path: str, data: Any) -> str:
        """Write ``data`` as JSON at ``path`` under the prefix; returns its oss:// URL."""
        import json

        import alibabacloud_oss_v2 as oss

        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        try:
            self._client().put_object(oss.PutObjectRequest(
                bucket=self.bucket, key=self.key(path), body=body, content_type="application/json"))
        except oss.exceptions.OperationError as exc:
            raise oss_error(self.describe(path), exc.unwrap()) from None
        return self.describe(path)

    def _client(self) -> Any:
        credentials = self.credentials()
        if credentials is None:
            raise ConfigError(
                "no credentials for OSS: run inside FC with a role, or set "
                "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"
            )
        endpoint = self.settings.oss_endpoint_for_region()
        return cached_client(("oss", endpoint, self.settings.region), credentials,
                             lambda: _build_client(endpoint, credentials, self.settings))

    def __repr__(self) -> str:
        return f"OssSource('oss://{self.bucket}/{self.prefix}')"


def _build_client(endpoint: str, credentials: Credentials, settings: Settings) -> Any:
    import alibabacloud_oss_v2 as oss

    config = oss.config.load_default()
    config.credentials_provider = oss.credentials.StaticCredentialsProvider(
        credentials.access_key_id, credentials.access_key_secret, credentials.security_token
    )
    config.region = settings.region
    config.endpoint = endpoint
    host = urlsplit(endpoint).hostname or ""
    config.use_path_style = host == "localhost" or host.replace(".", "").isdigit()
    config.connect_timeout = settings.connect_timeout_ms / 1000
    config.readwrite_timeout = settings.read_timeout_ms / 1000
    config.retry_max_attempts = settings.send_max_attempts
    return oss.Client(config)


def oss_error(where: str, error: Any) -> ConfigError:
    """An OSS failure as a config error naming the object, OSS and its code."""
    return provider_failure(where, "OSS", error)
