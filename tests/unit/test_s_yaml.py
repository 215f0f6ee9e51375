"""Every resource's props in s.yaml validate against the fc3 component's JSON schema."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Serverless Devs' fc3 component schema (MIT, tests/schemas/fc3-LICENSE.txt), vendored beside the tests.
SCHEMA = ROOT / "tests" / "schemas" / "fc3-props.schema.json"


def substitute_vars(value, variables):
    """Resolve ``${vars.x}`` as Serverless Devs does; other ``${...}`` stay as written."""
    if isinstance(value, dict):
        return {k: substitute_vars(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_vars(v, variables) for v in value]
    if isinstance(value, str):
        whole = re.fullmatch(r"\$\{vars\.(\w+)\}", value)
        if whole:
            return variables[whole.group(1)]
        return re.sub(r"\$\{vars\.(\w+)\}", lambda m: str(variables[m.group(1)]), value)
    return value


def resolved_resources():
    raw = yaml.safe_load((ROOT / "s.yaml").read_text(encoding="utf-8"))
    document = substitute_vars(raw, raw.get("vars", {}))
    templates = document.get("template", {})
    for name, resource in document["resources"].items():
        props = dict(templates.get(resource.get("extend", {}).get("name"), {}))
        props.update(resource["props"])
        yield name, resource, props


def test_s_yaml_has_resources():
    assert [name for name, _, _ in resolved_resources()]


@pytest.mark.parametrize(("name", "resource", "props"), list(resolved_resources()), ids=lambda v: str(v)[:20])
def test_props_validate_against_fc3_schema(name, resource, props):
    assert resource["component"] == "fc3"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(props)]
    assert errors == [], f"{name}: {errors}"
    assert props["runtime"] == "python3.10"
    assert "timeout" in props and "memorySize" in props


def test_schema_rejects_a_broken_resource():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors({"functionName": "x", "runtime": "python3.10"}))


def props_of(name):
    return next(props for resource_name, _, props in resolved_resources() if resource_name == name)


def test_all_six_functions_are_described():
    assert sorted(name for name, _, _ in resolved_resources()) == [
        "approval_notify", "config_check", "receipts", "reconciler", "send_sms", "verification"]


def test_receipts_stays_warm_and_takes_anonymous_posts_with_its_token_from_kms():
    props = props_of("receipts")
    assert props["scalingConfig"] == {"minInstances": 1}  # Aliyun's 700 ms: no cold start on a push
    [trigger] = props["triggers"]
    assert trigger["triggerType"] == "http"
    assert trigger["triggerConfig"]["authType"] == "anonymous" and trigger["triggerConfig"]["methods"] == ["POST"]
    env = props["environmentVariables"]
    assert env["SMS_RECEIPTS_TOKEN_SECRET"] == "sms-fc/receipts-token"  # a secret's name, never the token
    assert env["SMS_HMAC_KEY_SECRET"] and env["SMS_STORE_URL"].startswith("redis://")


def test_http_triggers_are_anonymous_post_with_our_own_auth():
    for name in ("send_sms", "verification"):
        [trigger] = props_of(name)["triggers"]
        assert trigger["triggerType"] == "http"
        assert trigger["triggerConfig"]["authType"] == "anonymous"
        assert "POST" in trigger["triggerConfig"]["methods"]
    assert props_of("send_sms")["environmentVariables"]["SMS_API_KEYS_SECRET"]


def test_the_functions_that_keep_records_name_a_data_key_and_an_hmac_secret_the_dev_seed_has():
    """send_sms (Idempotency-Key answers) and approval_notify (progress, outcomes) fail closed without
    them; `make dev` runs s.yaml's environment against examples/emulator-seed.json."""
    seed = json.loads((ROOT / "examples" / "emulator-seed.json").read_text(encoding="utf-8"))["kms"]
    for name in ("send_sms", "approval_notify"):
        env = props_of(name)["environmentVariables"]
        assert env["SMS_DATA_KEY_ID"] in seed["keys"], name
        assert len(seed["secrets"][env["SMS_HMAC_KEY_SECRET"]]) >= 32, name


def test_timer_runs_on_shanghai_time_with_a_json_payload():
    [trigger] = props_of("config_check")["triggers"]
    assert trigger["triggerConfig"]["cronExpression"].startswith("CRON_TZ=Asia/Shanghai ")
    assert json.loads(trigger["triggerConfig"]["payload"]) == {"check": "all"}


def test_approval_notify_retries_async_and_has_an_on_failure_destination():
    config = props_of("approval_notify")["asyncInvokeConfig"]
    assert config["maxAsyncRetryAttempts"] >= 1
    assert config["destinationConfig"]["onFailure"]["destination"].startswith("acs:mns:")


def test_logs_keep_json_lines_apart_and_vpc_and_role_are_set():
    for name, _, props in resolved_resources():
        assert props["logConfig"]["logBeginRule"] == "None", name
        assert props["vpcConfig"]["vpcId"] and props["role"], name
        assert props["code"] == f"./build/{name}", name
        assert props["environmentVariables"]["PYTHONPATH"] == "/code/python", name


def test_approval_notify_reads_an_mns_queue_asynchronously_with_a_dead_letter_queue():
    [trigger] = props_of("approval_notify")["triggers"]
    config = trigger["triggerConfig"]
    assert trigger["triggerType"] == "eventbridge" and config["asyncInvocationType"] is True
    source = config["eventSourceConfig"]
    assert source["eventSourceType"] == "MNS"
    assert source["eventSourceParameters"]["sourceMNSParameters"]["QueueName"]
    assert json.loads(config["eventRuleFilterPattern"]) == {}
    assert config["eventSinkConfig"]["deliveryOption"]["eventSchema"] == "CloudEvents"
    run = config["runOptions"]
    assert run["errorsTolerance"] == "ALL" and run["deadLetterQueue"]["Arn"].startswith("acs:mns:")
    assert run["retryStrategy"]["PushRetryStrategy"] == "EXPONENTIAL_DECAY_RETRY"


def test_every_function_skips_pydantic_s_plugin_scan():
    """Without it, the first model built reads every installed distribution's metadata (a cold start cost)."""
    for name, _, props in resolved_resources():
        assert props["environmentVariables"]["PYDANTIC_DISABLE_PLUGINS"] == "1", name
