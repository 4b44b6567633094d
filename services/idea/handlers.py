"""Use cases of the idea service. Coin effects of a status change run in the coin service first, under a request
id derived from the idea, and the status change commits after: a retried or repeated call converges."""

from __future__ import annotations

import logging
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

import grpc

from coins.v1 import campaign_service_pb2 as campaign_pb, campaign_service_pb2_grpc as campaign_rpc
from coins.v1 import coin_service_pb2 as coin_pb, coin_service_pb2_grpc as coin_rpc, resources_pb2 as res
from services.common import faults, idempotency, paging, validation
from services.common.context import Caller
from services.common.db import Database
from services.common.directory import UserDirectory
from services.common.errors import (
    DUPLICATE_IDEA_DETECTED, IDEA_NOT_FOUND, Aborted, FailedPrecondition, NotFound,
)
from services.common.idempotency import Requests
from services.idea import domain
from services.idea.domain import CampaignView, Idea
from services.idea.repository import DecisionRow, IdeaRepository, IdeaRow

log = logging.getLogger("coins.idea")
DEADLINE_S = 10
STATUSES = {res.CAMPAIGN_STATUS_DRAFT: "draft", res.CAMPAIGN_STATUS_ACTIVE: "active",
            res.CAMPAIGN_STATUS_COMPLETED: "completed", res.CAMPAIGN_STATUS_ARCHIVED: "archived"}
ROLES = {res.CAMPAIGN_ROLE_MEMBER: "member", res.CAMPAIGN_ROLE_MANAGER: "manager"}
TYPES = {res.CAMPAIGN_TYPE_OPEN: "open", res.CAMPAIGN_TYPE_MEDIATED: "mediated", res.CAMPAIGN_TYPE_CLOSED: "closed"}


class IdeaHandlers:
    def __init__(self, database: Database, campaigns: campaign_rpc.CampaignInternalServiceStub,
                 coins: coin_rpc.CoinInternalServiceStub, directory: UserDirectory, public_url: str,
                 requests: Requests):
        self._db = database
        self._requests = requests
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
                     permalink_source: str, tag_ids: list[str], force: bool) -> Idea:
        campaign = await self._campaign(slug, caller)
        domain.require_submitter(campaign, caller)
        new = domain.submission(title, description, context_id, permalink_source, tag_ids, campaign)
        account = (await self._directory.by_ids([caller.user_id])).get(caller.user_id)
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            if earlier := await self._requests.replay(session):
                return (await repo.idea(uuid.UUID(earlier["idea_id"]))).idea()
            if not force:
                # Only ideas the caller may see count as duplicates: naming another member's pending idea would
                # reveal it.
                closest = await repo.similar(slug, new.title, domain.duplicate_statuses(campaign, caller),
                                             uuid.UUID(caller.user_id), domain.DUPLICATE_THRESHOLD, 1)
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
            await self._requests.remember(session, {"idea_id": str(idea_id)})
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
        offset = paging.offset(page_token)
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
        ideas, token = paging.page(ideas, offset, limit)
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

    async def result(self, caller: Caller, slug: str) -> tuple[bool, datetime | None, list[domain.Ranked]]:
        """(final, when the vote ended, the ranking). The coin service keeps the frozen figures; decisions taken
        after completion show as each idea's status."""
        await self._campaign(slug, caller)
        standing = await self._coins.GetCampaignStanding(coin_pb.GetCampaignStandingRequest(campaign_id=slug),
                                                         timeout=DEADLINE_S)
        figures = {s.idea_id: (s.coins, s.backers) for s in standing.ideas}
        async with self._db.unit_of_work() as session:
            rows = await IdeaRepository(session).ideas([uuid.UUID(i) for i in figures])
            ideas = [row.idea() for row in rows]
        ended = standing.complete_time.ToDatetime(timezone.utc) if standing.final else None
        return standing.final, ended, domain.ranked([(i, *figures[i.id]) for i in ideas])

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

    async def change_status(self, caller: Caller, idea_id: str, target: str, reason: str) -> tuple[Idea, int]:
        """Approval and the later steps change the idea alone (approval opens it for coins first, idempotently).
        Accepting and rejecting a competing idea also move its coins: see `_decide`."""
        reason = validation.text("reason", reason, max_length=1000, required=False)
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            row, campaign = await self._visible_idea(repo, caller, idea_id, lock=True)
            if earlier := await self._requests.replay(session):
                decision = None
                answered = uuid.UUID(earlier["idea_id"])
            else:
                answered = row.id
                decision = await self._start_change(repo, row, campaign, caller, target, reason)
        if decision is not None:
            await self.finish_decision(decision)
        async with self._db.unit_of_work() as session:
            changed = (await IdeaRepository(session).idea(answered)).idea()
        return changed, (await self._coin_totals(changed.campaign_slug, [changed.id])).get(changed.id, 0)

    async def _start_change(self, repo: IdeaRepository, row: IdeaRow, campaign: CampaignView, caller: Caller,
                            target: str, reason: str) -> int | None:
        """Applies a change without coins at once; records a decision with coins and returns its id."""
        key = idempotency.current_key()
        pending = await repo.open_decision(row.id)
        if pending is not None:
            if key is not None and pending.request_key() == key:
                return pending.id  # this very request, interrupted: finish it
            raise Aborted("a decision on this idea is being applied; retry in a moment", idea_id=str(row.id))
        before = row.status
        landing = domain.next_status(row.idea(), target, campaign, caller)
        if domain.moves_coins(before, target):
            decision = await repo.add_decision(DecisionRow(
                idea_id=row.id, target=target, actor_id=uuid.UUID(caller.user_id), reason=reason,
                **({"request_caller": key.caller, "request_method": key.method, "request_id": key.request_id,
                    "request_fingerprint": key.fingerprint} if key else {})))
            return decision.id
        if target == domain.APPROVED:
            await self._open_for_coins(row.campaign_id, str(row.id), str(row.submitter_id))
        await self._apply(repo, row, landing, uuid.UUID(caller.user_id), reason)
        await self._requests.remember(repo.session, {"idea_id": str(row.id)})
        return None

    async def _apply(self, repo: IdeaRepository, row: IdeaRow, landing: str, actor: uuid.UUID, reason: str) -> None:
        now = datetime.now(timezone.utc)
        before, row.status, row.updated_at = row.status, landing, now
        setattr(row, domain.STAMPS[landing], now)
        await repo.record_change(row.id, before, landing, actor, reason)
        log.info("idea moved", extra={"idea_id": str(row.id), "from": before, "to": landing})

    async def finish_decision(self, decision_id: int) -> None:
        """Drives a recorded decision to its one outcome: the coin side (idempotent: keyed by the idea), then the
        idea's status in the transaction that closes the decision. Safe to run twice, from any replica."""
        async with self._db.unit_of_work() as session:
            decision = await IdeaRepository(session).decision(decision_id)
        if decision is None or decision.done_at is not None:
            return
        try:
            await self._coin_side(decision)
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                raise  # transient: the decision stays open for a retry or the sweeper
            await self._drop_decision(decision_id, error.details() or error.code().name)
            raise
        faults.crash_point("idea.decision.after_coin_side")
        async with self._db.unit_of_work() as session:
            repo = IdeaRepository(session)
            decision = await repo.decision(decision_id, lock=True)
            if decision.done_at is not None:
                return  # another replica finished it meanwhile
            row = await repo.idea(decision.idea_id, lock=True)
            await self._apply(repo, row, decision.target, decision.actor_id, decision.reason)
            decision.done_at = datetime.now(timezone.utc)
            await self._requests.remember(session, {"idea_id": str(row.id)}, decision.request_key())

    async def _drop_decision(self, decision_id: int, refusal: str) -> None:
        async with self._db.unit_of_work() as session:
            decision = await IdeaRepository(session).decision(decision_id, lock=True)
            if decision.done_at is None:
                decision.done_at, decision.refusal = datetime.now(timezone.utc), refusal
        log.warning("decision refused by the coin service", extra={"decision_id": decision_id, "error": refusal})

    async def resume_decisions(self, older_than_s: float) -> int:
        """One sweeper pass: finishes decisions a crash or a lost connection left open."""
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=older_than_s)
        async with self._db.unit_of_work() as session:
            stalled = await IdeaRepository(session).stalled_decisions(cutoff)
        for decision_id in stalled:
            try:
                await self.finish_decision(decision_id)
            except grpc.aio.AioRpcError as error:
                log.warning("decision not finished yet", extra={"decision_id": decision_id,
                                                                "error": error.code().name})
        return len(stalled)

    async def _coin_side(self, decision: DecisionRow) -> None:
        idea_id, actor = str(decision.idea_id), str(decision.actor_id)
        if decision.target == domain.ACCEPTED:
            await self._coins.ExpendIdeaCoins(coin_pb.ExpendIdeaCoinsRequest(
                idea_id=idea_id, actor_id=actor, request_id=f"accept:{idea_id}"), timeout=DEADLINE_S)
        else:
            await self._coins.RecycleIdeaCoins(coin_pb.RecycleIdeaCoinsRequest(
                idea_id=idea_id, actor_id=actor, request_id=f"reject:{idea_id}"), timeout=DEADLINE_S)

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
