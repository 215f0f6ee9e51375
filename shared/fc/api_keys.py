"""API keys for trusted callers: hashes kept in a KMS secret, checked in constant time.

The secret named by ``SMS_API_KEYS_SECRET`` holds JSON::

    {"keys": [{"id": "orders-backend", "sha256": "<hex SHA-256 of the key>",
               "elements": ["SMS.Default"], "templates": ["SMS_100000002"], "scopes": ["send", "read"]}]}

``elements`` and ``templates`` are optional limits; absent means any. ``scopes`` says what the
key may do: ``send`` (``POST /messages``) and ``read`` (the send-log lookups, ``GET /messages…``);
absent means ``["send"]``, so a key written before scopes existed never gains read access. Keys are random
256-bit tokens, so one SHA-256 is enough (no slow hash needed); the plain key exists only
at the caller. ``python -m shared.fc.api_keys new --id NAME`` mints one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import sys
from typing import TYPE_CHECKING, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared import log
from shared.errors import ConfigError, RequestError
from shared.validation import describe

if TYPE_CHECKING:
    from shared.elements.app import App

Scope = Literal["send", "read"]
SEND: Scope = "send"
READ: Scope = "read"
DEFAULT_SCOPES: frozenset[Scope] = frozenset({SEND})


def unauthorized() -> RequestError:
    return RequestError("missing or invalid API key", status=401, headers={"WWW-Authenticate": 'Bearer realm="sms-fc"'})


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # no ":": the id is part of the store's Idempotency-Key records ("send_sms:<id>:<key>"), which
    # must not read the same for two callers
    id: str = Field(min_length=1, pattern=r"^[^:]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    elements: list[str] | None = None
    templates: list[str] | None = None
    scopes: list[Scope] | None = None


class KeyFile(BaseModel):
    keys: list[KeyEntry]


class Caller(NamedTuple):
    """The holder of a valid key: its id (safe to log) and its limits."""

    key_id: str
    elements: frozenset[str] | None
    templates: frozenset[str] | None
    scopes: frozenset[Scope] = DEFAULT_SCOPES

    def may_see(self, element: str) -> bool:
        """Whether this key's element limit covers ``element`` (a lookup hides the others' messages)."""
        return self.elements is None or element in self.elements

    def require(self, scope: Scope) -> None:
        """403 unless this key has ``scope``."""
        if scope not in self.scopes:
            raise RequestError(f"this API key lacks the {scope!r} scope", status=403)

    def authorize(self, element: str, template: str) -> None:
        """403 when this key may not use ``element`` or ``template``."""
        if self.elements is not None and element not in self.elements:
            raise RequestError(f"this API key may not use element {element}", status=403)
        if self.templates is not None and template not in self.templates:
            raise RequestError(f"this API key may not use template {template}", status=403)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def authenticate(app: App, authorization: str | None) -> Caller:
    """The caller behind ``Authorization: Bearer <key>``, or a 401 that reveals nothing."""
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise unauthorized()
    digest = hash_key(presented.strip())
    match = None
    for entry in load_keys(app):  # every entry is compared, so timing does not tell which matched
        if hmac.compare_digest(entry.sha256, digest):
            match = entry
    if match is None:
        raise unauthorized()
    return Caller(
        match.id,
        None if match.elements is None else frozenset(match.elements),
        None if match.templates is None else frozenset(match.templates),
        DEFAULT_SCOPES if match.scopes is None else frozenset(match.scopes),
    )


def load_keys(app: App) -> list[KeyEntry]:
    name = app.settings.api_keys_secret
    if not name:
        log.error("auth.unconfigured", hint="set SMS_API_KEYS_SECRET to the KMS secret holding the API key hashes")
        return []
    return _parse_keys(name, app.secrets.get(name))  # the secret's text is cached; so is its parse


@functools.lru_cache(maxsize=4)
def _parse_keys(name: str, text: str) -> list[KeyEntry]:
    try:
        return KeyFile.model_validate_json(text).keys
    except ValidationError as error:  # pydantic's messages name the field, never its value
        raise ConfigError(f"KMS secret {name!r} (SMS_API_KEYS_SECRET) is not a valid API key file: "
                          f"{describe(error, dotted=True)}") from None


def new_entry(key_id: str, elements: list[str] | None = None, templates: list[str] | None = None,
              scopes: list[str] | None = None) -> tuple[str, dict]:
    """A fresh key and the entry to add to the secret."""
    key = "sk_" + secrets.token_urlsafe(32)
    entry: dict = {"id": key_id, "sha256": hash_key(key)}
    if scopes:
        entry["scopes"] = scopes
    if elements:
        entry["elements"] = elements
    if templates:
        entry["templates"] = templates
    return key, entry


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m shared.fc.api_keys", description="Mint an API key.")
    parser.add_argument("command", choices=["new"])
    parser.add_argument("--id", required=True, help="a name for the caller, safe to log")
    parser.add_argument("--elements", nargs="*", help="limit the key to these SMS elements")
    parser.add_argument("--templates", nargs="*", help="limit the key to these template codes")
    parser.add_argument("--scopes", nargs="*", choices=[SEND, READ], help="what the key may do (default: send)")
    args = parser.parse_args(argv)
    key, entry = new_entry(args.id, args.elements, args.templates, args.scopes)
    print(f"key (give it to the caller, store it nowhere else): {key}")
    print(f"entry (add it to the secret's \"keys\"): {json.dumps(entry)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
