"""Environment settings (all ``SMS_*``), read when asked, never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from shared.errors import ConfigError

DEFAULT_ELEMENTS_SOURCE = str(Path(__file__).resolve().parent.parent / "examples" / "elements")
DEFAULT_DYSMS_ENDPOINT = "https://dysmsapi.aliyuncs.com"
DEFAULT_OPT_OUT_WORDS = ("td", "t", "退订", "n")


class Endpoint(NamedTuple):
    """An SDK endpoint split into what the Tea SDKs want: ``host[:port]`` and ``http``/``https``."""

    host: str
    protocol: str

    @classmethod
    def parse(cls, url: str, variable: str) -> Endpoint:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{variable} must be an http(s) URL such as http://127.0.0.1:9000, got {url!r}")
        return cls(host=parts.netloc, protocol=parts.scheme)


class Settings(NamedTuple):
    """Every knob of the service; see the README's configuration table."""

    elements_source: str = DEFAULT_ELEMENTS_SOURCE
    region: str = "cn-hangzhou"
    dysms_endpoint: Endpoint = Endpoint.parse(DEFAULT_DYSMS_ENDPOINT, "default")
    connect_timeout_ms: int = 3000
    read_timeout_ms: int = 10000
    send_max_attempts: int = 3
    retry_base_delay_ms: int = 200
    retry_max_delay_ms: int = 2000
    send_concurrency: int = 10
    kms_endpoint: Endpoint | None = None
    oss_endpoint: str | None = None
    in_fc: bool = False
    config_max_age: int = 300
    config_stale_grace: int = 3600
    api_keys_secret: str | None = None
    data_key_id: str | None = None  # the KMS key data keys are generated under (shared.privacy)
    hmac_key_secret: str | None = None  # the KMS secret holding the HMAC key for pseudonyms and fingerprints
    directory: str = "Directory.Default"
    store_url: str = "sqlite:///.dev/sms-fc.db"
    max_body_bytes: int = 1024 * 1024
    check_report_url: str | None = None
    verify_policy: str = "Verify.Default"
    approval_defaults: str = "Approval.Default"
    cors_origins: tuple[str, ...] = ()
    client_ip_header: str | None = None
    send_log_ttl: int = 7 * 86400  # seconds a send-log record is kept (Aliyun keeps its own 30 days)
    receipts_token_secret: str | None = None  # the KMS secret holding the receipts push URL's token
    opt_out_words: tuple[str, ...] = DEFAULT_OPT_OUT_WORDS  # replies that opt a number out, casefolded
    reconcile_grace_seconds: int = 600  # how long Aliyun may take to list an accepted message

    def kms_endpoint_for_region(self) -> Endpoint:
        """``SMS_KMS_ENDPOINT``, else the region's KMS endpoint."""
        return self.kms_endpoint or Endpoint(f"kms.{self.region}.aliyuncs.com", "https")

    def oss_endpoint_for_region(self) -> str:
        """``SMS_OSS_ENDPOINT``, else the region's internal endpoint inside FC (public outside)."""
        if self.oss_endpoint:
            return self.oss_endpoint
        internal = "-internal" if self.in_fc else ""
        return f"https://oss-{self.region}{internal}.aliyuncs.com"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            elements_source=env.get("SMS_ELEMENTS_SOURCE") or DEFAULT_ELEMENTS_SOURCE,
            region=env.get("SMS_REGION") or "cn-hangzhou",
            dysms_endpoint=Endpoint.parse(
                env.get("SMS_DYSMS_ENDPOINT") or DEFAULT_DYSMS_ENDPOINT, "SMS_DYSMS_ENDPOINT"
            ),
            connect_timeout_ms=_int(env, "SMS_CONNECT_TIMEOUT_MS", 3000, minimum=1),
            read_timeout_ms=_int(env, "SMS_READ_TIMEOUT_MS", 10000, minimum=1),
            send_max_attempts=_int(env, "SMS_SEND_MAX_ATTEMPTS", 3, minimum=1),
            retry_base_delay_ms=_int(env, "SMS_RETRY_BASE_DELAY_MS", 200, minimum=0),
            retry_max_delay_ms=_int(env, "SMS_RETRY_MAX_DELAY_MS", 2000, minimum=0),
            send_concurrency=_int(env, "SMS_SEND_CONCURRENCY", 10, minimum=1),
            kms_endpoint=Endpoint.parse(env["SMS_KMS_ENDPOINT"], "SMS_KMS_ENDPOINT")
            if env.get("SMS_KMS_ENDPOINT")
            else None,
            oss_endpoint=_url(env, "SMS_OSS_ENDPOINT"),
            in_fc=bool(env.get("FC_FUNCTION_NAME")),
            config_max_age=_int(env, "SMS_CONFIG_MAX_AGE", 300, minimum=0),
            config_stale_grace=_int(env, "SMS_CONFIG_STALE_GRACE", 3600, minimum=0),
            api_keys_secret=env.get("SMS_API_KEYS_SECRET") or None,
            data_key_id=(env.get("SMS_DATA_KEY_ID") or "").strip() or None,
            hmac_key_secret=(env.get("SMS_HMAC_KEY_SECRET") or "").strip() or None,
            directory=env.get("SMS_DIRECTORY") or "Directory.Default",
            store_url=env.get("SMS_STORE_URL") or "sqlite:///.dev/sms-fc.db",
            max_body_bytes=_int(env, "SMS_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
            check_report_url=env.get("SMS_CHECK_REPORT_URL") or None,
            verify_policy=env.get("SMS_VERIFY_POLICY") or "Verify.Default",
            approval_defaults=env.get("SMS_APPROVAL_DEFAULTS") or "Approval.Default",
            cors_origins=tuple(o.strip() for o in (env.get("SMS_CORS_ORIGINS") or "").split(",") if o.strip()),
            client_ip_header=(env.get("SMS_CLIENT_IP_HEADER") or "").strip().lower() or None,
            send_log_ttl=_int(env, "SMS_SEND_LOG_TTL", 7 * 86400, minimum=60),
            reconcile_grace_seconds=_int(env, "SMS_RECONCILE_GRACE_SECONDS", 600, minimum=60),
            receipts_token_secret=(env.get("SMS_RECEIPTS_TOKEN_SECRET") or "").strip() or None,
            opt_out_words=_words(env, "SMS_OPT_OUT_WORDS", DEFAULT_OPT_OUT_WORDS),
        )


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _words(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of words, trimmed and casefolded; unset or empty gives ``default``."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    words = tuple(dict.fromkeys(word.strip().casefold() for word in raw.split(",") if word.strip()))
    if not words:
        raise ConfigError(f"{name} must list at least one word, separated by commas, got {raw!r}")
    return words


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    if not raw:
        return None
    Endpoint.parse(raw, name)  # validates the form
    return raw if "://" in raw else f"https://{raw}"
