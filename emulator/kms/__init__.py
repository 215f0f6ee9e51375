"""KMS 2016-01-20: secrets with versions and stages (GetSecretValue), and a reversible Encrypt/Decrypt."""
