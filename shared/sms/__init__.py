"""Sending: the ``SMS.Aliyun`` Type, phone numbers, the directory and ``notify``."""
