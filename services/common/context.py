"""Who is calling, and under which request id: set per call by the interceptor, read by handlers and clients."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.common.errors import PermissionDenied, Unauthenticated

if TYPE_CHECKING:
    from services.common.idempotency import RequestKey

ADMIN = "admin"
SPONSOR = "sponsor"


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # The raw access token, passed on when this service calls another one for the same user.
    token: str = ""
    # The user proved they own `email` (the access token's email_verified claim): grant nothing by it otherwise.
    email_verified: bool = False

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_sponsor(self) -> bool:
        return SPONSOR in self.roles


@dataclass(frozen=True)
class CallContext:
    request_id: str
    caller: Caller | None = None
    # Set when another service of the mesh made the call (proven by its service token).
    calling_service: str | None = None
    # Set when the request carries a request_id (see services/common/idempotency.py).
    request_key: "RequestKey | None" = None


_current: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar("coins_call", default=None)


def set_call(call: CallContext) -> contextvars.Token:
    return _current.set(call)


def reset_call(token: contextvars.Token) -> None:
    _current.reset(token)


def current_call() -> CallContext | None:
    return _current.get()


def request_id() -> str:
    call = _current.get()
    return call.request_id if call else ""


def caller() -> Caller:
    """The signed-in user of this call; UNAUTHENTICATED when there is none."""
    call = _current.get()
    if call is None or call.caller is None:
        raise Unauthenticated()
    return call.caller


def require_admin() -> Caller:
    who = caller()
    if not who.is_admin:
        raise PermissionDenied("only an admin may do this", required_role=ADMIN)
    return who
