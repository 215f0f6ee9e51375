"""``Idempotency-Key``: a request runs once; its retries get the first answer back."""
