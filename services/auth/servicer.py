"""gRPC face of the auth service: proto in, handler call, proto out. No rules here."""

from __future__ import annotations

from google.protobuf import empty_pb2

from coins.v1 import auth_service_pb2 as pb
from coins.v1 import auth_service_pb2_grpc as rpc
from coins.v1 import resources_pb2
from services.auth.domain import Account
from services.auth.handlers import AuthHandlers, Session
from services.common import validation
from services.common.context import caller, require_admin
from services.common.convert import timestamp
from services.common.proto_enums import SYSTEM_ROLE

MAX_BATCH = 500


def user_message(account: Account) -> resources_pb2.User:
    return resources_pb2.User(id=account.id, email=account.email, full_name=account.full_name,
                              roles=[SYSTEM_ROLE.to_proto(r) for r in account.roles], active=account.active,
                              email_verified=account.email_verified, create_time=timestamp(account.created_at))


def token_pair(session: Session) -> pb.TokenPair:
    return pb.TokenPair(access_token=session.access_token,
                        access_token_expire_time=timestamp(session.access_expires_at),
                        refresh_token=session.refresh_token,
                        refresh_token_expire_time=timestamp(session.refresh_expires_at),
                        token_type="Bearer", user=user_message(session.account))


def client_address(forwarded_for: list[str], peer: str, trusted_hops: int) -> str:
    """Who sent the request, as far as our own proxies vouch for it. Each proxy appends the address it saw to
    x-forwarded-for, so with `trusted_hops` proxies in front of us (the gateway: 1; an ingress before it: 2) the
    client is the entry that many places from the right; what stands left of it, the client wrote itself. With
    fewer entries the request did not come through our proxies, and the connection's peer is all we know."""
    entries = [entry.strip() for value in forwarded_for for entry in value.split(",") if entry.strip()]
    if 0 < trusted_hops <= len(entries):
        return entries[-trusted_hops]
    return peer_host(peer)


def peer_host(peer: str) -> str:
    """`ipv4:10.0.0.7:51234` -> `10.0.0.7`; `ipv6:[::1]:51234` -> `::1`; anything else as it is."""
    kind, _, address = peer.partition(":")
    if kind not in ("ipv4", "ipv6"):
        return peer or "unknown"
    return address.rsplit(":", 1)[0].strip("[]")


class AuthServicer(rpc.AuthServiceServicer):
    def __init__(self, handlers: AuthHandlers, trusted_proxy_hops: int):
        if trusted_proxy_hops < 0:
            raise ValueError(f"COINS_TRUSTED_PROXY_HOPS must be 0 or more, got {trusted_proxy_hops}")
        self._handlers = handlers
        self._trusted_proxy_hops = trusted_proxy_hops

    def _client_address(self, context) -> str:
        forwarded_for = [value for key, value in context.invocation_metadata() or () if key == "x-forwarded-for"]
        return client_address(forwarded_for, context.peer() or "", self._trusted_proxy_hops)

    async def Register(self, request: pb.RegisterRequest, context) -> resources_pb2.User:
        return user_message(await self._handlers.register(request.email, request.password, request.full_name,
                                                          self._client_address(context)))

    async def Login(self, request: pb.LoginRequest, context) -> pb.TokenPair:
        return token_pair(await self._handlers.login(request.email, request.password, self._client_address(context)))

    async def RefreshToken(self, request: pb.RefreshTokenRequest, context) -> pb.TokenPair:
        return token_pair(await self._handlers.refresh(request.refresh_token))

    async def Logout(self, request: pb.LogoutRequest, context) -> empty_pb2.Empty:
        await self._handlers.logout(caller(), request.refresh_token)
        return empty_pb2.Empty()

    async def VerifyEmail(self, request: pb.VerifyEmailRequest, context) -> resources_pb2.User:
        return user_message(await self._handlers.verify_email(request.token))

    async def ResendVerificationEmail(self, request: pb.ResendVerificationEmailRequest,
                                      context) -> empty_pb2.Empty:
        await self._handlers.resend_verification(caller())
        return empty_pb2.Empty()

    async def GetCurrentUser(self, request: pb.GetCurrentUserRequest, context) -> resources_pb2.User:
        who = caller()
        return user_message(await self._handlers.account(who, who.user_id))

    async def UpdateCurrentUser(self, request: pb.UpdateCurrentUserRequest, context) -> resources_pb2.User:
        return user_message(await self._handlers.update_profile(caller(), list(request.update_mask.paths),
                                                                request.user.full_name))

    async def GetUser(self, request: pb.GetUserRequest, context) -> resources_pb2.User:
        return user_message(await self._handlers.account(caller(), request.user_id))

    async def ListUsers(self, request: pb.ListUsersRequest, context) -> pb.ListUsersResponse:
        require_admin()
        accounts, next_token = await self._handlers.list_accounts(request.page_size, request.page_token,
                                                                  request.filter)
        return pb.ListUsersResponse(users=[user_message(a) for a in accounts], next_page_token=next_token)

    async def GrantRole(self, request: pb.GrantRoleRequest, context) -> resources_pb2.User:
        role = SYSTEM_ROLE.from_proto("role", request.role)
        return user_message(await self._handlers.change_role(require_admin(), request.user_id, role, granting=True))

    async def RevokeRole(self, request: pb.RevokeRoleRequest, context) -> resources_pb2.User:
        role = SYSTEM_ROLE.from_proto("role", request.role)
        return user_message(await self._handlers.change_role(require_admin(), request.user_id, role, granting=False))

    async def DeactivateUser(self, request: pb.DeactivateUserRequest, context) -> resources_pb2.User:
        return user_message(await self._handlers.set_active(require_admin(), request.user_id, active=False))

    async def ReactivateUser(self, request: pb.ReactivateUserRequest, context) -> resources_pb2.User:
        return user_message(await self._handlers.set_active(require_admin(), request.user_id, active=True))


class AuthInternalServicer(rpc.AuthInternalServiceServicer):
    def __init__(self, handlers: AuthHandlers):
        self._handlers = handlers

    async def BatchGetUsers(self, request: pb.BatchGetUsersRequest, context) -> pb.BatchGetUsersResponse:
        ids = [validation.uuid_id("user_ids", i) for i in request.user_ids[:MAX_BATCH]]
        return pb.BatchGetUsersResponse(users=[user_message(a) for a in await self._handlers.accounts(ids)])

    async def LookupUsersByEmail(self, request: pb.LookupUsersByEmailRequest,
                                 context) -> pb.LookupUsersByEmailResponse:
        # What is no valid address belongs to no account; PostgreSQL would even refuse some (a NUL character).
        emails = [e for e in request.emails[:MAX_BATCH] if validation.EMAIL_PATTERN.match(e.strip())]
        accounts = await self._handlers.accounts_by_email(emails)
        return pb.LookupUsersByEmailResponse(users=[user_message(a) for a in accounts])
