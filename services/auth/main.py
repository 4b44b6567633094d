"""Composition root of the auth service."""

from __future__ import annotations

from coins.v1 import auth_service_pb2_grpc as rpc
from services.auth.credentials import AccessTokenIssuer
from services.auth.handlers import AuthHandlers
from services.auth.servicer import AuthInternalServicer, AuthServicer
from services.common.ratelimit import FixedWindowLimiter
from services.common.server import Mounted, Runtime


async def build(runtime: Runtime) -> Mounted:
    settings = runtime.settings
    handlers = AuthHandlers(
        runtime.database,
        AccessTokenIssuer.from_file(settings.jwt_private_key_file, settings.access_token_ttl_s),
        settings.refresh_token_ttl_s,
        email_limiter=FixedWindowLimiter(runtime.redis, "login-failures:email", settings.login_attempts_per_email,
                                         settings.login_window_s),
        address_limiter=FixedWindowLimiter(runtime.redis, "login-failures:address",
                                           settings.login_attempts_per_address, settings.login_window_s),
    )
    if settings.admin_email and settings.admin_password:
        await handlers.ensure_admin(settings.admin_email, settings.admin_password)
    return Mounted([
        (AuthServicer(handlers), rpc.add_AuthServiceServicer_to_server),
        (AuthInternalServicer(handlers), rpc.add_AuthInternalServiceServicer_to_server),
    ])
