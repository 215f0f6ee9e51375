"""The one formatter of pydantic errors: each wrong field named where the caller can find it."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.errors import InvalidParameterError

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, where: str) -> M:
    """``data`` as ``model``; a 46001 naming each wrong field (``body.phoneList[0]``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidParameterError(describe(exc, where)) from None


def describe(exc: ValidationError, where: str = "", *, dotted: bool = False) -> str:
    """Each problem as ``body.field[0]: message``; ``dotted`` writes JSON paths of config files
    as ``field.0`` (``(root)`` for the file itself)."""
    return "; ".join(f"{location(where, err['loc'], dotted)}: {err['msg']}" for err in exc.errors())


def location(where: str, loc: tuple[Any, ...], dotted: bool = False) -> str:
    """``where`` followed by pydantic's path: ``body.phoneList[0]`` (``phoneList.0`` if ``dotted``)."""
    text = where
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) and not dotted else f".{part}"
    return text.lstrip(".") or "(root)"
