"""Constants and helpers for the functional tests (a uniquely named module, imported by name)."""

import json

VERIFY_TEMPLATE = "SMS_100000001"  # 您的验证码为${code}，5分钟内有效。
NOTIFY_TEMPLATE = "SMS_100000002"  # 您好，${name}，您的订单${order}已发货。
SIGN = "阿里云短信测试"


def log_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
