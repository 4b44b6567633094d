"""Use cases of the idea service. Coin effects of a status change run in the coin service first, under a request
id derived from the idea, and the status change commits after: a retried or repeated call converges."""

from __future__ import annotations

import logging
import urllib.parse
import uuid
from datetime import datetime, timezone

from coins.v1 import campaign_service_pb2 as campaign_pb, campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb, coin_service_pb2_grpc as coin_rpc, resources_pb2 as res
from services.common import validation
from services.common.context import Caller
from services.common.db import Database
from services.common.directory import UserDirectory
from services.common.errors import DUPLICATE_IDEA_DETECTED, IDEA_NOT_FOUND, FailedPrecondition, InvalidArgument, NotFound
from services.idea import domain
from services.idea.domain import CampaignView, Idea
from services.idea.repository import IdeaRepository, IdeaRow

log = logging.getLogger("coins.idea")
DEADLINE_S = 10
STATUSES = {res.CAMPAIGN_STATUS_DRAFT: "draft", res.CAMPAIGN_STATUS_ACTIVE: "active",
            res.CAMPAIGN_STATUS_COMPLETED: "completed", res.CAMPAIGN_STATUS_ARCHIVED: "archived"}
ROLES = {res.CAMPAIGN_ROLE_MEMBER: "member", res.CAMPAIGN_ROLE_MANAGER: "manager"}
TYPES = {res.CAMPAIGN_TYPE_OPEN: "open", res.CAMPAIGN_TYPE_MEDIATED: "mediated", res.CAMPAIGN_TYPE_CLOSED: "closed"}


class IdeaHandlers:
    def __init__(self, database: Database, campaigns: campaign_rpc.CampaignInternalServiceStub,
                 coins: coin_rpc.CoinInternalServiceStub, directory: UserDirectory, public_url: str):
        self._db = database
        self._campaigns = campaigns
        self._coins = coins
        self._directory = directory
        self._public_url = public_url

    async def _campaign(self, slug: str, caller: Caller) -> CampaignView:
        validation.slug("campaign_id", slug)
        access = await self._campaigns.GetCampaignAccess(
            campaign_pb.GetCampaignAccessRequest(campaign_id=slug, user_id=caller.user_id), timeout=DEADLINE_S)
        view = CampaignView(slug, TYPES[access.campaign.type], STATUSES[access.campaign.status],
                            ROLES.get(access.role), access.sponsor, access.visible,
                            frozenset(t.id for t in access.tags))
        domain.require_campaign_visible(view)
        return view

    async def _coin_totals(self, slug: str, ids: list[str]) -> dict[str, int]:
        reply = await self._coins.ListIdeaTotals(coin_pb.ListIdeaTotalsRequest(campaign_id=slug, idea_ids=ids),
                                                 timeout=DEADLINE_S)
        return {t.idea_id: t.total for t in reply.totals}

    async def _visible_idea(self, repo: IdeaRepository, caller: Caller, idea_id: str,
                            lock: bool = False) -> tuple[IdeaRow, CampaignView]:
        row = await repo.idea(validation.uuid_id("idea_id", idea_id), lock=lock)
        if row is None:
            raise NotFound(IDEA_NOT_FOUND, "no idea with this id", idea_id=idea_id)
        try:
            campaign = await self._campaign(row.campaign_id, caller)
        except NotFound:
            campaign = None
        domain.require_visible(row.idea(), campaign, caller, idea_id)
        return row, campaign

    # ---- submission and reading --------------------------------------------------------------------------------

    async def create(self, caller: Caller, slug: str, title: str, description: str, context_id: str,
                     permalink_source: str, tag_ids: list[str], force: bool, request_id: str) -> Idea:
        campaign = await self._campaign(slug, caller)
        domain.require_submitter(campaign, caller)
        new = domain.submission(title, description, context_id, permalink_source, tag_ids, campaign)
        request_id = validation.text("request_id", request_id, max_length=64, required=False)
        account = (await self._directory.by_ids([caller.user_id])).get(caller.user_id)
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            if request_id and (earlier := await repo.request_idea(request_id)):
                return (await repo.idea(earlier)).idea()
            if not force:
                closest = await repo.similar(slug, new.title, domain.LIVE_STATUSES, None,
                                             domain.DUPLICATE_THRESHOLD, 1)
                if closest:
                    twin, score = closest[0]
                    raise FailedPrecondition(
                        DUPLICATE_IDEA_DETECTED, f"a very similar idea exists: \"{twin.title}\"; "
                                                 "back it, or submit with force", existing_idea_id=str(twin.id),
                        existing_title=twin.title, score=round(score, 3))
            idea_id = uuid.uuid4()
            status = domain.first_status(campaign)
            row = IdeaRow(id=idea_id, campaign_id=slug, submitter_id=uuid.UUID(caller.user_id),
                          submitter_name=account.full_name if account else "", title=new.title,
                          description=new.description, status=status, context_id=new.context_id,
                          permalink_source=new.permalink_source)
            await repo.add(row)
            for tag_id in new.tag_ids:
                await repo.add_tag(idea_id, uuid.UUID(tag_id))
            if request_id:
                await repo.remember_request(request_id, idea_id)
            if status == domain.COMPETING:
                await self._open_for_coins(slug, str(idea_id), caller.user_id)
            session.expunge(row)
            created = (await repo.idea(idea_id)).idea()
        log.info("idea submitted", extra={"idea_id": str(idea_id), "campaign_id": slug, "status": status})
        return created

    async def get(self, caller: Caller, idea_id: str) -> tuple[Idea, int]:
        async with self._db.unit_of_work() as session:
            row, _ = await self._visible_idea(IdeaRepository(session), caller, idea_id)
            idea = row.idea()
        return idea, (await self._coin_totals(idea.campaign_slug, [idea.id])).get(idea.id, 0)

    async def list(self, caller: Caller, slug: str, status: str | None, tag_id: str, submitter_id: str,
                   context_id: str, order: str, page_size: int, page_token: str) -> tuple[list[tuple[Idea, int]], str]:
        campaign = await self._campaign(slug, caller)
        limit = validation.page_size(page_size)
        offset = (validation.decode_page_token(page_token) or {}).get("offset", 0)
        if not isinstance(offset, int) or offset < 0:
            raise InvalidArgument("page_token", "page_token is not one this service issued")
        totals = await self._coin_totals(slug, []) if order == "most_coins" else {}
        everything = campaign.reads_everything(caller)
        async with self._db.unit_of_work() as session:
            rows = await IdeaRepository(session).listing(
                slug, statuses=None if everything else domain.PUBLIC_STATUSES,
                own_user=uuid.UUID(caller.user_id), status=status,
                tag_id=validation.uuid_id("tag_id", tag_id) if tag_id else None,
                submitter=validation.uuid_id("submitter_id", submitter_id) if submitter_id else None,
                context_id=domain.context(context_id), order=order, coin_totals=totals, offset=offset,
                limit=limit + 1)
            ideas = [row.idea() for row in rows]
        token = validation.encode_page_token({"offset": offset + limit}) if len(ideas) > limit else ""
        ideas = ideas[:limit]
        if order != "most_coins":
            totals = await self._coin_totals(slug, [i.id for i in ideas]) if ideas else {}
        return [(i, totals.get(i.id, 0)) for i in ideas], token

    async def similar(self, caller: Caller, slug: str, title: str, page_size: int) -> list[tuple[Idea, float]]:
        campaign = await self._campaign(slug, caller)
        title = validation.text("title", title, max_length=domain.TITLE_MAX)
        limit = validation.page_size(page_size, default=5, maximum=20)
        statuses = domain.LIVE_STATUSES if campaign.reads_everything(caller) else domain.PUBLIC_STATUSES
        async with self._db.unit_of_work() as session:
            found = await IdeaRepository(session).similar(slug, title, statuses, uuid.UUID(caller.user_id),
                                                          domain.SIMILAR_THRESHOLD, limit)
            return [(row.idea(), score) for row, score in found]

    # ---- changes -----------------------------------------------------------------------------------------------

    async def update(self, caller: Caller, idea_id: str, title: str | None, description: str | None) -> Idea:
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            row, _ = await self._visible_idea(repo, caller, idea_id, lock=True)
            domain.require_editable(row.idea(), caller)
            if title is not None:
                row.title = validation.text("title", title, max_length=domain.TITLE_MAX)
            if description is not None:
                row.description = validation.text("description", description, max_length=domain.DESCRIPTION_MAX,
                                                  required=False)
            row.updated_at = datetime.now(timezone.utc)
            await session.flush()
            session.expunge(row)
            return (await repo.idea(row.id)).idea()

    async def change_status(self, caller: Caller, idea_id: str, target: str, reason: str,
                            request_id: str) -> tuple[Idea, int]:
        reason = validation.text("reason", reason, max_length=1000, required=False)
        request_id = validation.text("request_id", request_id, max_length=64, required=False)
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            if request_id and (earlier := await repo.request_idea(request_id)):
                return (await repo.idea(earlier)).idea(), 0
            row, campaign = await self._visible_idea(repo, caller, idea_id, lock=True)
            before = row.status
            landing = domain.next_status(row.idea(), target, campaign, caller)
            await self._coin_side(row, before, target, caller)
            now = datetime.now(timezone.utc)
            row.status, row.updated_at = landing, now
            setattr(row, domain.STAMPS[target], now)
            await repo.record_change(row.id, before, landing, uuid.UUID(caller.user_id), reason)
            if request_id:
                await repo.remember_request(request_id, row.id)
            session.expunge(row)
            changed = (await repo.idea(row.id)).idea()
        log.info("idea moved", extra={"idea_id": idea_id, "from": before, "to": landing})
        return changed, (await self._coin_totals(changed.campaign_slug, [changed.id])).get(changed.id, 0)

    async def _coin_side(self, row: IdeaRow, before: str, target: str, caller: Caller) -> None:
        idea_id = str(row.id)
        if target == domain.APPROVED:
            await self._open_for_coins(row.campaign_id, idea_id, str(row.submitter_id))
        elif target == domain.ACCEPTED:
            await self._coins.ExpendIdeaCoins(coin_pb.ExpendIdeaCoinsRequest(
                idea_id=idea_id, actor_id=caller.user_id, request_id=f"accept:{idea_id}"), timeout=DEADLINE_S)
        elif target == domain.REJECTED and before == domain.COMPETING:
            await self._coins.RecycleIdeaCoins(coin_pb.RecycleIdeaCoinsRequest(
                idea_id=idea_id, actor_id=caller.user_id, request_id=f"reject:{idea_id}"), timeout=DEADLINE_S)

    async def _open_for_coins(self, slug: str, idea_id: str, submitter_id: str) -> None:
        await self._coins.OpenIdea(coin_pb.OpenIdeaRequest(campaign_id=slug, idea_id=idea_id,
                                                           submitter_id=submitter_id, request_id=f"open:{idea_id}"),
                                   timeout=DEADLINE_S)

    async def tag(self, caller: Caller, idea_id: str, tag_id: str, adding: bool) -> Idea:
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            row, campaign = await self._visible_idea(repo, caller, idea_id, lock=True)
            domain.require_tagger(row.idea(), campaign, caller)
            tag = uuid.UUID(domain.tags_of([tag_id], campaign)[0]) if adding else validation.uuid_id("tag_id", tag_id)
            await (repo.add_tag(row.id, tag) if adding else repo.remove_tag(row.id, tag))
            session.expunge(row)
            return (await repo.idea(row.id)).idea()

    async def permalink(self, caller: Caller, slug: str, context_id: str, source: str) -> str:
        await self._campaign(slug, caller)
        query = {k: v for k, v in (("context_id", domain.context(context_id)), ("source", validation.text(
            "source", source, max_length=domain.SOURCE_MAX, required=False))) if v}
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self._public_url}/c/{urllib.parse.quote(slug)}/submit{suffix}"

    # ---- for other services ------------------------------------------------------------------------------------

    async def batch(self, idea_ids: list[str]) -> list[Idea]:
        async with self._db.unit_of_work() as session:
            rows = await IdeaRepository(session).ideas([validation.uuid_id("idea_ids", i) for i in idea_ids])
            return [row.idea() for row in rows]

    async def drop_tag(self, slug: str, tag_id: str) -> int:
        async with self._db.unit_of_work() as session:
            return await IdeaRepository(session).drop_tag_everywhere(slug, validation.uuid_id("tag_id", tag_id))
