"""The base of a POP service's actions on the wire, in the spirit of moto's ``BaseResponse``.

A service's ``responses.py`` subclasses :class:`BaseResponse`, hands it the table of action names
to handlers and reads its parameters with :func:`required` and :func:`optional`. A handler takes
the call's parameters and request id and returns the body's own fields; :meth:`BaseResponse.call`
puts ``envelope`` (Dysmsapi's ``Code``/``Message`` ``OK``) and ``RequestId`` in front of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from emulator.core.errors import MissingParameter, PopError

Params = dict[str, str]
Handler = Callable[[Params, str], dict[str, Any]]


def required(params: Params, name: str) -> str:
    """A mandatory parameter: ``Missing<name>`` when it is absent or empty."""
    value = params.get(name)
    if value is None or value == "":
        raise MissingParameter(name)
    return value


def optional(params: Params, name: str) -> str | None:
    """An optional parameter; an empty value counts as absent."""
    return params.get(name) or None


class BaseResponse:
    """Maps a service's action names to its handlers; what routing calls (see :mod:`emulator.core.routing`).

    ``business_messages`` are the service's business codes and their messages (a chaos ``error``
    fault naming a known code answers its message); ``fault_errors`` are the service's own gateway
    errors a chaos fault stands for (an ``error`` fault naming one keeps its status and message, an
    ``http`` fault without a code answers the one with its status); ``envelope`` leads every successful body.
    """

    business_messages: ClassVar[Mapping[str, str]] = {}
    fault_errors: ClassVar[tuple[type[PopError], ...]] = ()
    envelope: ClassVar[Mapping[str, str]] = {}

    def __init__(self, actions: Mapping[str, Handler]) -> None:
        self._actions = dict(actions)

    def has_action(self, action: str) -> bool:
        return action in self._actions

    def call(self, action: str, params: Params, request_id: str) -> dict[str, Any]:
        """Run one action; raises a PopError (gateway) or a BusinessError (business) on failure."""
        body = self._actions[action](params, request_id)
        return {**self.envelope, "RequestId": request_id, **body}
