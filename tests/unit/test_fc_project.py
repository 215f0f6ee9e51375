"""s.yaml as the local FC runtime reads it: functions, triggers, async config, environment and templates."""

from pathlib import Path

import pytest
import yaml

from emulator.fc.project import ProjectError, deep_merge, load_project, parse_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT / "s.yaml", account_id="1111222233334444", environ={})


def test_the_six_functions_with_their_code_in_functions(project):
    assert list(project.functions) == ["send_sms", "verification", "approval_notify", "receipts", "reconciler",
                                       "config_check"]
    send = project.functions["send_sms"]
    assert (send.name, send.handler, send.runtime) == ("sms-fc-send-sms", "index.handler", "python3.10")
    assert send.code_dir == ROOT / "functions" / "send_sms"  # s.yaml says ./build/send_sms: make build's output
    assert send.handler_file == ROOT / "functions" / "send_sms" / "index.py"
    assert project.find("sms-fc-config-check") is project.functions["config_check"]
    assert project.find("nope") is None


def test_triggers(project):
    assert project.functions["send_sms"].http.methods == ("POST", "GET")  # GET: the send-log lookups
    assert project.functions["send_sms"].http.auth_type == "anonymous"
    assert project.functions["verification"].http.methods == ("POST", "OPTIONS")
    [timer] = project.functions["config_check"].timers
    assert (timer.name, timer.cron, timer.enabled, timer.payload) == (
        "daily", "CRON_TZ=Asia/Shanghai 0 0 3 * * *", True, '{"check": "all"}')
    assert project.functions["approval_notify"].http is None and not project.functions["approval_notify"].timers


def test_sizes_and_async_config_from_template_and_props(project):
    config_check, approval = project.functions["config_check"], project.functions["approval_notify"]
    assert (config_check.timeout, config_check.memory) == (120, 256)  # own timeout, the template's memory
    assert (approval.async_retries, approval.max_event_age) == (3, 3600)
    assert approval.on_failure == "acs:mns:cn-hangzhou:1111222233334444:/queues/sms-fc-approval-dlq/messages"
    assert config_check.async_retries == 3  # FC's default when s.yaml sets none


def test_environment_merges_the_template_deeply_with_vars_resolved(project):
    verification = project.functions["verification"].environment  # no variables of its own: the template's
    assert verification["SMS_ELEMENTS_SOURCE"] == "oss://sms-fc-elements/elements"
    assert verification["SMS_STORE_URL"] == "redis://r-REPLACE-ME.redis.rds.aliyuncs.com:6379/0"
    config_check = project.functions["config_check"].environment
    assert config_check["SMS_CHECK_REPORT_URL"] == "oss://sms-fc-elements/reports/config-check"  # its own
    assert config_check["SMS_CONFIG_MAX_AGE"] == "300"  # only in the template: extend2 merges objects
    assert project.functions["send_sms"].environment["SMS_API_KEYS_SECRET"] == "sms-fc/api-keys"
    for spec in project.functions.values():
        assert not [value for value in spec.environment.values() if "${" in value], spec.resource


SYNTHETIC = """
name: demo
vars:
  region: cn-shanghai
  bucket: b-${config('AccountID')}
template:
  base:
    region: ${vars.region}
    runtime: python3.10
    timeout: 9
    vpcConfig: {vpcId: vpc-1}
    layers: [one, two]
    environmentVariables: {A: template-a, B: template-b, C: "${env('DEMO_C', 'fallback')}"}
resources:
  child:
    component: fc3
    extend: {name: base, ignore: [vpcConfig]}
    props:
      functionName: demo-child
      code: ./src/child
      layers: [three]
      environmentVariables: {B: own-b, D: "s3://${vars.bucket}/x"}
      triggers:
        - {triggerName: t, triggerType: timer, triggerConfig: {cronExpression: "@every 5m", enable: false}}
  site:
    component: fc3-domain
    props: {domainName: auto}
"""


def test_template_merge_ignore_lists_and_expressions():
    document = yaml.safe_load(SYNTHETIC)
    project = parse_project(document, Path("/srv/app"), account_id="42", environ={"DEMO_C": "from-env"})
    assert list(project.functions) == ["child"]  # the fc3-domain resource is not a function
    child = project.functions["child"]
    assert child.environment == {"A": "template-a", "B": "own-b", "C": "from-env", "D": "s3://b-42/x"}
    assert (child.region, child.timeout, child.code_dir) == ("cn-shanghai", 9, Path("/srv/app/src/child"))
    assert child.timers[0].enabled is False
    assert deep_merge({"layers": ["one", "two"], "x": {"a": 1}}, {"layers": ["three"], "x": {"b": 2}}) == {
        "layers": ["three"], "x": {"a": 1, "b": 2}}  # lists replace, objects merge
    fallback = parse_project(document, Path("/srv/app"), environ={}).functions["child"]
    assert fallback.environment["C"] == "fallback"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["resources"]["child"]["extend"].update(name="nope"), "child.extend.name: no template named 'nope'"),
    (lambda d: d["resources"]["child"]["props"].pop("functionName"), "child.props.functionName is required"),
    (lambda d: d["resources"]["child"]["props"].update(timeout="soon"), "timeout must be an integer"),
    (lambda d: d["resources"]["child"]["props"]["triggers"][0]["triggerConfig"].pop("cronExpression"),
     "child.props.triggers[0].triggerConfig.cronExpression is required"),
])
def test_unusable_resources_are_named(change, message):
    document = yaml.safe_load(SYNTHETIC)
    change(document)
    with pytest.raises(ProjectError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_project(document, Path("/srv/app"))


def test_the_mns_queue_trigger_of_approval_notify(project):
    [trigger] = project.functions["approval_notify"].mns_triggers
    assert (trigger.name, trigger.queue, trigger.base64_decode, trigger.asynchronous) == (
        "approval-queue", "sms-fc-approval", True, True)
    assert (trigger.batch_size, trigger.batch_seconds, trigger.streaming, trigger.schema) == (
        10, 2, True, "CloudEvents")
    assert (trigger.retry.strategy, trigger.retry.max_attempts, trigger.retry.max_age) == (
        "EXPONENTIAL_DECAY_RETRY", 176, 86400)
    assert (trigger.dead_letter_queue, trigger.tolerate_errors) == ("sms-fc-approval-dlq", True)
    assert project.functions["approval_notify"].on_failure_queue == "sms-fc-approval-dlq"
    assert project.queues() == ["sms-fc-approval", "sms-fc-approval-dlq"]


EVENTBRIDGE = """
name: demo
resources:
  f:
    component: fc3
    props:
      functionName: demo-f
      code: ./functions/f
      triggers:
        - triggerName: q
          triggerType: eventbridge
          triggerConfig:
            eventSourceConfig:
              eventSourceType: MNS
              eventSourceParameters: {sourceMNSParameters: {QueueName: in}}
        - triggerName: kafka
          triggerType: eventbridge
          triggerConfig: {eventSourceConfig: {eventSourceType: Kafka}}
        - {triggerName: up, triggerType: oss, triggerConfig: {events: ["oss:ObjectCreated:*"]}}
"""


def test_an_mns_trigger_takes_eventbridge_defaults_and_other_triggers_are_named_as_not_emulated():
    spec = parse_project(yaml.safe_load(EVENTBRIDGE), ROOT).functions["f"]
    [trigger] = spec.mns_triggers
    assert (trigger.base64_decode, trigger.asynchronous, trigger.batch_size, trigger.streaming) == (
        True, False, 1, False)
    assert (trigger.retry.strategy, trigger.retry.max_attempts, trigger.dead_letter_queue) == ("BACKOFF_RETRY", 3, None)
    assert spec.unsupported_triggers == ("kafka (eventbridge Kafka)", "up (oss)")


@pytest.mark.parametrize(("arn", "queue"), [
    ("acs:mns:cn-hangzhou:1234:/queues/sms-fc-approval-dlq/messages", "sms-fc-approval-dlq"),
    ("acs:mns:cn-hangzhou:1234:/queues/dlq", "dlq"),
    ("acs:fc:cn-hangzhou:1234:functions/other", None),
    ("acs:mns:cn-hangzhou:1234:/topics/t/messages", None),
])
def test_mns_queue_names_from_arns(arn, queue):
    from emulator.fc.project import mns_queue

    assert mns_queue(arn) == queue
