"""``s.yaml`` (Serverless Devs 3, component fc3) read as the local runtime needs it.

What is resolved as ``s`` resolves it:

- ``${vars.x}``, ``${env('NAME', 'default')}`` / ``${env(NAME)}`` and ``${config('AccountID')}``
  (the local account id); anything else stays as written.
- ``extend: {name, ignore}`` on a resource: the named ``template`` entry minus the ``ignore``
  keys, deep-merged under the resource's ``props`` the way ``extend2(true, ...)`` does it
  (objects merge key by key, lists and scalars in ``props`` replace the template's).
- ``code: ./build/<name>`` is what ``make build`` assembles from ``functions/<name>/``, so
  locally it is ``functions/<name>/``; any other code directory is used as written.

Only ``component: fc3`` resources are functions; others are skipped.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCAL_ACCOUNT_ID = "1234567890123456"
DEFAULT_TIMEOUT = 3  # fc3's default when a function sets none
DEFAULT_MEMORY = 512
DEFAULT_ASYNC_RETRIES = 3  # FC's default maxAsyncRetryAttempts
DEFAULT_MAX_EVENT_AGE = 86400

EXPRESSION = re.compile(r"\$\{([^{}]*)\}")
CALL = re.compile(r"""^(env|config)\(\s*['"]?([^'",)]*)['"]?\s*(?:,\s*['"]?([^'")]*)['"]?\s*)?\)$""")


class ProjectError(ValueError):
    """s.yaml cannot be used: the message names the resource and the field."""


@dataclass(frozen=True)
class HttpTrigger:
    name: str
    methods: tuple[str, ...]
    auth_type: str


@dataclass(frozen=True)
class TimerTrigger:
    name: str
    cron: str
    enabled: bool
    payload: str


@dataclass(frozen=True)
class FunctionSpec:
    """One FC function: what the runtime needs to run it and trigger it."""

    resource: str  # the s.yaml resource name, e.g. send_sms (the local URL prefix)
    name: str  # functionName, e.g. sms-fc-send-sms
    handler: str
    code_dir: Path
    runtime: str
    memory: int
    timeout: int
    region: str
    environment: dict[str, str] = field(default_factory=dict)
    http: HttpTrigger | None = None
    timers: tuple[TimerTrigger, ...] = ()
    async_retries: int = DEFAULT_ASYNC_RETRIES
    max_event_age: int = DEFAULT_MAX_EVENT_AGE
    on_failure: str | None = None

    @property
    def handler_file(self) -> Path:
        """``index.handler`` → ``<code_dir>/index.py``."""
        module = self.handler.rsplit(".", 1)[0]
        return self.code_dir / (module.replace(".", "/") + ".py")

    def missing_code(self) -> str | None:
        """Why this function cannot run (its handler file is not there), or None."""
        if self.handler_file.is_file():
            return None
        return f"{self.resource}: {self.handler_file} does not exist (not written yet?)"


@dataclass(frozen=True)
class Project:
    name: str
    functions: dict[str, FunctionSpec]  # by resource name, in s.yaml order

    def find(self, name: str) -> FunctionSpec | None:
        """A function by resource name (``send_sms``) or functionName (``sms-fc-send-sms``)."""
        if name in self.functions:
            return self.functions[name]
        return next((spec for spec in self.functions.values() if spec.name == name), None)


def load_project(path: str | Path, *, account_id: str = LOCAL_ACCOUNT_ID,
                 environ: Mapping[str, str] | None = None) -> Project:
    """Read and resolve ``path``; raises ProjectError (or OSError) when it cannot be used."""
    import yaml  # dev dependency; only the local runtime reads s.yaml

    location = Path(path)
    try:
        document = yaml.safe_load(location.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ProjectError(f"{location}: not valid YAML: {error}") from None
    return parse_project(document, location.resolve().parent, account_id=account_id, environ=environ)


def parse_project(document: Any, base_dir: Path, *, account_id: str = LOCAL_ACCOUNT_ID,
                  environ: Mapping[str, str] | None = None) -> Project:
    if not isinstance(document, Mapping) or not isinstance(document.get("resources"), Mapping):
        raise ProjectError("s.yaml must be a mapping with 'resources'")
    env = os.environ if environ is None else environ
    scope = Scope({}, account_id, env)
    scope.variables = resolve(dict(document.get("vars") or {}), scope)
    templates = document.get("template") or {}
    functions = {}
    for resource, body in document["resources"].items():
        if not isinstance(body, Mapping) or body.get("component") != "fc3":
            continue
        props = merged_props(str(resource), body, templates)
        functions[str(resource)] = function_spec(str(resource), resolve(props, scope), base_dir)
    return Project(str(document.get("name") or "sms-fc"), functions)


@dataclass
class Scope:
    variables: dict[str, Any]
    account_id: str
    environ: Mapping[str, str]


def resolve(value: Any, scope: Scope) -> Any:
    """``value`` with every ``${...}`` this module knows replaced (a whole-string reference keeps its type)."""
    if isinstance(value, Mapping):
        return {key: resolve(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    if not isinstance(value, str):
        return value
    whole = EXPRESSION.fullmatch(value)
    if whole:
        found, result = _evaluate(whole.group(1).strip(), scope)
        return result if found else value
    return EXPRESSION.sub(lambda m: _substitute(m, scope), value)


def _substitute(match: re.Match[str], scope: Scope) -> str:
    found, result = _evaluate(match.group(1).strip(), scope)
    return str(result) if found else match.group(0)


def _evaluate(expression: str, scope: Scope) -> tuple[bool, Any]:
    if expression.startswith("vars."):
        name = expression[len("vars."):]
        return (name in scope.variables, scope.variables.get(name))
    call = CALL.match(expression)
    if call is None:
        return False, None
    kind, name, default = call.groups()
    if kind == "config":
        return (name == "AccountID", scope.account_id)
    if name in scope.environ:
        return True, scope.environ[name]
    return (default is not None, default)


def deep_merge(base: Any, override: Any) -> Any:
    """``extend2(true, {}, base, override)``: objects merge recursively; anything else replaces."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(copy.deepcopy(base))
        for key, value in override.items():
            merged[key] = deep_merge(merged.get(key), value) if key in merged else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def merged_props(resource: str, body: Mapping[str, Any], templates: Mapping[str, Any]) -> dict[str, Any]:
    props = body.get("props") or {}
    extend = body.get("extend")
    if not extend:
        return dict(props)
    name = str(extend.get("name")) if isinstance(extend, Mapping) else ""
    if not isinstance(extend, Mapping) or name not in templates:
        raise ProjectError(f"{resource}.extend.name: no template named {name!r} in 'template'")
    ignored = set(extend.get("ignore") or [])
    template = {key: value for key, value in (templates[name] or {}).items() if key not in ignored}
    return dict(deep_merge(template, props))


def local_code_dir(code: Any, base_dir: Path, resource: str) -> Path:
    if not isinstance(code, str) or not code:
        raise ProjectError(f"{resource}.props.code: a code directory is required")
    parts = Path(code).parts
    if parts and parts[0] == ".":
        parts = parts[1:]
    if len(parts) == 2 and parts[0] == "build":  # make build's output → its source
        return base_dir / "functions" / parts[1]
    return (base_dir / code).resolve()


def function_spec(resource: str, props: Mapping[str, Any], base_dir: Path) -> FunctionSpec:
    name = props.get("functionName")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{resource}.props.functionName is required")
    http, timers = _triggers(resource, props.get("triggers") or [])
    config = props.get("asyncInvokeConfig") or {}
    on_failure = ((config.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
    environment = props.get("environmentVariables") or {}
    return FunctionSpec(
        resource=resource,
        name=name,
        handler=str(props.get("handler") or "index.handler"),
        code_dir=local_code_dir(props.get("code"), base_dir, resource),
        runtime=str(props.get("runtime") or ""),
        memory=_int(props, "memorySize", DEFAULT_MEMORY, resource),
        timeout=_int(props, "timeout", DEFAULT_TIMEOUT, resource),
        region=str(props.get("region") or "cn-hangzhou"),
        environment={str(key): "" if value is None else str(value) for key, value in environment.items()},
        http=http,
        timers=tuple(timers),
        async_retries=_int(config, "maxAsyncRetryAttempts", DEFAULT_ASYNC_RETRIES, resource),
        max_event_age=_int(config, "maxAsyncEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE, resource),
        on_failure=str(on_failure) if on_failure else None,
    )


def _triggers(resource: str, triggers: Any) -> tuple[HttpTrigger | None, list[TimerTrigger]]:
    if not isinstance(triggers, list):
        raise ProjectError(f"{resource}.props.triggers must be a list")
    http: HttpTrigger | None = None
    timers: list[TimerTrigger] = []
    for index, trigger in enumerate(triggers):
        where = f"{resource}.props.triggers[{index}]"
        if not isinstance(trigger, Mapping):
            raise ProjectError(f"{where} must be a mapping")
        kind, config = trigger.get("triggerType"), trigger.get("triggerConfig") or {}
        name = str(trigger.get("triggerName") or kind)
        if kind == "http":
            methods = tuple(str(m).upper() for m in config.get("methods") or ["GET", "POST"])
            http = HttpTrigger(name, methods, str(config.get("authType") or "function"))
        elif kind == "timer":
            if not config.get("cronExpression"):
                raise ProjectError(f"{where}.triggerConfig.cronExpression is required")
            timers.append(TimerTrigger(name, str(config["cronExpression"]), bool(config.get("enable", True)),
                                       str(config.get("payload") or "")))
    return http, timers


def _int(props: Mapping[str, Any], key: str, default: int, resource: str) -> int:
    value = props.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ProjectError(f"{resource}: {key} must be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ProjectError(f"{resource}: {key} must be an integer, got {value!r}") from None
