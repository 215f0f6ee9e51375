"""Aliyun's HTTP batch push: delivery receipts (``SmsReport``) into the send log, replies (``SmsUp``) and opt-outs."""
