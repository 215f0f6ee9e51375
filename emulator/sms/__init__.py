"""Dysmsapi 2017-05-25: signatures, templates, sending with flow control, outbox and receipts."""
