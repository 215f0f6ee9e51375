"""Where element JSON comes from: a local directory, or OSS (``shared.config.oss``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from shared.config.files import names_from_paths, parse_json
from shared.errors import ConfigError

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.settings import Settings


class ElementSource(Protocol):
    """Reads element files by their path relative to the source root, e.g. ``SMS/Foo/e.json``."""

    def read_json(self, path: str) -> Any | None:
        """The parsed JSON, or None when the file does not exist."""

    def describe(self, path: str) -> str:
        """Where ``path`` lives, for error messages."""

    def list_names(self) -> list[str]:
        """Full names of every element in the source (every ``.../e.json``), sorted."""


class DirectorySource:
    """Element files in a local directory with JitAi's layout (``SMS/<Name>/e.json``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def read_json(self, path: str) -> Any | None:
        file = self.root / path
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"{self.describe(path)}: cannot read ({exc.strerror})") from None
        return parse_json(text, self.describe(path))

    def describe(self, path: str) -> str:
        return str(self.root / path)

    def list_names(self) -> list[str]:
        return sorted(names_from_paths(str(p.relative_to(self.root).as_posix()) for p in self.root.rglob("e.json")))

    def __repr__(self) -> str:
        return f"DirectorySource({str(self.root)!r})"


def open_source(settings: Settings, credentials: Callable[[], Credentials | None]) -> ElementSource:
    """The source named by ``SMS_ELEMENTS_SOURCE``: ``oss://<bucket>/<prefix>`` or a local directory."""
    spec = settings.elements_source
    if spec.startswith("oss://"):
        from shared.config.oss import OssSource

        return OssSource(spec, settings, credentials)
    if "://" in spec:
        raise ConfigError(f"SMS_ELEMENTS_SOURCE: unsupported source {spec!r}; use oss://bucket/prefix or a directory")
    path = Path(spec)
    if not path.is_dir():
        raise ConfigError(f"SMS_ELEMENTS_SOURCE: {spec!r} is not a directory")
    return DirectorySource(path)
