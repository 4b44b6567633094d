"""Domain errors: plain exceptions that name the design's error code. One interceptor turns them into gRPC status.

Imports nothing from grpc so that domain modules can raise them.
"""

from __future__ import annotations

from coins.v1 import errors_pb2

REASONS = frozenset(name.removeprefix("ERROR_REASON_") for name in errors_pb2.ErrorReason.keys()
                    if name != "ERROR_REASON_UNSPECIFIED")


def _declared(reason: str) -> str:
    """Every reason is declared once, in proto/coins/v1/errors.proto, where clients in any language read it."""
    if reason not in REASONS:
        raise ValueError(f"{reason} is not an ErrorReason of proto/coins/v1/errors.proto")
    return reason


# The design document's codes, used as google.rpc.ErrorInfo.reason.
AUTHENTICATION_FAILED = _declared("AUTH_001")
INSUFFICIENT_PERMISSIONS = _declared("AUTH_002")
CAMPAIGN_NOT_FOUND = _declared("CAMPAIGN_001")
CAMPAIGN_INACTIVE = _declared("CAMPAIGN_002")
INSUFFICIENT_COINS = _declared("COIN_001")
COINS_ALREADY_EXPENDED = _declared("COIN_002")
IDEA_NOT_FOUND = _declared("IDEA_001")
DUPLICATE_IDEA_DETECTED = _declared("IDEA_002")
IDEA_NOT_COMPETING = _declared("IDEA_003")
IDEA_ALREADY_ACCEPTED = _declared("IDEA_004")
# Codes the design does not name.
INVALID_INPUT = _declared("INVALID_INPUT")
REQUEST_ID_REUSED = _declared("REQUEST_ID_REUSED")
NOT_FOUND = _declared("NOT_FOUND")
ALREADY_EXISTS = _declared("ALREADY_EXISTS")
INVALID_TRANSITION = _declared("INVALID_TRANSITION")
POLICY_LOCKED = _declared("POLICY_LOCKED")
IDEA_LOCKED = _declared("IDEA_LOCKED")
NOT_A_SPONSOR = _declared("NOT_A_SPONSOR")
NOT_A_MEMBER = _declared("NOT_A_MEMBER")
MAX_PER_IDEA = _declared("MAX_PER_IDEA")
NOT_ENOUGH_ON_IDEA = _declared("NOT_ENOUGH_ON_IDEA")
REALLOCATION_DISABLED = _declared("REALLOCATION_DISABLED")
EMAIL_ALREADY_VERIFIED = _declared("EMAIL_ALREADY_VERIFIED")
INVITATION_NOT_FOUND = _declared("INVITATION_NOT_FOUND")
INVITATION_USED = _declared("INVITATION_USED")
INVITATION_REVOKED = _declared("INVITATION_REVOKED")
INVITATION_EXPIRED = _declared("INVITATION_EXPIRED")
RATE_LIMITED = _declared("RATE_LIMITED")
CONFLICT = _declared("CONFLICT")
UNAVAILABLE = _declared("UNAVAILABLE")
INTERNAL = _declared("INTERNAL")


def reason_for_status(code_name: str) -> str:
    """The reason of an error no rule of ours raised (grpc's own, or another service's without details)."""
    return code_name if code_name in REASONS else INTERNAL


ERROR_DOMAIN = "coins.v1"


class DomainError(Exception):
    """A rule said no. `status` is a grpc.StatusCode name; `metadata` carries every value the message mentions."""

    status = "FAILED_PRECONDITION"

    def __init__(self, reason: str, message: str, **metadata: object):
        super().__init__(message)
        self.reason = _declared(reason)
        self.message = message
        self.metadata = {key: str(value) for key, value in metadata.items()}


class InvalidArgument(DomainError):
    status = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str, reason: str = INVALID_INPUT, **metadata: object):
        super().__init__(reason, message, field=field, **metadata)
        self.field = field


class FailedPrecondition(DomainError):
    status = "FAILED_PRECONDITION"


class NotFound(DomainError):
    status = "NOT_FOUND"


class AlreadyExists(DomainError):
    status = "ALREADY_EXISTS"


class Unauthenticated(DomainError):
    status = "UNAUTHENTICATED"

    def __init__(self, message: str = "sign in first: a valid access token is required", **metadata: object):
        super().__init__(AUTHENTICATION_FAILED, message, **metadata)


class PermissionDenied(DomainError):
    status = "PERMISSION_DENIED"

    def __init__(self, message: str, **metadata: object):
        super().__init__(INSUFFICIENT_PERMISSIONS, message, **metadata)


class Aborted(DomainError):
    """Contention: safe to retry with the same request_id."""

    status = "ABORTED"

    def __init__(self, message: str, retry_after_s: float = 0.05, **metadata: object):
        super().__init__(CONFLICT, message, **metadata)
        self.retry_after_s = retry_after_s


class ResourceExhausted(DomainError):
    status = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, retry_after_s: float, **metadata: object):
        super().__init__(RATE_LIMITED, message, **metadata)
        self.retry_after_s = retry_after_s


class Unavailable(DomainError):
    status = "UNAVAILABLE"

    def __init__(self, message: str, retry_after_s: float = 1.0, **metadata: object):
        super().__init__(UNAVAILABLE, message, **metadata)
        self.retry_after_s = retry_after_s
