"""Idempotent requests. A client's `request_id` names one request of one caller to one method: the same id from
another user, or sent to another method, is another request and never returns someone else's answer.

The interceptor derives the call's `RequestKey` (caller, method, id, and a fingerprint of every other field of the
request). A handler first checks the caller's right to the call, then asks `replay()`: a repeat gets the first
answer, a repeat with a different body is refused. `remember()` stores the answer in the same transaction as the
change, so an answer exists exactly when the change does."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from google.api import field_behavior_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import validation
from services.common.context import current_call
from services.common.errors import REQUEST_ID_REUSED, InvalidArgument

REQUEST_ID_FIELD = "request_id"
REQUEST_ID_MAX = 64


@dataclass(frozen=True)
class RequestKey:
    caller: str  # the signed-in user's id, or "service:<name>" for another service of the mesh
    method: str  # the gRPC path
    request_id: str
    fingerprint: str  # sha256 of the request without its request_id

    @property
    def scoped(self) -> str:
        return f"{self.caller}|{self.method}|{self.request_id}"


def key_of(method: str, request: Message, caller: str) -> RequestKey | None:
    """None when the request has no request_id (or leaves it empty): such a call is simply not deduplicated."""
    if REQUEST_ID_FIELD not in request.DESCRIPTOR.fields_by_name:
        return None
    request_id = getattr(request, REQUEST_ID_FIELD)
    if not request_id:
        return None
    validation.text(REQUEST_ID_FIELD, request_id, max_length=REQUEST_ID_MAX)
    body = type(request)()
    body.CopyFrom(request)
    body.ClearField(REQUEST_ID_FIELD)
    for name in _secret_fields(body.DESCRIPTOR):
        # A retry with another password is another request, yet the stored digest gives a password guesser nothing
        # without the platform's key.
        setattr(body, name, hmac.new(_secret_key, getattr(body, name).encode(), hashlib.sha256).hexdigest())
    fingerprint = hashlib.sha256(body.SerializeToString(deterministic=True)).hexdigest()
    return RequestKey(caller, method, request_id, fingerprint)


_secret_key = secrets.token_bytes(32)  # replaced at start-up by one derived from the platform's secret


def configure(secret: str) -> None:
    """The key secret fields are digested with; every replica needs the same one to recognise a retry."""
    global _secret_key
    if secret:
        _secret_key = hashlib.sha256(b"coins request fingerprints\0" + secret.encode()).digest()


@functools.cache
def _secret_fields(message: Descriptor) -> tuple[str, ...]:
    """INPUT_ONLY fields are secrets (passwords): a plain digest of one could be guessed offline, past argon2."""
    return tuple(field.name for field in message.fields
                 if field_behavior_pb2.INPUT_ONLY in field.GetOptions().Extensions[field_behavior_pb2.field_behavior])


def current_key() -> RequestKey | None:
    call = current_call()
    return call.request_key if call else None


def requests_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "requests", metadata,
        sa.Column("caller", sa.String(80), primary_key=True),
        sa.Column("method", sa.String(200), primary_key=True),
        sa.Column("request_id", sa.String(REQUEST_ID_MAX), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("answer", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def refuse_reuse(request_id: str) -> InvalidArgument:
    return InvalidArgument(REQUEST_ID_FIELD, "this request_id was already used for a different request; "
                                             "send a new request_id for a new request",
                           reason=REQUEST_ID_REUSED, request_id=request_id)


class Requests:
    """A service's stored answers (its own `requests` table)."""

    def __init__(self, table: sa.Table):
        self._table = table

    async def replay(self, session: AsyncSession) -> dict | None:
        """The first answer to this call's request, or None when it is new. Holds a transaction-scoped lock on the
        key, so a concurrent duplicate waits for this transaction and then replays its answer."""
        key = current_key()
        if key is None:
            return None
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key.scoped, 0))))
        table = self._table
        seen = (await session.execute(sa.select(table.c.fingerprint, table.c.answer).where(
            table.c.caller == key.caller, table.c.method == key.method,
            table.c.request_id == key.request_id))).first()
        if seen is None:
            return None
        if seen.fingerprint != key.fingerprint:
            raise refuse_reuse(key.request_id)
        return seen.answer

    async def remember(self, session: AsyncSession, answer: dict, key: RequestKey | None = None) -> None:
        """Stores the answer to this call's request (or to `key`, for work finished after the call)."""
        key = key or current_key()
        if key is not None:
            await session.execute(insert(self._table).values(
                caller=key.caller, method=key.method, request_id=key.request_id, fingerprint=key.fingerprint,
                answer=answer))
