"""Reading seed JSON from disk (``--seed``).

Today a seed is one JSON file. A directory of seed files is meant to be added in
:func:`load_seed` by merging the files it holds, so callers need not change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_SEED = Path(__file__).with_name("default_seed.json")


def load_seed_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a seed must be a JSON object")
    return data


def load_seed(path: str | Path) -> dict[str, Any]:
    """The seed at ``path``; raises ValueError (bad content) or OSError (unreadable)."""
    location = Path(path)
    if location.is_dir():
        raise ValueError(f"{location}: seed directories are not supported yet; pass a JSON file")
    return load_seed_file(location)


def default_seed() -> dict[str, Any]:
    """The test and development seed shipped in ``emulator/default_seed.json``."""
    return load_seed_file(DEFAULT_SEED)
