"""The control API under ``/_emulator/`` (JSON in, JSON out; errors are ``{"error": "..."}``).

====================  ======================  ===============================================
method                path                    what
====================  ======================  ===============================================
GET                   /_emulator/health       ``{"status": "ok"}``
GET                   /_emulator/outbox       the outbox web page (:mod:`emulator.web`); ``/_emulator`` redirects there
POST                  /_emulator/reset        back to the start-up seed; clears everything else
POST                  /_emulator/seed         merge seed JSON (``?replace=true``: clear seeded data first)
GET                   /_emulator/sms/messages ``{"total", "messages"}`` newest first; filters ``phone``,
                                              ``templateCode``, ``signName``, ``bizId``, ``status``, ``limit``,
                                              ``phoneContains`` (part of the number), ``templateContains``
                                              (part of the code, any case)
DELETE                /_emulator/sms/messages empty the outbox → ``{"deleted": n}``
GET / PUT             /_emulator/sms/push     push settings ``{"reportUrl", "upUrl", "timeoutMs", "retryDelaysSeconds",
                                              "batchSize"}``; PUT merges the keys given (seed ``sms.push``)
GET / PUT             /_emulator/sms/account  account state ``{"suspended", "balance", "dayLimit", "monthLimit",
                                              "testNumbers"}`` and usage ``sentToday``, ``sentThisMonth``; PUT
                                              merges the keys given (seed ``sms.account``)
GET                   /_emulator/sms/pushes   ``{"total", "pushes"}`` newest first; filters ``kind`` (``SmsReport`` |
                                              ``SmsUp``), ``status`` (pending, retrying, accepted, failed), ``limit``
DELETE                /_emulator/sms/pushes   forget every push and waiting receipt → ``{"deleted": n}``
POST                  /_emulator/sms/replies  a user's reply ``{"phone", "content", "signName"?, "destCode"?}`` (or a
                                              list of them: one batch) pushed as SmsUp → the push
GET / PUT / DELETE    /_emulator/chaos        ``{"rules": [...]}`` (see :mod:`emulator.core.chaos`)
GET / DELETE          /_emulator/stats        ``{"sms": {"SendSms": n, ...}}``
GET / POST            /_emulator/clock        ``{"now", "offset"}``; POST ``{"advance": s}`` or ``{"set": epoch}``
GET                   /_emulator/kms/secrets  ``{"secrets": [{"name", "versions": [{"versionId", "stages"}]}]}``
PUT                   /_emulator/kms/secrets/ ``<name>`` with ``{"data": "..."}``: a new ACSCurrent version
                      <name>                  (the old one becomes ACSPrevious) → ``{"name", "versionId"}``
GET                   /_emulator/oss          ``{"buckets": {"<bucket>": ["<key>", ...]}}``
====================  ======================  ===============================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from emulator import web
from emulator.core.chaos import parse_rules
from emulator.core.exchange import Request, Response
from emulator.sms.models import Reply
from emulator.sms.outbox import MessageFilter, china_date
from emulator.sms.pushes import PushNotConfigured
from emulator.state import Emulator

Handler = Callable[[Request], Response]
NamedHandler = Callable[[Request, str], Response]
TRUE_WORDS = ("1", "true", "yes")


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _json_object(request: Request) -> dict[str, Any]:
    try:
        payload = request.json()
    except ValueError as error:
        raise ControlError(f"the body is not valid JSON: {error}") from None
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ControlError("the body must be a JSON object")
    return payload


def _int_query(request: Request, name: str) -> int | None:
    text = request.query_value(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise ControlError(f"query parameter {name} must be an integer") from None


def _bind(handler: NamedHandler, name: str) -> Handler:
    return lambda request: handler(request, name)


def message_filter(request: Request) -> MessageFilter:
    """``GET /_emulator/sms/messages`` query → filter."""
    return MessageFilter(
        phone=request.query_value("phone") or None,
        template_code=request.query_value("templateCode") or None,
        sign_name=request.query_value("signName") or None,
        biz_id=request.query_value("bizId") or None,
        status=_int_query(request, "status"),
        phone_contains=request.query_value("phoneContains") or None,
        template_contains=request.query_value("templateContains") or None,
    )


def parse_reply(entry: Any, index: int) -> Reply:
    """One entry of ``POST /_emulator/sms/replies``."""
    where = f"replies[{index}]"
    if not isinstance(entry, dict):
        raise ControlError(f'{where} must be an object {{"phone", "content", "signName"?, "destCode"?}}')
    unknown = sorted(set(entry) - {"phone", "content", "signName", "destCode"})
    if unknown:
        raise ControlError(f"{where} has unknown fields {unknown}")
    phone, content = entry.get("phone"), entry.get("content")
    if not isinstance(phone, str) or not phone:
        raise ControlError(f"{where}.phone must be a mobile number (a string)")
    if not isinstance(content, str) or not content:
        raise ControlError(f"{where}.content must be a non-empty string")
    sign_name, dest_code = entry.get("signName"), entry.get("destCode")
    if sign_name is not None and (not isinstance(sign_name, str) or not sign_name):
        raise ControlError(f"{where}.signName must be a non-empty string")
    if dest_code is not None and (not isinstance(dest_code, str) or not dest_code.isascii() or not dest_code.isdigit()):
        raise ControlError(f"{where}.destCode must be a string of digits")
    return Reply(phone, content, sign_name, dest_code)


class Control:
    """Handles ``/_emulator/...`` requests against one :class:`Emulator`."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.routes: dict[str, dict[str, Handler]] = {
            "/_emulator": {"GET": lambda _: web.redirect_to_page()},
            web.PAGE_PATH: {"GET": lambda _: web.page()},
            "/_emulator/health": {"GET": lambda _: Response.json({"status": "ok"})},
            "/_emulator/reset": {"POST": self.reset},
            "/_emulator/seed": {"POST": self.seed},
            "/_emulator/sms/messages": {"GET": self.list_messages, "DELETE": self.delete_messages},
            "/_emulator/sms/push": {"GET": self.get_push, "PUT": self.put_push},
            "/_emulator/sms/account": {"GET": self.get_account, "PUT": self.put_account},
            "/_emulator/sms/pushes": {"GET": self.list_pushes, "DELETE": self.delete_pushes},
            "/_emulator/sms/replies": {"POST": self.post_replies},
            "/_emulator/chaos": {"GET": self.get_chaos, "PUT": self.put_chaos, "DELETE": self.delete_chaos},
            "/_emulator/stats": {"GET": self.get_stats, "DELETE": self.delete_stats},
            "/_emulator/clock": {"GET": self.get_clock, "POST": self.move_clock},
            "/_emulator/kms/secrets": {"GET": self.list_secrets},
            "/_emulator/oss": {"GET": self.list_buckets},
        }
        self.named_routes: dict[str, dict[str, NamedHandler]] = {
            "/_emulator/kms/secrets/": {"PUT": self.put_secret},
            web.ASSET_PREFIX: {"GET": self.get_asset},
        }

    def __call__(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        methods: dict[str, Handler] | None = self.routes.get(path)
        if methods is None:
            methods = self._named(path)
        if methods is None:
            return Response.json({"error": f"no control endpoint {request.path}"}, 404)
        handler = methods.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(methods))
            return Response.json({"error": f"use {allowed} on {request.path}"}, 405, {"Allow": allowed})
        try:
            return handler(request)
        except ControlError as error:
            return Response.json({"error": str(error)}, error.status)

    def _named(self, path: str) -> dict[str, Handler] | None:
        """Routes ending in a (percent-encoded) name such as a secret's ``sms/default``."""
        for prefix, methods in self.named_routes.items():
            if path.startswith(prefix) and len(path) > len(prefix):
                name = unquote(path[len(prefix):])
                return {method: _bind(handler, name) for method, handler in methods.items()}
        return None

    def get_asset(self, request: Request, name: str) -> Response:
        found = web.asset(name)
        if found is None:
            raise ControlError(f"no outbox file {name}", 404)
        return found

    def reset(self, request: Request) -> Response:
        self.emulator.reset()
        return Response.json({"status": "reset"})

    def seed(self, request: Request) -> Response:
        replace = (request.query_value("replace") or "").lower() in TRUE_WORDS
        try:
            self.emulator.seed(_json_object(request), replace=replace)
        except ValueError as error:
            raise ControlError(str(error)) from None
        return Response.json({"status": "seeded"})

    def list_messages(self, request: Request) -> Response:
        limit = _int_query(request, "limit")
        if limit is not None and limit < 0:
            raise ControlError("query parameter limit must be >= 0")
        total, messages = self.emulator.sms.messages(message_filter(request), limit)
        return Response.json({"total": total, "messages": messages})

    def delete_messages(self, request: Request) -> Response:
        return Response.json({"deleted": self.emulator.sms.outbox.clear()})

    def get_push(self, request: Request) -> Response:
        return Response.json(self.emulator.sms.pushes.settings.to_dict())

    def put_push(self, request: Request) -> Response:
        try:
            self.emulator.seed({"sms": {"push": _json_object(request)}})
        except ValueError as error:
            raise ControlError(str(error)) from None
        return self.get_push(request)

    def get_account(self, request: Request) -> Response:
        sms = self.emulator.sms
        with self.emulator.lock:
            return Response.json(sms.account.to_dict(china_date(sms.clock.now())))

    def put_account(self, request: Request) -> Response:
        """Change the account as seed ``sms.account`` does (the keys given; usage is kept)."""
        try:
            self.emulator.seed({"sms": {"account": _json_object(request)}})
        except ValueError as error:
            raise ControlError(str(error)) from None
        return self.get_account(request)

    def list_pushes(self, request: Request) -> Response:
        limit = _int_query(request, "limit")
        if limit is not None and limit < 0:
            raise ControlError("query parameter limit must be >= 0")
        try:
            total, pushes = self.emulator.sms.pushes.describe(
                request.query_value("kind") or None, request.query_value("status") or None, limit)
        except ValueError as error:
            raise ControlError(str(error)) from None
        return Response.json({"total": total, "pushes": pushes})

    def delete_pushes(self, request: Request) -> Response:
        return Response.json({"deleted": self.emulator.sms.pushes.clear()})

    def post_replies(self, request: Request) -> Response:
        try:
            payload = request.json()
        except ValueError as error:
            raise ControlError(f"the body is not valid JSON: {error}") from None
        entries = payload if isinstance(payload, list) else [payload]
        if not entries:
            raise ControlError("send a reply object or a non-empty list of them")
        replies = [parse_reply(entry, i) for i, entry in enumerate(entries)]
        try:
            push = self.emulator.sms.reply(replies)
        except ValueError as error:
            raise ControlError(str(error), 409 if isinstance(error, PushNotConfigured) else 400) from None
        return Response.json(push.to_dict())

    def get_chaos(self, request: Request) -> Response:
        return Response.json({"rules": self.emulator.chaos.rules()})

    def put_chaos(self, request: Request) -> Response:
        try:
            rules = parse_rules(_json_object(request))
        except ValueError as error:
            raise ControlError(str(error)) from None
        self.emulator.chaos.set_rules(rules)
        return self.get_chaos(request)

    def delete_chaos(self, request: Request) -> Response:
        self.emulator.chaos.set_rules([])
        return self.get_chaos(request)

    def get_stats(self, request: Request) -> Response:
        return Response.json(self.emulator.stats.snapshot())

    def delete_stats(self, request: Request) -> Response:
        self.emulator.stats.reset()
        return Response.json({})

    def get_clock(self, request: Request) -> Response:
        clock = self.emulator.clock
        return Response.json({"now": clock.now(), "offset": clock.offset})

    def move_clock(self, request: Request) -> Response:
        payload = _json_object(request)
        for name, move in (("advance", self.emulator.clock.advance), ("set", self.emulator.clock.set)):
            value = payload.get(name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ControlError(f"{name} must be a number")
                move(value)
                return self.get_clock(request)
        raise ControlError('send {"advance": seconds} or {"set": epoch}')

    def list_secrets(self, request: Request) -> Response:
        with self.emulator.lock:
            return Response.json({"secrets": self.emulator.kms.describe()})

    def put_secret(self, request: Request, name: str) -> Response:
        data = _json_object(request).get("data")
        if not isinstance(data, str):
            raise ControlError('send {"data": "<secret text>"}')
        try:
            with self.emulator.lock:
                version = self.emulator.kms.put_secret(name, data)
        except ValueError as error:
            raise ControlError(str(error)) from None
        return Response.json({"name": name, "versionId": version.version_id, "stages": list(version.stages)})

    def list_buckets(self, request: Request) -> Response:
        with self.emulator.lock:
            return Response.json({"buckets": self.emulator.oss.describe()})
