"""Who a send skips: numbers on the opt-out list of the element's signature, unless the template
is a verification code.

One store round trip asks for every number of a send (``Store.suppressed``). Only when one of
them is on the list is the template's type needed: GetSmsTemplate's ``TemplateType`` ("0"
verification code, "1" notification, "2" promotion, "3" international), cached per instance for
an hour. A verification code always goes out; any other type skips the opted-out numbers. When
GetSmsTemplate fails the opt-out is respected (the numbers are skipped, and it is logged).
Without ``SMS_HMAC_KEY_SECRET`` there can be no list (the receipts function cannot write one),
so nothing is asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from shared import log
from shared.config.cache import TtlCache
from shared.errors import SmsError
from shared.sms.phones import mask_phone

if TYPE_CHECKING:
    from shared.elements.app import App

VERIFICATION = "0"
TEMPLATE_TYPE_MAX_AGE = 3600.0  # seconds a template's type is trusted (a template's type never changes once approved)
_types: TtlCache[str] = TtlCache(TEMPLATE_TYPE_MAX_AGE, 0, name="template types")


class Screened(NamedTuple):
    """The numbers to text, and those skipped because they opted out (in the order given)."""

    send: list[str]
    suppressed: list[str]

    def masked(self) -> list[str]:
        return [mask_phone(phone) for phone in self.suppressed]


def screen(app: App, element: Any, template_code: str, phones: Sequence[str]) -> Screened:
    """Split ``phones`` into those to text through ``element`` with ``template_code`` and those suppressed."""
    sign = sign_of(element)
    if not phones or sign is None or not app.settings.hmac_key_secret:
        return Screened(list(phones), [])
    lookups = dict(zip(phones, app.vault.lookups(phones), strict=True))
    opted_out = app.store.suppressed(sign, list(lookups.values()))
    if not opted_out:
        return Screened(list(phones), [])
    if template_type(element, template_code) == VERIFICATION:
        log.info("sms.suppression_waived", templateCode=log.mask_numbers(template_code), optedOut=len(opted_out),
                 reason="a verification code is never suppressed")
        return Screened(list(phones), [])
    kept = [phone for phone in phones if lookups[phone] not in opted_out]
    skipped = [phone for phone in phones if lookups[phone] in opted_out]
    log.info("sms.suppressed", templateCode=log.mask_numbers(template_code), sign=sign, suppressed=len(skipped),
             phones=[mask_phone(phone) for phone in skipped[:20]])
    return Screened(kept, skipped)


def sign_of(element: Any) -> str | None:
    """The signature an element sends under (``sms.json``'s ``verifySign``), if it has one."""
    sign = getattr(getattr(element, "config", None), "verifySign", None)
    return sign if isinstance(sign, str) and sign else None


def template_type(element: Any, template_code: str) -> str | None:
    """GetSmsTemplate's ``TemplateType`` as a string, cached; None when it cannot be had (logged)."""
    gateway = getattr(element, "gateway", None)
    if gateway is None:
        return None
    key = (getattr(element, "fullName", ""), getattr(element.config, "accessKey", ""), template_code)
    try:
        return _types.get(key, lambda: str(gateway.get_template(template_code).get("TemplateType")))
    except SmsError as error:
        log.warning("sms.template_type_unknown", templateCode=log.mask_numbers(template_code), errorCode=error.code,
                    providerCode=error.provider_code, problem="opted-out numbers are skipped")
        return None


def forget_template_types() -> None:
    """Drop the cached template types (tests; a template replaced under the same code)."""
    _types.clear()
