"""Warm overhead: sendMessage ÷ a bare SDK send_sms, alternating against one emulator.

The bare call carries an ``OutId`` as long as the one sendMessage sends (the send log's key), so
both make the same SDK call."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import BARE_OUT_ID, Figure, bare_sms_client, emulator_process, write_element

ROUNDS = 300
TEMPLATE = "SMS_100000002"
PARAMS = {"name": "bench", "order": "1"}


def run() -> list[Figure]:
    from alibabacloud_dysmsapi20170525.models import SendSmsRequest
    from darabonba.runtime import RuntimeOptions

    from shared import App
    from shared.log import set_stream

    with emulator_process() as endpoint, tempfile.TemporaryDirectory() as tmp:
        write_element(Path(tmp), endpoint)
        # Log lines are formatted as in production, then discarded.
        set_stream(open("/dev/null", "w"))  # noqa: SIM115
        element = App.from_env().getElement("SMS.Bench")
        bare = bare_sms_client(endpoint)
        sign = element.config.verifySign
        import json

        ours: list[float] = []
        theirs: list[float] = []
        for i in range(ROUNDS * 2 + 20):
            phone = f"139{i:08d}"
            start = time.perf_counter()
            if i % 2:
                body = element.sendMessage([phone], PARAMS, TEMPLATE)
                target = ours
            else:
                request = SendSmsRequest(phone_numbers=phone, sign_name=sign, template_code=TEMPLATE,
                                         template_param=json.dumps(PARAMS), out_id=BARE_OUT_ID)
                body = bare.send_sms_with_options(request, RuntimeOptions()).body.to_map()
                target = theirs
            elapsed = time.perf_counter() - start
            assert body["Code"] == "OK", body
            if i >= 20:  # warm-up
                target.append(elapsed)
        set_stream(None)
    ours_ms, theirs_ms = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    ratio = ours_ms / theirs_ms
    return [
        Figure("warm sendMessage, median", ours_ms, "ms", "-"),
        Figure("warm bare SDK send_sms, median", theirs_ms, "ms", "-"),
        Figure("warm overhead ratio", ratio, "x", "<= 1.10", ratio <= 1.10),
    ]
