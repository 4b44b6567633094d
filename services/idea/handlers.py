"""Use cases of the idea service. Coin effects of a status change run in the coin service first, under a request
id derived from the idea, and the status change commits after: a retried or repeated call converges."""

from __future__ import annotations

import logging
import urllib.parse
from datetime import datetime, timedelta, timezone

from services.common import faults, paging, validation
from services.common.concepts import IdeaStatus
from services.common.context import Caller, request_id
from services.common.errors import (
    DUPLICATE_IDEA_DETECTED,
    IDEA_NOT_FOUND,
    Aborted,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from services.idea import domain
from services.idea.domain import CampaignView, Decision, Idea
from services.idea.messages import idea_edited, idea_status_changed, idea_submitted
from services.idea.ports import (
    CampaignAccess,
    CoinMoves,
    CoinsRefused,
    IdeaRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserDirectory,
)

log = logging.getLogger("coins.idea")

CAMPAIGN_IDEAS_PAGE, CAMPAIGN_IDEAS_MAX = 500, 1000


def _now() -> datetime:
    return datetime.now(timezone.utc)


class IdeaHandlers:
    def __init__(self, unit_of_work: UnitOfWorkFactory, campaigns: CampaignAccess, coins: CoinMoves,
                 users: UserDirectory, public_url: str):
        self._unit_of_work = unit_of_work
        self._campaigns = campaigns
        self._coins = coins
        self._users = users
        self._public_url = public_url

    async def _campaign(self, campaign_id: str, caller: Caller) -> CampaignView:
        validation.slug("campaign_id", campaign_id)
        view = await self._campaigns.view(campaign_id, caller.user_id)
        domain.require_campaign_visible(view)
        return view

    async def _coin_total(self, idea: Idea) -> int:
        return (await self._coins.totals(idea.campaign_id, [idea.id])).get(idea.id, 0)

    async def _visible_idea(self, ideas: IdeaRepository, caller: Caller, idea_id: str,
                            lock: bool = False) -> tuple[Idea, CampaignView]:
        idea = await ideas.get(str(validation.uuid_id("idea_id", idea_id)), lock=lock)
        if idea is None:
            raise NotFound(IDEA_NOT_FOUND, "no idea with this id", idea_id=idea_id)
        try:
            campaign = await self._campaign(idea.campaign_id, caller)
        except NotFound:
            campaign = None
        domain.require_visible(idea, campaign, caller, idea_id)
        assert campaign is not None  # require_visible refuses an idea without a campaign
        return idea, campaign

    # ---- submission and reading --------------------------------------------------------------------------------

    async def create(self, caller: Caller, campaign_id: str, title: str, description: str, context_id: str,
                     permalink_source: str, tag_ids: list[str], force: bool) -> Idea:
        campaign = await self._campaign(campaign_id, caller)
        domain.require_submitter(campaign, caller)
        new = domain.submission(title, description, context_id, permalink_source, tag_ids, campaign)
        submitter_name = (await self._users.names([caller.user_id])).get(caller.user_id, "")
        async with self._unit_of_work() as uow:
            if earlier := await uow.requests.replay():
                return await self._stored(uow, earlier["idea_id"])
            if not force:
                closest = await uow.ideas.similar(campaign_id, new.title, domain.visible_statuses(campaign, caller),
                                                  caller.user_id, domain.DUPLICATE_THRESHOLD, 1)
                if closest:
                    twin, score = closest[0]
                    raise FailedPrecondition(
                        DUPLICATE_IDEA_DETECTED, f"a very similar idea exists: \"{twin.title}\"; "
                                                 "back it, or submit with force", existing_idea_id=twin.id,
                        existing_title=twin.title, score=round(score, 3))
            status = domain.first_status(campaign)
            idea_id = domain.new_idea_id(uow.requests.current())
            created = await uow.ideas.add(idea_id, campaign_id, caller.user_id, submitter_name, status, new)
            await uow.events.add(idea_submitted(created, campaign.tags_named(created.tag_ids), caller.user_id,
                                                request_id()))
            await uow.requests.remember({"idea_id": created.id})
            if status == IdeaStatus.COMPETING:
                await self._coins.open_idea(campaign_id, created.id, caller.user_id)
        log.info("idea submitted", extra={"idea_id": created.id, "campaign_id": campaign_id, "status": status})
        return created

    @staticmethod
    async def _stored(uow: UnitOfWork, idea_id: str) -> Idea:
        idea = await uow.ideas.get(idea_id)
        assert idea is not None, idea_id  # ideas are never deleted
        return idea

    async def get(self, caller: Caller, idea_id: str) -> tuple[Idea, int]:
        async with self._unit_of_work() as uow:
            idea, _ = await self._visible_idea(uow.ideas, caller, idea_id)
        return idea, await self._coin_total(idea)

    async def listing(self, caller: Caller, campaign_id: str, status: IdeaStatus | None, tag_id: str,
                      submitter_id: str, context_id: str, order: str, page_size: int,
                      page_token: str) -> tuple[list[tuple[Idea, int]], str]:
        campaign = await self._campaign(campaign_id, caller)
        limit = validation.page_size(page_size)
        offset = paging.offset(page_token)
        totals = await self._coins.totals(campaign_id, []) if order == "most_coins" else {}
        everything = campaign.reads_everything(caller)
        async with self._unit_of_work() as uow:
            ideas = await uow.ideas.listing(
                campaign_id, statuses=None if everything else domain.PUBLIC_STATUSES, own_user=caller.user_id,
                status=status, tag_id=str(validation.uuid_id("tag_id", tag_id)) if tag_id else None,
                submitter_id=str(validation.uuid_id("submitter_id", submitter_id)) if submitter_id else None,
                context_id=domain.context(context_id), order=order, coin_totals=totals, offset=offset,
                limit=limit + 1)
        ideas, token = paging.page(ideas, offset, limit)
        if order != "most_coins":
            totals = await self._coins.totals(campaign_id, [i.id for i in ideas]) if ideas else {}
        return [(i, totals.get(i.id, 0)) for i in ideas], token

    async def similar(self, caller: Caller, campaign_id: str, title: str,
                      page_size: int) -> list[tuple[Idea, float]]:
        campaign = await self._campaign(campaign_id, caller)
        title = validation.text("title", title, max_length=domain.TITLE_MAX)
        limit = validation.page_size(page_size, default=5, maximum=20)
        async with self._unit_of_work() as uow:
            return await uow.ideas.similar(campaign_id, title, domain.visible_statuses(campaign, caller),
                                           caller.user_id, domain.SIMILAR_THRESHOLD, limit)

    async def result(self, caller: Caller, campaign_id: str) -> tuple[bool, datetime | None, list[domain.Ranked]]:
        """(final, when the vote ended, the ranking). The coin service keeps the frozen figures; decisions taken
        after completion show as each idea's status."""
        await self._campaign(campaign_id, caller)
        standing = await self._coins.standing(campaign_id)
        figures = {s.idea_id: (s.coins, s.backers) for s in standing.ideas}
        async with self._unit_of_work() as uow:
            ideas = await uow.ideas.many(list(figures))
        return standing.final, standing.completed_at, domain.ranked([(i, *figures[i.id]) for i in ideas])

    # ---- changes -----------------------------------------------------------------------------------------------

    async def update(self, caller: Caller, idea_id: str, title: str | None, description: str | None) -> Idea:
        async with self._unit_of_work() as uow:
            idea, campaign = await self._visible_idea(uow.ideas, caller, idea_id, lock=True)
            domain.require_editable(idea, caller)
            if title is not None:
                title = validation.text("title", title, max_length=domain.TITLE_MAX)
            if description is not None:
                description = validation.text("description", description, max_length=domain.DESCRIPTION_MAX,
                                              required=False)
            edited = await uow.ideas.edit(idea.id, title, description, _now())
            changed = [name for name, value in (("title", title), ("description", description))
                       if value is not None and value != getattr(idea, name)]
            if changed:
                await uow.events.add(idea_edited(edited, campaign.tags_named(edited.tag_ids), changed,
                                                 caller.user_id, request_id()))
            return edited

    async def change_status(self, caller: Caller, idea_id: str, target: IdeaStatus,
                            reason: str) -> tuple[Idea, int]:
        """Approval and the later steps change the idea alone (approval opens it for coins first, idempotently).
        Accepting and rejecting a competing idea also move its coins: see `finish_decision`."""
        reason = validation.text("reason", reason, max_length=1000, required=False)
        async with self._unit_of_work() as uow:
            idea, campaign = await self._visible_idea(uow.ideas, caller, idea_id, lock=True)
            domain.require_mover(campaign, caller)  # the right to the call comes before any stored answer
            if earlier := await uow.requests.replay():
                decision_id = None
                answered = earlier["idea_id"]
            else:
                answered = idea.id
                decision_id = await self._start_change(uow, idea, campaign, caller, target, reason)
        if decision_id is not None:
            await self.finish_decision(decision_id)
        async with self._unit_of_work() as uow:
            changed = await self._stored(uow, answered)
        return changed, await self._coin_total(changed)

    async def _start_change(self, uow: UnitOfWork, idea: Idea, campaign: CampaignView, caller: Caller,
                            target: IdeaStatus, reason: str) -> int | None:
        """Applies a change without coins at once; records a decision with coins and returns its id."""
        request = uow.requests.current()
        pending = await uow.ideas.open_decision(idea.id)
        if pending is not None:
            if request is not None and pending.request == request:
                return pending.id  # this very request, interrupted: finish it
            raise Aborted("a decision on this idea is being applied; retry in a moment", idea_id=idea.id)
        landing = domain.next_status(idea, target, campaign, caller)
        if domain.moves_coins(idea.status, target):
            return await uow.ideas.add_decision(idea.id, target, caller.user_id, reason, request)
        if target == IdeaStatus.APPROVED:
            await self._coins.open_idea(idea.campaign_id, idea.id, idea.submitter_id)
        await self._move(uow, idea, target, landing, caller.user_id, reason)
        await uow.requests.remember({"idea_id": idea.id})
        return None

    async def _move(self, uow: UnitOfWork, idea: Idea, target: IdeaStatus, landing: IdeaStatus, actor_id: str,
                    reason: str) -> None:
        """Moves the idea and tells it (IdeaStatusChanged, `to_status` the move asked for: APPROVED for an
        approval landing in competing) in the same transaction."""
        await uow.ideas.move(idea.id, landing, actor_id, reason, _now())
        moved = await self._stored(uow, idea.id)
        await uow.events.add(idea_status_changed(moved, idea.status, target, reason, actor_id, request_id()))
        log.info("idea moved", extra={"idea_id": idea.id, "from": idea.status, "to": landing})

    async def finish_decision(self, decision_id: int) -> None:
        """Drives a recorded decision to its one outcome: the coin side (idempotent: keyed by the idea), then the
        idea's status in the transaction that closes the decision. Safe to run twice, from any replica."""
        async with self._unit_of_work() as uow:
            decision = await uow.ideas.decision(decision_id)
        if decision is None or decision.done:
            return
        try:
            await self._coin_side(decision)
        except CoinsRefused as refusal:
            await self._drop_decision(decision_id, refusal.message)
            raise
        # Anything else is transient: the decision stays open for a retry or the sweeper.
        faults.crash_point("idea.decision.after_coin_side")
        async with self._unit_of_work() as uow:
            decision = await uow.ideas.decision(decision_id, lock=True)
            if decision is None or decision.done:
                return  # another replica finished it meanwhile
            idea = await uow.ideas.get(decision.idea_id, lock=True)
            assert idea is not None, decision.idea_id
            await self._move(uow, idea, decision.target, decision.target, decision.actor_id, decision.reason)
            await uow.ideas.close_decision(decision_id, _now())
            await uow.requests.remember({"idea_id": idea.id}, decision.request)

    async def _drop_decision(self, decision_id: int, refusal: str) -> None:
        async with self._unit_of_work() as uow:
            decision = await uow.ideas.decision(decision_id, lock=True)
            if decision is not None and not decision.done:
                await uow.ideas.close_decision(decision_id, _now(), refusal)
        log.warning("decision refused by the coin service", extra={"decision_id": decision_id, "error": refusal})

    async def resume_decisions(self, older_than_s: float) -> int:
        """One sweeper pass: finishes decisions a crash or a lost connection left open."""
        cutoff = _now() - timedelta(seconds=older_than_s)
        async with self._unit_of_work() as uow:
            stalled = await uow.ideas.stalled_decisions(cutoff)
        for decision_id in stalled:
            try:
                await self.finish_decision(decision_id)
            except Exception as error:  # noqa: BLE001 -- one stuck decision must not hold up the others
                log.warning("decision not finished yet", extra={"decision_id": decision_id,
                                                                "error": type(error).__name__})
        return len(stalled)

    async def _coin_side(self, decision: Decision) -> None:
        if decision.target == IdeaStatus.ACCEPTED:
            await self._coins.expend(decision.idea_id, decision.actor_id)
        else:
            await self._coins.recycle(decision.idea_id, decision.actor_id)

    async def tag(self, caller: Caller, idea_id: str, tag_id: str, adding: bool) -> Idea:
        """Adding a tag the idea has, or removing one it has not, changes nothing and tells nothing."""
        async with self._unit_of_work() as uow:
            idea, campaign = await self._visible_idea(uow.ideas, caller, idea_id, lock=True)
            domain.require_tagger(idea, campaign, caller)
            if adding:
                tag_id = domain.tags_of([tag_id], campaign)[0]
                if tag_id in idea.tag_ids:
                    return idea
                await uow.ideas.add_tag(idea.id, tag_id)
            else:
                tag_id = str(validation.uuid_id("tag_id", tag_id))
                if tag_id not in idea.tag_ids:
                    return idea
                await uow.ideas.remove_tag(idea.id, tag_id)
            tagged = await uow.ideas.edit(idea.id, None, None, _now())  # update_time: consumers keep the newest
            await uow.events.add(idea_edited(tagged, campaign.tags_named(tagged.tag_ids), ["tag_ids"],
                                             caller.user_id, request_id()))
            return tagged

    async def permalink(self, caller: Caller, campaign_id: str, context_id: str, source: str) -> str:
        await self._campaign(campaign_id, caller)
        query = {k: v for k, v in (("context_id", domain.context(context_id)), ("source", validation.text(
            "source", source, max_length=domain.SOURCE_MAX, required=False))) if v}
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self._public_url}/c/{urllib.parse.quote(campaign_id)}/submit{suffix}"

    # ---- for other services ------------------------------------------------------------------------------------

    async def batch(self, idea_ids: list[str]) -> list[Idea]:
        async with self._unit_of_work() as uow:
            return await uow.ideas.many([str(validation.uuid_id("idea_ids", i)) for i in idea_ids])

    async def drop_tag(self, campaign_id: str, tag_id: str) -> int:
        async with self._unit_of_work() as uow:
            return await uow.ideas.drop_tag_everywhere(campaign_id, str(validation.uuid_id("tag_id", tag_id)))

    async def campaign_ideas(self, campaign_id: str, page_size: int, page_token: str) -> tuple[list[Idea], str]:
        """Every idea of the campaign in any status, oldest first, without status history. Keyed on the last idea
        read, so ideas submitted while a reader pages through land on later pages and shift none."""
        validation.slug("campaign_id", campaign_id)
        limit = validation.page_size(page_size, default=CAMPAIGN_IDEAS_PAGE, maximum=CAMPAIGN_IDEAS_MAX)
        after = _position_in(campaign_id, paging.decode(page_token))
        async with self._unit_of_work() as uow:
            found = await uow.ideas.in_campaign(campaign_id, after, limit + 1)
        page = found[:limit]
        last = page[-1] if len(found) > limit else None
        token = paging.encode({"campaign_id": campaign_id, "submitted_at": last.submitted_at.isoformat(),
                               "idea_id": last.id}) if last else ""
        return page, token


def _position_in(campaign_id: str, position: dict) -> tuple[datetime, str] | None:
    """Where a ListCampaignIdeas token resumes. Its signature proves the platform issued it, not that this list of
    this campaign did: a ListIdeas token, or one of another campaign, is refused like a forged one."""
    if not position:
        return None
    refused = InvalidArgument("page_token", "page_token is not one this list of this campaign issued; start again "
                                            "without it")
    try:
        submitted_at, idea_id = datetime.fromisoformat(position["submitted_at"]), str(position["idea_id"])
    except (KeyError, TypeError, ValueError):
        raise refused from None
    if position.get("campaign_id") != campaign_id:
        raise refused
    return submitted_at, idea_id
