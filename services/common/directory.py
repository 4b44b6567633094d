"""Looks up accounts in the auth service for the services that show names or invite by email."""

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

    async def by_emails(self, emails: list[str]) -> dict[str, resources_pb2.User]:
        """Keyed by lower-cased email."""
        if not emails:
            return {}
        reply = await self._stub.LookupUsersByEmail(auth_pb.LookupUsersByEmailRequest(emails=emails),
                                                    timeout=DEADLINE_S)
        return {user.email.lower(): user for user in reply.users}
