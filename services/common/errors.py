"""Domain errors: plain exceptions that name the design's error code. One interceptor turns them into gRPC status.

Imports nothing from grpc so that domain modules can raise them.
"""

from __future__ import annotations

# The design document's codes, used as google.rpc.ErrorInfo.reason.
AUTHENTICATION_FAILED = "AUTH_001"
INSUFFICIENT_PERMISSIONS = "AUTH_002"
CAMPAIGN_NOT_FOUND = "CAMPAIGN_001"
CAMPAIGN_INACTIVE = "CAMPAIGN_002"
INSUFFICIENT_COINS = "COIN_001"
COINS_ALREADY_EXPENDED = "COIN_002"
IDEA_NOT_FOUND = "IDEA_001"
DUPLICATE_IDEA_DETECTED = "IDEA_002"
IDEA_NOT_COMPETING = "IDEA_003"
IDEA_ALREADY_ACCEPTED = "IDEA_004"
# Codes the design does not name.
INVALID_INPUT = "INVALID_INPUT"
NOT_FOUND = "NOT_FOUND"
ALREADY_EXISTS = "ALREADY_EXISTS"
RATE_LIMITED = "RATE_LIMITED"
CONFLICT = "CONFLICT"
REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
UNAVAILABLE = "UNAVAILABLE"
INTERNAL = "INTERNAL"

ERROR_DOMAIN = "coins.v1"


class DomainError(Exception):
    """A rule said no. `status` is a grpc.StatusCode name; `metadata` carries every value the message mentions."""

    status = "FAILED_PRECONDITION"

    def __init__(self, reason: str, message: str, **metadata: object):
        super().__init__(message)
        self.reason = reason
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
