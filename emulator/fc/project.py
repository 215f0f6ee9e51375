"""``s.yaml`` (Serverless Devs 3, component fc3) read as the local runtime needs it.

What is resolved as ``s`` resolves it:

- ``${vars.x}``, ``${env('NAME', 'default')}`` / ``${env(NAME)}`` and ``${config('AccountID')}``
  (the local account id); anything else stays as written.
- ``extend: {name, ignore}`` on a resource: the named ``template`` entry minus the ``ignore``
  keys, deep-merged under the resource's ``props`` the way ``extend2(true, ...)`` does it
  (objects merge key by key, lists and scalars in ``props`` replace the template's).
- ``code: ./build/<name>`` is what ``make build`` assembles from ``functions/<name>/``, so
  locally it is ``functions/<name>/``; any other code directory is used as written.

Only ``component: fc3`` resources are functions; others are skipped. Triggers read: ``http``,
``timer`` and ``eventbridge`` with an MNS queue source (an EventBridge event stream, FC 2023-03-30
API's ``TriggerConfig``: ``eventSourceConfig``, ``eventSinkConfig.deliveryOption``, ``runOptions``
with ``batchWindow``, ``retryStrategy``, ``deadLetterQueue``, ``errorsTolerance``); any other trigger
is named in ``unsupported_triggers`` (the local runtime does not run it).
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
# EventBridge event streams (docs "重试和死信", retry-and-dead-letter): BACKOFF_RETRY is the default,
# 3 retries; EXPONENTIAL_DECAY_RETRY retries up to 176 times over a day.
DEFAULT_PUSH_RETRIES = {"BACKOFF_RETRY": 3, "EXPONENTIAL_DECAY_RETRY": 176}
DEFAULT_PUSH_MAX_AGE = 86400
MNS_QUEUE_ARN = re.compile(r"^acs:mns:[^:]*:[^:]*:/?queues/([^/]+)(?:/messages)?/?$")

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
class PushRetry:
    """An event stream's ``retryStrategy``: how often a failed push to the function is retried."""

    strategy: str = "BACKOFF_RETRY"
    max_attempts: int = DEFAULT_PUSH_RETRIES["BACKOFF_RETRY"]  # retries after the first push
    max_age: int = DEFAULT_PUSH_MAX_AGE  # seconds from the first push


@dataclass(frozen=True)
class MnsTrigger:
    """An ``eventbridge`` trigger whose source is an MNS queue (what ``s deploy`` makes an event stream)."""

    name: str
    queue: str
    base64_decode: bool = True  # SourceMNSParameters.IsBase64Decode, true by default
    asynchronous: bool = False  # asyncInvocationType: the push is an async invocation (FC answers 202)
    streaming: bool = False  # deliveryOption.mode event-streaming: a JSON array per batch
    schema: str = "CloudEvents"  # deliveryOption.eventSchema: CloudEvents or RawData (the data only)
    batch_size: int = 1  # batchWindow.CountBasedWindow
    batch_seconds: float = 0.0  # batchWindow.TimeBasedWindow
    retry: PushRetry = field(default_factory=PushRetry)
    dead_letter_queue: str | None = None  # deadLetterQueue.Arn, an MNS queue
    tolerate_errors: bool = True  # errorsTolerance ALL (NONE stops the stream at the first exhausted push)
    enabled: bool = True


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
    mns_triggers: tuple[MnsTrigger, ...] = ()
    unsupported_triggers: tuple[str, ...] = ()  # "name (type)": declared, not run locally

    @property
    def on_failure_queue(self) -> str | None:
        """The MNS queue of the async on-failure destination, if it is one."""
        return mns_queue(self.on_failure) if self.on_failure else None

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

    def queues(self) -> list[str]:
        """Every MNS queue the functions use (trigger sources, dead-letter queues, destinations), in order."""
        names: list[str | None] = []
        for spec in self.functions.values():
            for trigger in spec.mns_triggers:
                names += [trigger.queue, trigger.dead_letter_queue]
            names.append(spec.on_failure_queue)
        return list(dict.fromkeys(name for name in names if name))


def mns_queue(arn: str) -> str | None:
    """``acs:mns:<region>:<account>:/queues/<name>[/messages]`` → ``<name>``; None for anything else."""
    match = MNS_QUEUE_ARN.match(arn.strip())
    return match.group(1) if match else None


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
    http, timers, queues, unsupported = _triggers(resource, props.get("triggers") or [])
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
        mns_triggers=tuple(queues),
        unsupported_triggers=tuple(unsupported),
    )


def _triggers(resource: str, triggers: Any
              ) -> tuple[HttpTrigger | None, list[TimerTrigger], list[MnsTrigger], list[str]]:
    if not isinstance(triggers, list):
        raise ProjectError(f"{resource}.props.triggers must be a list")
    http: HttpTrigger | None = None
    timers: list[TimerTrigger] = []
    queues: list[MnsTrigger] = []
    unsupported: list[str] = []
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
        elif kind == "eventbridge" and _source_type(config) == "MNS":
            queues.append(_mns_trigger(name, config, where))
        else:
            source = f" {_source_type(config)}" if kind == "eventbridge" else ""
            unsupported.append(f"{name} ({kind}{source})")
    return http, timers, queues, unsupported


def _source_type(config: Mapping[str, Any]) -> str:
    return str((config.get("eventSourceConfig") or {}).get("eventSourceType") or "")


def _mns_trigger(name: str, config: Mapping[str, Any], where: str) -> MnsTrigger:
    source = config["eventSourceConfig"].get("eventSourceParameters") or {}
    mns = source.get("sourceMNSParameters") or {}
    if not mns.get("QueueName"):
        raise ProjectError(f"{where}.triggerConfig.eventSourceConfig.eventSourceParameters"
                           ".sourceMNSParameters.QueueName is required")
    delivery = (config.get("eventSinkConfig") or {}).get("deliveryOption") or {}
    run = config.get("runOptions") or {}
    window = run.get("batchWindow") or {}
    strategy = (run.get("retryStrategy") or {})
    strategy_name = str(strategy.get("PushRetryStrategy") or "BACKOFF_RETRY")
    retry = PushRetry(strategy_name,
                      _int(strategy, "MaximumRetryAttempts", DEFAULT_PUSH_RETRIES.get(strategy_name, 3), where),
                      _int(strategy, "MaximumEventAgeInSeconds", DEFAULT_PUSH_MAX_AGE, where))
    dead_letter = (run.get("deadLetterQueue") or {}).get("Arn")
    dead_letter_queue = mns_queue(str(dead_letter)) if dead_letter else None
    if dead_letter and dead_letter_queue is None:
        raise ProjectError(f"{where}.triggerConfig.runOptions.deadLetterQueue.Arn: only an MNS queue is emulated")
    mode = str(delivery.get("mode") or run.get("mode") or "event-driven")
    return MnsTrigger(
        name=name, queue=str(mns["QueueName"]), base64_decode=bool(mns.get("IsBase64Decode", True)),
        asynchronous=bool(config.get("asyncInvocationType", False)), streaming=mode == "event-streaming",
        schema=str(delivery.get("eventSchema") or "CloudEvents"),
        batch_size=max(1, _int(window, "CountBasedWindow", 1, where)),
        batch_seconds=float(_int(window, "TimeBasedWindow", 0, where)),
        retry=retry, dead_letter_queue=dead_letter_queue,
        tolerate_errors=str(run.get("errorsTolerance") or "ALL").upper() == "ALL",
        enabled=bool(config.get("triggerEnable", True)),
    )


def _int(props: Mapping[str, Any], key: str, default: int, resource: str) -> int:
    value = props.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ProjectError(f"{resource}: {key} must be an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ProjectError(f"{resource}: {key} must be an integer, got {value!r}") from None
