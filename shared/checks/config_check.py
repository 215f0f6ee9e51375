"""The config check: every element, secret, signature and template, with a fix for each finding.

Runs on a timer (functions/config_check), by hand (``make check`` or
``python -m shared.checks.config_check``), against the emulator or real Aliyun.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard

from shared import log
from shared.config.kms import is_reference
from shared.errors import ConfigError, ProviderError, SmsError

if TYPE_CHECKING:
    from shared.config.oss import OssSource
    from shared.elements.app import App
    from shared.elements.element import Element, TemplateNeed
    from shared.elements.loader import LoadedElement
    from shared.sms.aliyun import SmsAliyun

ACCESS_KEY_CODES = frozenset({
    "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "SignatureDoesNotMatch", "Forbidden.RAM",
    "isp.RAM_PERMISSION_DENY", "InvalidSecurityToken.MismatchWithAccessKey", "InvalidSecurityToken.Expired",
    "InvalidSecurityToken.Malformed", "MissingSecurityToken",
})
STATUS_NAMES: dict[Any, str] = {0: "under review", 1: "approved", 2: "rejected", 10: "cancelled"}
VARIABLE = re.compile(r"\$\{(\w+)\}")


class Finding(NamedTuple):  # a named tuple: no dataclass code to compile at import, a cheap _asdict()
    severity: str  # "error" or "warning"
    element: str
    check: str
    problem: str
    fix: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, severity: str, element: str, check: str, problem: str, fix: str) -> None:
        finding = Finding(severity, element, check, problem, fix)
        self.findings.append(finding)
        log.log("ERROR" if severity == "error" else "WARNING", "config_check.finding", **finding._asdict())

    def summary(self) -> dict[str, Any]:
        errors = sum(f.severity == "error" for f in self.findings)
        return {"ok": errors == 0, "elements": len(self.elements), "errors": errors,
                "warnings": len(self.findings) - errors, "seconds": round(self.seconds, 3)}

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "elements": self.elements,
                "findings": [f._asdict() for f in self.findings]}


def run_check(app: App) -> Report:
    """Check every element in the source; log one line per finding and a summary."""
    started, report = time.perf_counter(), Report()
    loaded, types = _load_all(app, report)
    elements = {name: item.cls(app, name, item.definition, dict(item.configs)) for name, item in loaded.items()}
    report.elements = sorted({*report.elements, *elements})
    for name, element in elements.items():
        _check_plaintext(report, loaded[name])
        if name not in types and _is_sms(element):
            _check_signature(report, element)
    for element in elements.values():
        for need in element.template_needs():
            _check_template(report, element.fullName, need, elements.get(need.service))
    _check_store_keys(report, app)
    report.seconds = time.perf_counter() - started
    log.info("config_check.summary", **report.summary())
    return report


def _load_all(app: App, report: Report) -> tuple[dict[str, LoadedElement], set[str]]:
    """Load every element afresh; report those that fail, except Types used by instances."""
    try:
        names = app.source.list_names()
    except SmsError as error:
        report.add("error", "(source)", "source", f"cannot list elements: {error.message}",
                   "check SMS_ELEMENTS_SOURCE and the function role's OSS permissions")
        return {}, set()
    loaded: dict[str, LoadedElement] = {}
    failures: dict[str, ConfigError] = {}
    types: set[str] = set()
    for name in names:
        try:
            loaded[name] = app.loader.load(name, force=True)
        except ConfigError as failure:
            failures[name] = failure
            continue
        types.update(loaded[name].chain[1:])
    for name, problem in failures.items():
        if name not in types:  # a Type element's partial config is checked through its instances
            report.add("error", name, "config", problem.message, _config_fix(problem))
            report.elements.append(name)
    return loaded, types


STORE_KEYS = (  # setting, check, what using it proves, the fix
    ("hmac_key_secret", "hmac-key", lambda app: app.vault.hmac_keys.current(),
     "put at least 32 random characters in the KMS secret SMS_HMAC_KEY_SECRET names, readable by the role"),
    ("data_key_id", "data-key", lambda app: app.vault.prepare(),
     "name in SMS_DATA_KEY_ID a KMS key the role may call GenerateDataKey and Decrypt with"),
    ("receipts_token_secret", "receipts-token", lambda app: app.secrets.get(app.settings.receipts_token_secret),
     "create the KMS secret SMS_RECEIPTS_TOKEN_SECRET names (the token in Aliyun's push URLs)"),
)


def _check_store_keys(report: Report, app: App) -> None:
    """The keys the store and the receipts rely on: each configured one is fetched as a request would."""
    for setting, check, use, fix in STORE_KEYS:
        if not getattr(app.settings, setting):
            continue
        try:
            use(app)
        except SmsError as error:
            report.add("error", "(settings)", check, error.message, fix)


def _is_sms(element: Element | None) -> TypeGuard[SmsAliyun]:
    return callable(getattr(element, "sendMessage", None)) and hasattr(element, "gateway")


def _check_plaintext(report: Report, item: LoadedElement) -> None:
    for file_name, fields in item.cls.secret_fields.items():
        for name in sorted(fields):
            value = item.raw.get(file_name, {}).get(name)
            if isinstance(value, str) and not is_reference(value):
                report.add("warning", item.full_name, "plaintext-secret",
                           f"{file_name} holds {name} in plain text",
                           'store it as a KMS secret and write {"kms": "<SecretName>"} in its place')


def _check_signature(report: Report, element: SmsAliyun) -> None:
    sign = element.config.verifySign
    try:
        body = element.gateway.get_sign(sign)
    except ProviderError as error:
        if error.provider_code in ACCESS_KEY_CODES:
            report.add("error", element.fullName, "access-key", f"Aliyun refused the AccessKey: {error.message}",
                       "check accessKey/accessSecret in sms.json (or its KMS secret) and the key's SMS permission")
        else:
            report.add("error", element.fullName, "signature", f"signature {sign!r}: {error.message}",
                       "apply for the signature in the SMS console, or fix verifySign")
        return
    except SmsError as error:
        report.add("error", element.fullName, "reachability", f"cannot reach Dysmsapi: {error.message}",
                   "check SMS_DYSMS_ENDPOINT and the function's internet access")
        return
    status = _status(body.get("SignStatus"))
    if status != 1:
        reason = _reject_reason(body)
        severity = "warning" if status == 0 else "error"
        report.add(severity, element.fullName, "signature",
                   f"signature {sign!r} is {STATUS_NAMES.get(status, status)}{reason}",
                   "wait for review, or apply again in the SMS console")


def _check_template(report: Report, owner: str, need: TemplateNeed, service: Element | None) -> None:
    where = f"{need.purpose} template {need.template_code} (via {need.service})"
    if not _is_sms(service):
        report.add("error", owner, "template", f"{where}: {need.service} is not a usable SMS element",
                   "point it at an SMS.Aliyun element that passes the check")
        return
    try:
        body = service.gateway.get_template(need.template_code)
    except SmsError as error:
        report.add("error", owner, "template", f"{where}: {error.message}",
                   "create the template in the SMS console, or fix the template code")
        return
    status = _status(body.get("TemplateStatus"))
    if status != 1:
        report.add("warning" if status == 0 else "error", owner, "template",
                   f"{where} is {STATUS_NAMES.get(status, status)}{_reject_reason(body)}",
                   "wait for review, or apply again")
    found = set(VARIABLE.findall(str(body.get("TemplateContent") or "")))
    if need.variables is not None and found != need.variables:
        report.add("error", owner, "template-variables",
                   f"{where} takes {sorted(found)}, its use supplies {sorted(need.variables)}",
                   f"use a template whose variables are exactly {sorted(need.variables)}")
    if need.variable_count is not None and len(found) != need.variable_count:
        report.add("error", owner, "template-variables",
                   f"{where} takes {len(found)} variables ({sorted(found)}), its use needs {need.variable_count}",
                   f"use a template with exactly {need.variable_count} variable")
    if need.code is not None:
        _check_code_variable(report, owner, where, need.code, _attributes(body))


# Aliyun checks a numberCaptcha variable's value: 4 to 6 digits (the template variable rules).
CAPTCHA_LENGTHS = range(4, 7)


def _attributes(body: dict[str, Any]) -> dict[str, str]:
    """GetSmsTemplate's ``VariableAttribute`` (a JSON object as text: variable → attribute), or {}."""
    try:
        attributes = json.loads(body.get("VariableAttribute") or "{}")
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in attributes.items()} if isinstance(attributes, dict) else {}


def _check_code_variable(report: Report, owner: str, where: str, code: tuple[int, str],
                         attributes: dict[str, str]) -> None:
    length, alphabet = code
    if "numberCaptcha" in attributes.values() and (alphabet != "digits" or length not in CAPTCHA_LENGTHS):
        report.add("error", owner, "template-variables",
                   f"{where} checks its code as numberCaptcha (4 to 6 digits); the policy sends {length} "
                   f"{alphabet} characters, which Aliyun refuses (isv.TEMPLATE_PARAMS_ILLEGAL)",
                   "set codeLength 4-6 and alphabet 'digits', or use a template whose variable takes them")


def _status(value: Any) -> Any:
    """A review status as an integer: GetSmsSign answers ``1``, GetSmsTemplate ``"1"``."""
    try:
        return int(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _reject_reason(body: dict[str, Any]) -> str:
    """``": <reason>"`` from GetSmsSign / GetSmsTemplate's ``AuditInfo.RejectInfo``, or nothing."""
    audit = body.get("AuditInfo")
    reason = audit.get("RejectInfo") if isinstance(audit, dict) else None
    return f": {reason}" if reason else ""


def _config_fix(error: ConfigError) -> str:
    if error.provider_code:
        return "check the function role's OSS/KMS permissions and that the object or secret exists"
    return "correct the file named in the problem"


def main(argv: list[str]) -> int:
    """``python -m shared.checks.config_check [--report-to oss://bucket/prefix]``: check, print the report."""
    import argparse
    import json

    from shared.elements.app import App

    parser = argparse.ArgumentParser(prog="python -m shared.checks.config_check", description=__doc__)
    parser.add_argument("--report-to", help="also write the report to oss://bucket/prefix/latest.json")
    args = parser.parse_args(argv)
    app = App.from_env()
    report = run_check(app)
    data = report.to_dict()
    if args.report_to:
        data["writtenTo"] = write_report(report_target(app, args.report_to, "--report-to"), data)
    print(json.dumps(data, ensure_ascii=False, indent=2))
    return 0 if report.summary()["ok"] else 1


def report_target(app: App, url: Any, named: str) -> OssSource:
    """Where the report goes: ``url`` (oss://bucket/prefix); a 46001 naming ``named`` otherwise."""
    from shared.config.oss import OssSource

    return OssSource(url, app.settings, app.current_credentials, named=named)


def write_report(target: OssSource, data: dict[str, Any]) -> str:
    """Write the report (``Report.to_dict()``) to ``latest.json`` under ``target``; returns its URL."""
    return target.put_json("latest.json", data)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def handle(event: Any, context: Any) -> str:
    """The FC entry: a timer event (options in its payload) or a direct invoke with options.

    Options: ``{"reportTo": "oss://bucket/prefix"}`` writes the report there too (default:
    ``SMS_CHECK_REPORT_URL``). Returns the report as JSON; a bad event is logged and answered,
    never raised, so the timer does not retry it.
    """
    import json

    from shared.elements.runtime import app_for
    from shared.triggers import timer_options

    with log.bound(requestId=str(getattr(context, "request_id", "") or ""), function="config_check"):
        try:
            options, trigger = timer_options(event)
            app = app_for(context)
            target = None  # checked before the check runs: a bad one is answered at once
            if options.get("reportTo") is not None:
                target = report_target(app, options["reportTo"], "reportTo")
            elif app.settings.check_report_url:
                target = report_target(app, app.settings.check_report_url, "SMS_CHECK_REPORT_URL")
            report = run_check(app)
            data = report.to_dict()
            if target is not None:
                data["writtenTo"] = write_report(target, data)
        except SmsError as error:
            log.error("config_check.failed", errorCode=error.code, problem=error.message)
            return json.dumps({"error": error.to_dict()}, ensure_ascii=False)
        log.info("config_check.done", trigger=trigger, writtenTo=data.get("writtenTo"))
        return json.dumps(data, ensure_ascii=False)
