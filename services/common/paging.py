"""Page tokens: opaque to clients and tamper-proof. A token carries the position of the next page as JSON, signed
with the platform's page-token key (HMAC-SHA256), so any replica reads it and a token a client made or changed
is refused with INVALID_ARGUMENT, never followed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets

from services.common.errors import InvalidArgument

log = logging.getLogger("coins.paging")

_SIGNATURE_BYTES = 16
_key = secrets.token_bytes(32)  # replaced at start-up by the configured key, shared by every replica


def configure(secret: str) -> None:
    global _key
    if secret:
        _key = hashlib.sha256(b"coins page tokens\0" + secret.encode()).digest()
    else:
        log.warning("no page-token key configured: page tokens work only on the replica that issued them")


def _signature(body: bytes) -> bytes:
    return hmac.new(_key, body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def encode(position: dict) -> str:
    body = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(_signature(body) + body).decode().rstrip("=")


def _refused() -> InvalidArgument:
    return InvalidArgument("page_token", "page_token is not one this service issued; start again without it")


def decode(token: str) -> dict:
    """The position a token carries; {} for the first page (no token)."""
    if not token:
        return {}
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise _refused() from None
    signature, body = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
    if len(signature) < _SIGNATURE_BYTES or not hmac.compare_digest(signature, _signature(body)):
        raise _refused()
    position = json.loads(body)
    if not isinstance(position, dict):
        raise _refused()
    return position


def offset(token: str) -> int:
    """The offset an offset-paged list resumes at."""
    value = decode(token).get("offset", 0)
    if not isinstance(value, int) or value < 0:
        raise _refused()
    return value


def page(rows: list, offset_: int, limit: int) -> tuple[list, str]:
    """Rows were fetched with limit + 1: the extra one only says whether a next page exists."""
    return rows[:limit], encode({"offset": offset_ + limit}) if len(rows) > limit else ""
