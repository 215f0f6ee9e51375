"""KMS 2016-01-20: secrets with versions and stages, seeded keys, Encrypt, GenerateDataKey and Decrypt."""
