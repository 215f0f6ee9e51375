"""One function instance: a process that imports ``<code_dir>/<module>.py`` and calls its handler.

Run by :mod:`emulator.fc.instances` as ``python emulator/fc/worker.py CODE_DIR HANDLER ROOT``
(a file, not ``-m``, so the instance imports nothing of the emulator: standard library only).
Protocol: one JSON request per line on stdin ``{"event": <base64>, "context": {...}}``, one JSON
answer per line on a private copy of the original stdout. Everything the function prints, its
JSON logs included, goes to stderr, bracketed by ``FC Invoke Start/End RequestId: ...`` lines as
in FC's logs. Like an FC 3.0 built-in runtime instance it serves one request at a time, and its
module globals survive between requests (a warm instance).
"""

import base64
import importlib.util
import json
import os
import sys
import traceback


class Credentials:
    def __init__(self, access_key_id, access_key_secret, security_token):
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.security_token = security_token

    def __repr__(self):
        return f"Credentials(access_key_id={self.access_key_id!r})"


class Attributes:
    def __init__(self, fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return f"{type(self).__name__}({self.__dict__!r})"


class FunctionMeta(Attributes):
    pass


class ServiceMeta(Attributes):
    pass


class FCContext:
    """The python3.10 runtime's context object."""

    def __init__(self, fields):
        self.request_id = fields["request_id"]
        self.credentials = Credentials(**fields["credentials"])
        self.function = FunctionMeta(fields["function"])
        self.service = ServiceMeta(fields["service"])
        self.region = fields["region"]
        self.account_id = fields["account_id"]

    def getLogger(self):  # noqa: N802 - FC's name
        import logging

        return logging.getLogger("fc")


def load_handler(code_dir, handler):
    module_name, _, function_name = handler.rpartition(".")
    path = os.path.join(code_dir, *module_name.split(".")) + ".py"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, function_name)


def encode_result(value):
    if isinstance(value, (bytes, bytearray)):
        return {"kind": "bytes", "data": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, str):
        return {"kind": "str", "data": value}
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return {"kind": "str", "data": str(value)}
    return {"kind": "json", "data": value}


def invoke(state, code_dir, handler, request):
    context = FCContext(request["context"])
    print(f"FC Invoke Start RequestId: {context.request_id}", file=sys.stderr, flush=True)
    try:
        if "handler" not in state:
            state["handler"] = load_handler(code_dir, handler)
        result = state["handler"](base64.b64decode(request["event"]), context)
        answer = {"ok": True, "result": encode_result(result)}
    except BaseException as error:  # noqa: BLE001 - the runtime reports every failure
        stack = traceback.format_exception(type(error), error, error.__traceback__)
        sys.stderr.write("".join(stack))
        answer = {"ok": False, "error": {"errorMessage": str(error), "errorType": type(error).__name__,
                                         "stackTrace": [line.rstrip("\n") for line in stack[1:]]}}
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            state["exit"] = True
    print(f"FC Invoke End RequestId: {context.request_id}", file=sys.stderr, flush=True)
    return answer


def main(argv):
    code_dir, handler, root = argv[1:4]
    sys.path[0:1] = [code_dir, root]  # the handler's directory first (FC's /code), then shared/
    os.chdir(root)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the function's stdout (print, JSON logs) joins stderr, like FC's log collection
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    state: dict = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = invoke(state, code_dir, handler, json.loads(line))
        answers.write(json.dumps(answer, ensure_ascii=False) + "\n")
        answers.flush()
        if state.get("exit"):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
