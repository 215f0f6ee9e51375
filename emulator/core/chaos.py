"""Fault injection: rules set through ``PUT /_emulator/chaos``, drawn per POP request.

A rule is ``{"service": "sms" | "*", "action": "SendSms" | "*", "probability": 0..1,
"count": null | n, "fault": F}`` where F is one of

- ``{"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH", "message"?: str}``: business code in HTTP 200;
- ``{"type": "error", "code": "Throttling.User", "status": 400, "retryAfterMs"?: int, "message"?: str}``:
  a gateway error with that status (plus ``x-acs-retry-after`` when ``retryAfterMs`` is given);
- ``{"type": "http", "status": 503, "code"?: str}``: a 5xx (or any status) with a POP JSON body;
- ``{"type": "latency", "ms": 100}``: wait, then answer normally (other rules still apply);
- ``{"type": "drop"}``: read the request, close the connection without answering;
- ``{"type": "garbage"}``: HTTP 200 with a body that is not JSON.

Rules are tried in order; latency rules add up, the first other rule that fires decides the fault.
``count`` bounds how often a rule fires. Draws come from a seeded ``random.Random``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FAULT_TYPES = ("error", "http", "latency", "drop", "garbage")


@dataclass
class Fault:
    type: str
    code: str | None = None
    status: int | None = None
    message: str | None = None
    retry_after_ms: int | None = None
    ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        optional = {"code": self.code, "status": self.status, "message": self.message,
                    "retryAfterMs": self.retry_after_ms}
        data.update((name, value) for name, value in optional.items() if value is not None)
        if self.type == "latency":
            data["ms"] = self.ms
        return data


@dataclass
class ChaosRule:
    fault: Fault
    service: str = "*"
    action: str = "*"
    probability: float = 1.0
    count: int | None = None
    fired: int = 0

    def matches(self, service: str, action: str) -> bool:
        return self.service in ("*", service) and self.action in ("*", action)

    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "action": self.action, "probability": self.probability,
                "count": self.count, "fault": self.fault.to_dict(), "fired": self.fired}


@dataclass
class ChaosOutcome:
    """What chaos decided for one request: a delay, and maybe a fault to answer with."""

    delay_ms: int = 0
    fault: Fault | None = None
    fired: list[ChaosRule] = field(default_factory=list)


def _int_field(data: Mapping[str, Any], name: str, where: str, minimum: int = 0) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}.{name} must be an integer >= {minimum}")
    return value


def parse_fault(data: Any, where: str) -> Fault:
    if not isinstance(data, Mapping) or data.get("type") not in FAULT_TYPES:
        raise ValueError(f"{where}.type must be one of {', '.join(FAULT_TYPES)}")
    fault = Fault(type=str(data["type"]), message=data.get("message"), code=data.get("code"))
    fault.status = _int_field(data, "status", where, minimum=100)
    fault.retry_after_ms = _int_field(data, "retryAfterMs", where)
    if fault.type == "error" and not isinstance(fault.code, str):
        raise ValueError(f"{where}.code is required for an error fault")
    if fault.type == "http":
        fault.status = fault.status or 503
        if fault.status < 400:
            raise ValueError(f"{where}.status must be >= 400 for an http fault")
    if fault.type == "latency":
        fault.ms = _int_field(data, "ms", where) or 0
    return fault


def parse_rule(data: Any, index: int) -> ChaosRule:
    where = f"rules[{index}]"
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} must be an object")
    probability = data.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
        raise ValueError(f"{where}.probability must be a number from 0 to 1")
    return ChaosRule(
        fault=parse_fault(data.get("fault"), f"{where}.fault"),
        service=str(data.get("service") or "*"),
        action=str(data.get("action") or "*"),
        probability=float(probability),
        count=_int_field(data, "count", where),
    )


def parse_rules(payload: Any) -> list[ChaosRule]:
    """``{"rules": [...]}`` (or a bare list) → rules; raises ValueError naming the bad field."""
    rules = payload.get("rules") if isinstance(payload, Mapping) else payload
    if not isinstance(rules, list):
        raise ValueError("rules must be a list")
    return [parse_rule(rule, index) for index, rule in enumerate(rules)]


class Chaos:
    """The active rules and a seeded Random to draw from."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._rules: list[ChaosRule] = []
        self._lock = threading.Lock()

    def set_rules(self, rules: list[ChaosRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_dict() for rule in self._rules]

    def reseed(self, seed: int) -> None:
        """Restart the random sequence from ``seed``; rules stay."""
        with self._lock:
            self._seed = seed
            self._random = random.Random(seed)

    def reset(self) -> None:
        """No rules, and the random sequence restarted."""
        with self._lock:
            self._random = random.Random(self._seed)
            self._rules = []

    def draw(self, service: str, action: str) -> ChaosOutcome:
        """Decide the faults for one request, counting the rules that fire."""
        outcome = ChaosOutcome()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(service, action) or rule.exhausted() or not self._fires(rule):
                    continue
                rule.fired += 1
                outcome.fired.append(rule)
                if rule.fault.type == "latency":
                    outcome.delay_ms += rule.fault.ms
                    continue
                outcome.fault = rule.fault
                break
        return outcome

    def _fires(self, rule: ChaosRule) -> bool:
        if rule.probability >= 1:
            return True
        return rule.probability > 0 and self._random.random() < rule.probability
