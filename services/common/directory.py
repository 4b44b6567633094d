"""Looks up accounts in the auth service for the services that show names. Never by email: an address grants
nothing (invitations are links)."""

from __future__ import annotations

from coins.v1 import auth_service_pb2 as auth_pb, auth_service_pb2_grpc as auth_rpc, resources_pb2
from services.common.clients import ServiceClients

DEADLINE_S = 5


class UserDirectory:
    def __init__(self, clients: ServiceClients):
        self._stub = auth_rpc.AuthInternalServiceStub(clients.channel("auth"))

    async def by_ids(self, user_ids: list[str]) -> dict[str, resources_pb2.User]:
        if not user_ids:
            return {}
        reply = await self._stub.BatchGetUsers(auth_pb.BatchGetUsersRequest(user_ids=sorted(set(user_ids))),
                                               timeout=DEADLINE_S)
        return {user.id: user for user in reply.users}
