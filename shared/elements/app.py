"""``App``: the entry point that finds elements by full name, as JitAi's ``app`` does."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shared.aliyun.credentials import Credentials
from shared.config.cache import TtlCache
from shared.config.kms import SecretStore
from shared.config.source import ElementSource, open_source
from shared.elements.element import Element, element_path
from shared.elements.loader import ElementLoader
from shared.elements.registry import TypeRegistry
from shared.errors import ConfigError
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.privacy.vault import Vault
    from shared.store.base import Store


class App:
    """Loads elements from a source (a directory or OSS) and hands out their instances.

    Elements and KMS secrets are cached for ``SMS_CONFIG_MAX_AGE`` seconds: a warm call inside
    that window makes no OSS or KMS request.

    Example:
        >>> app = App.from_env()
        >>> app.getElement("SMS.Default").sendMessage(["13800138000"], {"code": "1234"}, "SMS_1")
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        source: ElementSource | None = None,
        credentials: Credentials | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or Settings()
        self.credentials = credentials
        self.source = source if source is not None else open_source(self.settings, self.current_credentials)
        self.types = TypeRegistry()
        max_age, grace = self.settings.config_max_age, self.settings.config_stale_grace
        self.secrets = SecretStore(
            self.settings, self.current_credentials, TtlCache(max_age, grace, name="secrets", clock=clock)
        )
        self.loader = ElementLoader(self.source, self.types, self.secrets)
        self._elements: TtlCache[Element] = TtlCache(max_age, grace, name="elements", clock=clock)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, context: Any = None) -> App:
        """An app configured from the ``SMS_*`` environment variables (and the FC context, if given)."""
        return cls(Settings.from_env(environ), credentials=Credentials.for_invocation(context, environ))

    @cached_property
    def store(self) -> Store:
        """The shared state store named by ``SMS_STORE_URL``, opened on first use."""
        from shared.store import open_store

        return open_store(self.settings.store_url)

    @cached_property
    def vault(self) -> Vault:
        """Seals what the store keeps and names numbers by keyed HMACs (``SMS_DATA_KEY_ID``,
        ``SMS_HMAC_KEY_SECRET``); its data key is generated once per instance."""
        from shared.privacy.vault import Vault

        return Vault(self.settings, self.secrets, self.current_credentials)

    def current_credentials(self) -> Credentials | None:
        """The credentials OSS and KMS are read with (the function role's STS keys in FC)."""
        return self.credentials

    def use_credentials(self, credentials: Credentials | None) -> None:
        """Adopt this invocation's credentials for OSS and KMS; the client cache builds a client for
        new ones and forgets the one they replace (``shared.aliyun.clients``)."""
        self.credentials = credentials

    def register_type(self, fullName: str, cls: type[Element]) -> None:  # noqa: N803
        """Use ``cls`` for this app's elements whose Type chain names ``fullName``."""
        self.types.register(fullName, cls)
        self._elements.clear()

    def getElement(self, fullName: str) -> Any:  # noqa: N802, N803 - JitAi's API
        """The element instance named ``fullName`` (e.g. ``SMS.Default``)."""
        element_path(fullName)  # a malformed name is an error before any lookup
        return self._elements.get(fullName, lambda: self._build(fullName))

    def refresh(self, fullName: str) -> Any:  # noqa: N803
        """Reload an element and its secrets now, bypassing the cache (for the config check)."""
        return self._elements.get(fullName, lambda: self._build(fullName, force=True), force=True)

    def _build(self, full_name: str, *, force: bool = False) -> Element:
        """The element from OSS as it is now, its secrets read from KMS now too (once each): a secret
        cached for another element would make this one older than ``SMS_CONFIG_MAX_AGE``. ``force``:
        a KMS failure is the answer, not a cached secret."""
        try:
            loaded = self.loader.load(full_name, force=force)
        except ConfigError as error:
            if full_name not in error.message:
                error.message = f"{full_name}: {error.message}"
                error.args = (error.message,)
            raise
        return loaded.cls(self, full_name, loaded.definition, dict(loaded.configs))
