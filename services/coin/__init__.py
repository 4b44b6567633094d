"""The coin service: one append-only ledger per campaign, moved only by transactional, idempotent RPCs."""
