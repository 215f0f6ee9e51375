"""Approval notifications: events, their once-only delivery, progress and defaults."""
