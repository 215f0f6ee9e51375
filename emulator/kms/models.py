"""The KMS backend: generic secrets with versions and stages, keys, and ciphertexts that only it reads.

Seed section ``kms`` (all keys optional)::

    {"secrets": {
        "sms/plain": "<text>",
        "sms/rotated": {"versions": [
            {"versionId": "v1", "data": "<old text>", "stages": ["ACSPrevious"]},
            {"versionId": "v2", "data": "<new text>", "stages": ["ACSCurrent"]}]}},
     "keys": ["key-hzz0001", "alias/sms-fc-store"]}

A plain string is one version ``v1`` in stage ``ACSCurrent``. A secret needs exactly one version in
``ACSCurrent`` and a stage labels at most one version. Seeding a name again replaces that secret.
:meth:`KmsBackend.put_secret` adds a version the way a rotation does: the new one becomes
``ACSCurrent``, the old current one ``ACSPrevious``, and the old previous one loses its stage (it
stays readable by ``VersionId``).

``keys`` are the customer master keys GenerateDataKey accepts, each by the name a request gives
(a key id or an ``alias/…``; an ARN ``acs:kms:<region>:<account>:key/<id>`` or ``…:alias/<name>``
names the same key); any other KeyId is ``Forbidden.KeyNotFound``, for Encrypt as for GenerateDataKey.
Ciphertexts: see :mod:`emulator.kms.ciphers`.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from emulator.core.clock import Clock
from emulator.core.ids import Ids
from emulator.kms import ciphers
from emulator.kms.ciphers import Plaintext
from emulator.kms.errors import InvalidSecretName, KeyNotFound, RejectedValueError, ResourceNotFound

SECRET_NAME = re.compile(r"^[0-9A-Za-z_/+=.@-]{1,192}$")
SECRET_ARN = re.compile(r"^acs:kms:[^:]*:[^:]*:secret/(?P<name>.+)$")
CURRENT = "ACSCurrent"
PREVIOUS = "ACSPrevious"
KEY_ARN = re.compile(r"^acs:kms:[^:]*:[^:]*:(?:key/(?P<id>.+)|(?P<alias>alias/.+))$")


@dataclass(frozen=True)
class SecretVersion:
    version_id: str
    data: str
    stages: tuple[str, ...]
    created: float


@dataclass
class Secret:
    name: str
    created: float
    versions: dict[str, SecretVersion] = field(default_factory=dict)

    def find(self, version_id: str | None, stage: str | None) -> SecretVersion | None:
        """The version with that id (and stage, when both are given), or the one in ``stage``."""
        if version_id is not None:
            version = self.versions.get(version_id)
            if version is None or (stage is not None and stage not in version.stages):
                return None
            return version
        wanted = stage or CURRENT
        return next((v for v in self.versions.values() if wanted in v.stages), None)

    def next_version_id(self) -> str:
        number = len(self.versions) + 1
        while f"v{number}" in self.versions:
            number += 1
        return f"v{number}"


def secret_name(text: str) -> str:
    """``SecretName`` as a name or an ARN ``acs:kms:<region>:<account>:secret/<name>`` → the name."""
    if text.startswith("acs:"):
        match = SECRET_ARN.match(text)
        if match is None:
            raise InvalidSecretName(f"The specified parameter SecretName is not a valid secret ARN: {text}")
        return match.group("name")
    return text


def key_name(text: str) -> str:
    """``KeyId`` as a key id, an alias or an ARN → the name the seed lists."""
    match = KEY_ARN.match(text)
    if match is None:
        return text
    return match.group("id") or match.group("alias")


def parse_keys(entries: Any) -> list[str]:
    """``kms.keys`` → key names; raises ValueError naming the field."""
    if not isinstance(entries, list):
        raise ValueError("kms.keys must be a list of key ids or aliases")
    for index, entry in enumerate(entries):
        if not isinstance(entry, str) or not entry or entry != entry.strip() or len(entry) > 256:
            raise ValueError(f"kms.keys[{index}] must be a key id or alias (a non-empty string without spaces)")
    return [key_name(entry) for entry in entries]


def _version(entry: Any, where: str, now: float) -> SecretVersion:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} must be an object")
    version_id, data, stages = entry.get("versionId"), entry.get("data"), entry.get("stages", [])
    if not isinstance(version_id, str) or not version_id:
        raise ValueError(f"{where}.versionId must be a non-empty string")
    if not isinstance(data, str):
        raise ValueError(f"{where}.data must be a string")
    if not isinstance(stages, list) or not all(isinstance(s, str) and s for s in stages):
        raise ValueError(f"{where}.stages must be a list of stage names")
    return SecretVersion(version_id, data, tuple(dict.fromkeys(stages)), now)


def parse_secret(name: Any, value: Any, now: float) -> Secret:
    """One ``kms.secrets`` entry → :class:`Secret`; raises ValueError naming the field."""
    where = f"kms.secrets.{name}"
    if not isinstance(name, str) or not SECRET_NAME.match(name):
        raise ValueError(f"{where}: a secret name is 1-192 of [0-9A-Za-z_/+=.@-]")
    if isinstance(value, str):
        versions = [SecretVersion("v1", value, (CURRENT,), now)]
    elif isinstance(value, Mapping) and isinstance(value.get("versions"), list) and value["versions"]:
        versions = [_version(entry, f"{where}.versions[{i}]", now) for i, entry in enumerate(value["versions"])]
    else:
        raise ValueError(f'{where} must be a string or {{"versions": [{{"versionId", "data", "stages"}}]}}')
    if len({v.version_id for v in versions}) != len(versions):
        raise ValueError(f"{where}: versionIds must be unique")
    stages = [stage for v in versions for stage in v.stages]
    if len(set(stages)) != len(stages):
        raise ValueError(f"{where}: a stage may label only one version")
    if CURRENT not in stages:
        raise ValueError(f"{where}: one version must be in stage {CURRENT}")
    return Secret(name, now, {v.version_id: v for v in versions})


class KmsBackend:
    """The secrets and keys of one emulated account."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.reset()

    def reset(self) -> None:
        self.secrets: dict[str, Secret] = {}
        self.keys: set[str] = set()

    def prepare_seed(self, section: Any) -> Callable[[], None]:
        """Validate seed section ``kms`` completely; return the function that applies it."""
        if not isinstance(section, Mapping):
            raise ValueError("kms must be an object")
        entries = section.get("secrets", {})
        if not isinstance(entries, Mapping):
            raise ValueError("kms.secrets must be an object of name → text")
        now = self.clock.now()
        secrets = [parse_secret(name, value, now) for name, value in entries.items()]
        keys = parse_keys(section.get("keys", []))

        def apply() -> None:
            self.secrets.update((secret.name, secret) for secret in secrets)
            self.keys.update(keys)

        return apply

    def put_secret(self, name: str, data: str) -> SecretVersion:
        """A new ``ACSCurrent`` version of ``name`` (creating the secret when it does not exist)."""
        if not SECRET_NAME.match(name):
            raise ValueError(f"{name!r} is not a valid secret name: 1-192 of [0-9A-Za-z_/+=.@-]")
        if not isinstance(data, str):
            raise ValueError("secret data must be a string")
        now = self.clock.now()
        secret = self.secrets.setdefault(name, Secret(name, now))
        for version in list(secret.versions.values()):
            stages = tuple(s for s in version.stages if s != PREVIOUS)
            if CURRENT in stages:
                stages = tuple(s for s in stages if s != CURRENT) + (PREVIOUS,)
            secret.versions[version.version_id] = replace(version, stages=stages)
        version = SecretVersion(secret.next_version_id(), data, (CURRENT,), now)
        secret.versions[version.version_id] = version
        return version

    def secret_value(self, name: str, version_id: str | None = None,
                     stage: str | None = None) -> tuple[Secret, SecretVersion]:
        """GetSecretValue's lookup: a name or ARN, then a version by id and/or stage."""
        secret = self.secrets.get(secret_name(name))
        version = secret.find(version_id, stage) if secret is not None else None
        if secret is None or version is None:
            raise ResourceNotFound()
        return secret, version

    def encrypt(self, key_id: str, plaintext: str, context: dict[str, Any] | None) -> tuple[str, str]:
        """(CiphertextBlob, KeyVersionId) under the seeded key ``key_id`` names."""
        return ciphers.seal(self.key(key_id), plaintext, context)

    def generate_data_key(self, key_id: str, size: int, context: dict[str, Any] | None) -> tuple[Plaintext, str]:
        """A new data key of ``size`` random bytes (its text is their base64) and its CiphertextBlob."""
        name = self.key(key_id)
        plaintext = base64.b64encode(os.urandom(size)).decode("ascii")
        blob, version = ciphers.seal(name, plaintext, context)
        return Plaintext(plaintext, name, version), blob

    def key(self, key_id: str) -> str:
        """The seeded key ``key_id`` names, or ``Forbidden.KeyNotFound``."""
        name = key_name(key_id)
        if name not in self.keys:
            raise KeyNotFound()
        return name

    def decrypt(self, blob: str, context: dict[str, Any] | None) -> Plaintext:
        plaintext = ciphers.unseal(blob, context)
        if plaintext is None:
            raise RejectedValueError()
        return plaintext

    def describe(self) -> list[dict[str, Any]]:
        """The control API's view: names, versions and stages (never the data)."""
        return [{"name": secret.name,
                 "versions": [{"versionId": v.version_id, "stages": list(v.stages)} for v in secret.versions.values()]}
                for secret in sorted(self.secrets.values(), key=lambda s: s.name)]
