"""Reading seeds from disk (``--seed``): JSON files and directories of objects.

- A **file** is seed JSON (design.md's format plus the emulator's extensions).
- A **directory** is uploaded into one OSS bucket: every file below it (dot-files and
  ``__pycache__`` skipped) becomes the object ``<prefix>/<relative path>`` holding the file's
  bytes, so ``examples/elements`` (JitAi layout ``SMS/Default/e.json``) seeds
  ``oss://sms-fc-elements/SMS/Default/e.json`` by default. The bucket is created even when the
  directory is empty.

Several seeds merge in order (:func:`merge_seeds`): objects merge key by key, lists (sms signs and
templates) are concatenated, and a later scalar replaces an earlier one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DEFAULT_SEED = Path(__file__).with_name("default_seed.json")
DEFAULT_BUCKET = "sms-fc-elements"
SKIPPED_NAMES = ("__pycache__",)


def load_seed_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed must be a JSON object")
    return data


def load_seed_directory(root: Path, bucket: str = DEFAULT_BUCKET, prefix: str = "") -> dict[str, Any]:
    """``{"oss": {bucket: {"<prefix>/<relative path>": b"<file bytes>", ...}}}``."""
    objects: dict[str, bytes] = {}
    base = prefix.strip("/")
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or any(part.startswith(".") or part in SKIPPED_NAMES for part in parts):
            continue
        key = "/".join((base, *parts)) if base else "/".join(parts)
        objects[key] = path.read_bytes()
    return {"oss": {bucket: objects}}


def load_seed(path: str | Path, bucket: str = DEFAULT_BUCKET, prefix: str = "") -> dict[str, Any]:
    """The seed at ``path`` (a JSON file, or a directory for ``bucket`` under ``prefix``);
    raises ValueError (bad content) or OSError (unreadable)."""
    location = Path(path)
    if location.is_dir():
        return load_seed_directory(location, bucket, prefix)
    return load_seed_file(location)


def merge_seeds(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` merged over ``base`` (neither is changed)."""
    merged = dict(base)
    for name, value in extra.items():
        current = merged.get(name)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[name] = merge_seeds(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[name] = current + value
        else:
            merged[name] = value
    return merged


def load_seeds(paths: Iterable[str | Path], bucket: str = DEFAULT_BUCKET, prefix: str = "") -> dict[str, Any]:
    """Every seed in ``paths`` merged in order."""
    merged: dict[str, Any] = {}
    for path in paths:
        merged = merge_seeds(merged, load_seed(path, bucket, prefix))
    return merged


def default_seed() -> dict[str, Any]:
    """The test and development seed shipped in ``emulator/default_seed.json``."""
    return load_seed_file(DEFAULT_SEED)
