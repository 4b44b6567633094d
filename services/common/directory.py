"""Looks up accounts in the auth service for the services that show names. Never by email: an address grants
nothing (invitations are links)."""

from __future__ import annotations

from dataclasses import dataclass

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import resources_pb2
from services.common.clients import ServiceClients
from services.common.concepts import SystemRole
from services.common.proto_enums import SYSTEM_ROLE

DEADLINE_S = 5


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    full_name: str
    roles: frozenset[SystemRole]


def account_of(user: resources_pb2.User) -> Account:
    roles = frozenset(role for role in SystemRole if SYSTEM_ROLE.to_proto(role) in user.roles)
    return Account(user.id, user.email, user.full_name, roles)


class UserDirectory:
    def __init__(self, clients: ServiceClients):
        self._stub = auth_rpc.AuthInternalServiceStub(clients.channel("auth"))

    async def by_ids(self, user_ids: list[str]) -> dict[str, Account]:
        if not user_ids:
            return {}
        reply = await self._stub.BatchGetUsers(auth_pb.BatchGetUsersRequest(user_ids=sorted(set(user_ids))),
                                               timeout=DEADLINE_S)
        return {user.id: account_of(user) for user in reply.users}
