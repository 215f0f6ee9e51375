"""The one formatter of pydantic errors: each wrong field named where the caller can find it; and
the one reader of JSON that arrives from outside (events, pushes, payloads) without pydantic."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import AfterValidator, BaseModel, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from shared.errors import InvalidParameterError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
LONGEST_NAME = 64  # a caller's key longer than this is cut where an error names it


def parse_json(text: str | bytes) -> Any:
    """``json.loads``, where JSON nested past the parser's recursion limit is a ``JSONDecodeError``
    like any other unreadable JSON: ``json.loads`` raises ``RecursionError`` there, which would pass
    every "not JSON" answer by and end as a 500. (Pydantic's own parser refuses it as invalid JSON.)"""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text if isinstance(text, str) else "", 0) from None


def is_utf8(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8: a lone surrogate ("\\ud800", which Python's JSON
    reader lets in) cannot, and fails wherever the text is sent, logged or answered."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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


def checked(check: Callable[[Any], T], *, plain: bool = False) -> AfterValidator | PlainValidator:
    """A pydantic validator running ``check``, one of the checks the library's own edges use:
    its 46001 becomes this field's error, so a body names the field as ``body.phoneList[2]: ...``.

    ``plain``: ``check`` takes the raw value and checks its type itself (the annotation then
    states what ``check`` returns); otherwise it runs after the annotation's own validation."""

    def run(value: Any) -> T:
        try:
            return check(value)
        except InvalidParameterError as error:
            raise PydanticCustomError("invalid", "{reason}", {"reason": error.message}) from None

    return PlainValidator(run) if plain else AfterValidator(run)


def location(where: str, loc: tuple[Any, ...], dotted: bool = False) -> str:
    """``where`` followed by pydantic's path: ``body.phoneList[0]`` (``phoneList.0`` if ``dotted``).

    A key the caller chose (a ``params`` name) is cut to :data:`LONGEST_NAME` characters."""
    text = where
    for part in loc:
        if isinstance(part, str) and len(part) > LONGEST_NAME:
            part = part[: LONGEST_NAME - 1] + "…"
        text += f"[{part}]" if isinstance(part, int) and not dotted else f".{part}"
    return text.lstrip(".") or "(root)"
