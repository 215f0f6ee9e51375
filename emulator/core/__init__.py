"""Service-independent machinery: HTTP serving, routing, signatures, errors, ids, clock, chaos, stats."""
