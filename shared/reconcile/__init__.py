"""Possibly-delivered sends settled against Aliyun: ``QuerySendDetails``, matched by our ``OutId``."""
