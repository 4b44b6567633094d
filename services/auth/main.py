"""Composition root of the auth service: servicers and the relay of its account events."""

from __future__ import annotations

import logging

from coins.v1 import auth_service_pb2_grpc as rpc
from services.auth import domain
from services.auth.credentials import AccessTokenIssuer, Passwords
from services.auth.handlers import AuthHandlers, Limiters
from services.auth.repository import EVENT_OUTBOX, SqlUnitOfWork
from services.auth.servicer import AuthInternalServicer, AuthServicer
from services.common.events import EventRelay
from services.common.ratelimit import FixedWindowLimiter
from services.common.server import Mounted, Runtime

log = logging.getLogger("coins.auth")


async def build(runtime: Runtime) -> Mounted:
    settings = runtime.settings
    redis = runtime.redis
    passwords = Passwords(settings.password_hashing_concurrency)
    relay = EventRelay(runtime.database, EVENT_OUTBOX, redis, settings.events)  # -> coins:events:auth
    limiters = Limiters(
        sign_ins=FixedWindowLimiter(redis, "sign-ins", settings.login_window_s,
                                    {"email_and_address": settings.login_attempts_per_email,
                                     "address": settings.login_attempts_per_address},
                                    refusal="too many failed sign-ins"),
        registrations=FixedWindowLimiter(redis, "registrations", settings.registration_window_s,
                                         {"address": settings.registrations_per_address},
                                         refusal="too many accounts registered from this address"),
        verification_mails=FixedWindowLimiter(redis, "verification-mails", 3600,
                                              {"account": domain.VERIFICATION_MAILS_PER_HOUR},
                                              refusal="too many verification emails asked for"),
    )
    handlers = AuthHandlers(
        lambda: SqlUnitOfWork(runtime.database, relay.kick),
        AccessTokenIssuer.from_file(settings.jwt_private_key_file, settings.access_token_ttl_s),
        passwords,
        limiters,
        refresh_ttl_s=settings.refresh_token_ttl_s,
        verification_ttl_s=settings.email_verification_ttl_s,
        public_url=settings.public_url,
    )
    if settings.admin_email and settings.admin_password:
        try:
            await handlers.ensure_admin(settings.admin_email, settings.admin_password)
        except domain.FirstAdminRefused as refused:
            log.critical("refusing to start: %s", refused)
            raise SystemExit(2) from None
    return Mounted(
        [(AuthServicer(handlers, settings.trusted_proxy_hops), rpc.add_AuthServiceServicer_to_server),
         (AuthInternalServicer(handlers), rpc.add_AuthInternalServiceServicer_to_server)],
        background=[relay.run],
        on_close=[passwords.close],
    )
