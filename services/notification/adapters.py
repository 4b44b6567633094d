"""The other services as the notification reactions see them (services/notification/ports.py), over their internal
gRPC APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timezone

from coins.v1 import auth_service_pb2 as auth_pb
from coins.v1 import auth_service_pb2_grpc as auth_rpc
from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import idea_service_pb2_grpc as idea_rpc
from coins.v1 import resources_pb2 as res
from services.notification.domain import CampaignFacts, IdeaFacts
from services.notification.ports import Recipient

DEADLINE_S = 10
USERS_PER_CALL = 500  # BatchGetUsers takes this many at once
MEMBERS_PER_PAGE = 250  # a fan-out writes (and streams) a page at a time: the first members hear soonest
CACHED_CAMPAIGNS = 1000


def _recipient(user: res.User) -> Recipient:
    return Recipient(user.id, user.email, user.full_name, user.active)


class GrpcAccounts:
    def __init__(self, stub: auth_rpc.AuthInternalServiceStub):
        self._stub = stub

    async def by_ids(self, user_ids: Sequence[str]) -> dict[str, Recipient]:
        found: dict[str, Recipient] = {}
        for start in range(0, len(user_ids), USERS_PER_CALL):
            reply = await self._stub.BatchGetUsers(auth_pb.BatchGetUsersRequest(
                user_ids=list(user_ids[start:start + USERS_PER_CALL])), timeout=DEADLINE_S)
            found.update((user.id, _recipient(user)) for user in reply.users)
        return found

    async def by_email(self, email: str) -> Recipient | None:
        reply = await self._stub.LookupUsersByEmail(auth_pb.LookupUsersByEmailRequest(emails=[email]),
                                                    timeout=DEADLINE_S)
        return _recipient(reply.users[0]) if reply.users else None


class GrpcCampaigns:
    """Campaign titles are cached: many events name the same few campaigns. A title changed since is forgotten
    when the CampaignChanged event passes (`forget`)."""

    def __init__(self, stub: campaign_rpc.CampaignInternalServiceStub):
        self._stub = stub
        self._facts: dict[str, CampaignFacts] = {}

    async def facts(self, campaign_id: str) -> CampaignFacts:
        cached = self._facts.get(campaign_id)
        if cached is not None:
            return cached
        access = await self._stub.GetCampaignAccess(campaign_pb.GetCampaignAccessRequest(campaign_id=campaign_id),
                                                    timeout=DEADLINE_S)
        campaign = access.campaign
        facts = CampaignFacts(campaign.campaign_id, campaign.title, campaign.end_time.ToDatetime(timezone.utc)
                              if campaign.HasField("end_time") else None)
        if len(self._facts) >= CACHED_CAMPAIGNS:
            self._facts.clear()
        self._facts[campaign_id] = facts
        return facts

    def forget(self, campaign_id: str) -> None:
        self._facts.pop(campaign_id, None)

    async def member_ids(self, campaign_id: str) -> AsyncIterator[list[str]]:
        token = ""
        while True:
            reply = await self._stub.ListJoinedMembers(campaign_pb.ListJoinedMembersRequest(
                campaign_id=campaign_id, page_size=MEMBERS_PER_PAGE, page_token=token), timeout=DEADLINE_S)
            yield [member.user_id for member in reply.members if member.user_id]
            token = reply.next_page_token
            if not token:
                return


class GrpcIdeas:
    def __init__(self, stub: idea_rpc.IdeaInternalServiceStub, campaigns: GrpcCampaigns):
        self._stub = stub
        self._campaigns = campaigns

    async def facts(self, idea_id: str) -> IdeaFacts | None:
        reply = await self._stub.BatchGetIdeas(idea_pb.BatchGetIdeasRequest(idea_ids=[idea_id]), timeout=DEADLINE_S)
        if not reply.ideas:
            return None
        idea = reply.ideas[0]
        campaign = await self._campaigns.facts(idea.campaign_id)
        return IdeaFacts(idea.id, idea.campaign_id, campaign.title, idea.title, idea.submitter_id)
