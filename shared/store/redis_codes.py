"""Verification codes on Redis: each operation one ``EVALSHA`` of a script in ``code_scripts``."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from shared.store import redis_code_scripts as code_scripts
from shared.store.base import CheckResult, CodeIssue, IssueResult, SendLog, stamp

CODES = "verify:"


class RedisCodes:
    """The code operations of :class:`~shared.store.redis.RedisStore`.

    Every key of one policy carries the policy's name as its hash tag (``verify:{Verify.Default}:…``:
    the part of the store's key before its first ``:``, in braces), so a multi-key script stays in
    one slot on a Redis Cluster.
    """

    clock: Callable[[], float]
    _run_keys: Callable[..., Any]

    def issue_code(self, issue: CodeIssue) -> IssueResult:
        now = self.clock()
        args: list[Any] = [issue.digest, stamp(issue.expires_at), stamp(issue.forget_at), issue.event,
                           "1" if issue.keep_previous else "0", len(issue.logs)]
        for log in issue.logs:
            args += [log.name, stamp(log.cooldown), stamp(log.span), len(log.windows)]
            for window in log.windows:
                args += [window.max, stamp(window.seconds)]
        keys = [issue.code_key, *(log.key for log in issue.logs)]
        if issue.budget is not None:
            keys.append(issue.budget.key)
            args += [issue.budget.max, stamp(issue.budget.resets_at)]
        else:
            args += ["", ""]
        keys.append(_call(issue.code_key, "issue", issue.event))
        reply = self._run_keys(code_scripts.ISSUE, [_tagged(key) for key in keys], now, *args)
        if reply[0] == 1:
            return IssueResult(True, cooldown_waived=reply[1:] == [1])
        _, limit, window, retry_after = reply
        return IssueResult(False, limit, float(window) if window else None, float(retry_after))

    def cancel_code(self, issue: CodeIssue, *, refund: frozenset[str]) -> None:
        keys = [issue.code_key, *(log.key for log in issue.logs if log.name in refund)]
        budget = issue.budget is not None and "budget" in refund
        if budget:
            assert issue.budget is not None
            keys.append(issue.budget.key)
        keys.append(_call(issue.code_key, "cancel", issue.event))
        self._run_keys(code_scripts.CANCEL, [_tagged(key) for key in keys], self.clock(), issue.digest, issue.event,
                       "1" if budget else "0")

    def check_code(self, code_key: str, digest: str, *, max_attempts: int, log: SendLog | None = None) -> CheckResult:
        nonce = secrets.token_hex(8)
        keys, args = [_tagged(code_key)], [digest, max_attempts, nonce]
        if log is not None:
            keys.append(_tagged(log.key))
            args += [stamp(log.span), len(log.windows)]
            for window in log.windows:
                args += [window.max, stamp(window.seconds)]
        keys.append(_tagged(_call(code_key, "check", nonce)))
        reply = self._run_keys(code_scripts.CHECK, keys, self.clock(), *args)
        if reply[0] == "limited":
            return CheckResult("limited", window=float(reply[1]), retry_after=float(reply[2]))
        return CheckResult(reply[0], int(reply[1]) if len(reply) > 1 else None)


def _call(code_key: str, kind: str, call_id: str) -> str:
    """The key a script keeps its answer under for a retry of the same call."""
    return f"{code_key.partition(':')[0]}:call:{kind}:{call_id}"


def _tagged(key: str) -> str:
    """``Verify.Default:code:…`` → ``verify:{Verify.Default}:code:…``."""
    policy, _, rest = key.partition(":")
    return f"{CODES}{{{policy}}}:{rest}"
