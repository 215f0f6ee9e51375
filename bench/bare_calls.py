"""The bare script of a function: the same Aliyun calls with the plain SDKs and the same Redis
commands with a plain redis-py client, nothing of ours. Loaded by ``bench/instance.py``.

A plan is ``{"endpoint", "sts", "region", "redis_url", "cold": [step, ...], "warm": [step, ...]}``;
a step is one of

- ``["event"]``: parse the FC event (and its JSON body, if any), as any handler must;
- ``["oss", bucket, key]``: GetObject, parsed as JSON (an SMS element's ``sms.json`` gives the
  AccessKey of the SendSms calls that follow);
- ``["oss_list", bucket, prefix]``: ListObjectsV2, every page;
- ``["oss_put", bucket, key]``: PutObject of a small JSON report;
- ``["kms", action, {field: value}]``: a KMS call (``GetSecretValue``, ``GenerateDataKey``, ...); a
  secret holding ``accessKey`` and ``accessSecret`` gives the SendSms calls their AccessKey;
- ``["sms", action, {field: value}]``: a Dysmsapi call (``SendSms``, ``QuerySmsSign``, ...);
- ``["pydantic"]``: import pydantic and validate with one small model: the library's fixed cost,
  for the diagnostic baseline that pays it too (``bench/functions.py``);
- ``["redis"]``: the Redis commands of ``plan["redis"]["cold"|"warm"]``, each entry one round trip
  (one command, or a pipeline of several), as recorded from the function.

Each SDK's client is built once, at its first call, and its module imported then: a bare script
imports what it uses.
"""

import base64
import json
import re


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _arg(value):
    return base64.b64decode(value["b64"]) if isinstance(value, dict) else value


class Bare:
    def __init__(self, plan):
        self.plan = plan
        self.host = plan["endpoint"].split("://", 1)[1]
        self.clients = {}
        self.sms_keys = None

    def run(self, event, cold=False, redis=None):
        """The calls of a cold or warm request; ``redis``: these recorded commands (raw argument
        tuples, one list per round trip) instead of the plan's."""
        self.phase = "cold" if cold else "warm"
        self.redis_commands = redis
        for step in self.plan[self.phase]:
            getattr(self, "step_" + step[0])(event, *step[1:])

    def step_pydantic(self, event):
        from pydantic import BaseModel

        class Body(BaseModel):
            phone: str

        Body.model_validate({"phone": "13900000000"})

    def step_event(self, event):
        data = json.loads(event)
        if isinstance(data, dict) and isinstance(data.get("body"), str) and data["body"]:
            json.loads(data["body"])

    def _oss(self):
        if "oss" not in self.clients:
            import alibabacloud_oss_v2 as oss

            cfg = oss.config.load_default()
            cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(*self.plan["sts"])
            cfg.region, cfg.endpoint = self.plan["region"], self.plan["endpoint"]
            self.clients["oss"] = (oss, oss.Client(cfg))
        return self.clients["oss"]

    def step_oss(self, event, bucket, key):
        oss, client = self._oss()
        data = json.loads(client.get_object(oss.GetObjectRequest(bucket=bucket, key=key)).body.content)
        if isinstance(data, dict) and "accessKey" in data:
            self.sms_keys = (data["accessKey"], data["accessSecret"])

    def step_oss_list(self, event, bucket, prefix):
        oss, client = self._oss()
        for _ in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=bucket, prefix=prefix)):
            pass

    def step_oss_put(self, event, bucket, key):
        oss, client = self._oss()
        body = json.dumps({"findings": [], "summary": {"errors": 0}}).encode()
        client.put_object(oss.PutObjectRequest(bucket=bucket, key=key, body=body))

    def _pop(self, name, key_id, secret, token=None):
        if name not in self.clients:
            from alibabacloud_tea_openapi.utils_models import Config
            from darabonba.runtime import RuntimeOptions

            if name == "kms":
                from alibabacloud_kms20160120 import models
                from alibabacloud_kms20160120.client import Client
            else:
                from alibabacloud_dysmsapi20170525 import models
                from alibabacloud_dysmsapi20170525.client import Client
            config = Config(access_key_id=key_id, access_key_secret=secret, security_token=token,
                            endpoint=self.host, protocol="http", region_id=self.plan["region"])
            self.clients[name] = (Client(config), models, RuntimeOptions)
        return self.clients[name]

    def _call(self, client, models, runtime, action, fields):
        request = getattr(models, action + "Request")(**fields)
        return getattr(client, _snake(action) + "_with_options")(request, runtime()).body

    def step_kms(self, event, action, fields):
        body = self._call(*self._pop("kms", *self.plan["sts"]), action, fields)
        if action == "GetSecretValue" and body.secret_data.startswith("{"):
            data = json.loads(body.secret_data)
            if "accessSecret" in data:
                self.sms_keys = (data["accessKey"], data["accessSecret"])

    def step_sms(self, event, action, fields):
        body = self._call(*self._pop("sms", *self.sms_keys), action, fields)
        assert body.code == "OK", body.to_map()

    def step_redis(self, event):
        import redis

        if "redis" not in self.clients:
            self.clients["redis"] = redis.Redis.from_url(self.plan["redis_url"])
        client = self.clients["redis"]
        recorded = self.redis_commands
        if recorded is None:
            recorded = [[[_arg(a) for a in args] for args in trip] for trip in self.plan["redis"][self.phase]]
        for commands in recorded:
            if len(commands) == 1:
                try:
                    client.execute_command(*commands[0])
                except redis.ResponseError:  # a script's refusal is an answer too
                    pass
                continue
            pipe = client.pipeline(transaction=False)
            for command in commands:
                pipe.execute_command(*command)
            pipe.execute(raise_on_error=False)
