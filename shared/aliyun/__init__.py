"""Talking to Aliyun: credentials, cached SDK clients and the Dysmsapi gateway."""
