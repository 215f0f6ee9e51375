"""Where configuration comes from: element JSON (a directory or OSS), KMS secrets, and their cache."""
