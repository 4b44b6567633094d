"""What the notification service does with each domain event: whom it tells what, in the app and by mail.

Every write is idempotent (one notification per event, user and kind; one mail per event, template and recipient),
so an event delivered twice, or a fan-out that a crash interrupted halfway, completes without telling anyone twice.
A campaign-wide event is written a page of members at a time; the event is claimed as processed with the last
page, and the consumer skips it from then on."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coins.v1 import events_pb2 as ev
from services.common.concepts import Channel, EmailDelivery, LedgerEntryKind, NotificationKind
from services.common.proto_enums import CAMPAIGN_ROLE, IDEA_STATUS, LEDGER_ENTRY_KIND
from services.notification import domain
from services.notification.domain import CampaignFacts, IdeaFacts, Links, MailTemplate, Notice
from services.notification.ports import Accounts, Campaigns, Ideas, LiveFeed, UnitsOfWork
from services.notification.repository import QueuedMail

log = logging.getLogger("coins.notification")

Kind = NotificationKind


@dataclass
class Outcome:
    """What one write of a reaction stores: notices for the app and mails for the queue."""

    notices: list[Notice] = field(default_factory=list)
    mails: list[QueuedMail] = field(default_factory=list)


def _sealed(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _time(stamp: Any) -> str:
    return stamp.ToDatetime().strftime("%d %b %Y %H:%M UTC") if stamp.seconds else ""


class EventReactions:
    def __init__(self, units: UnitsOfWork, accounts: Accounts, campaigns: Campaigns, ideas: Ideas, live: LiveFeed,
                 links: Links, mail_written: Callable[[], None] = lambda: None):
        self._units = units
        self._accounts = accounts
        self._campaigns = campaigns
        self._ideas = ideas
        self._live = live
        self._links = links
        self._mail_written = mail_written
        self._reactions: dict[str, Callable[[ev.Event], Awaitable[None]]] = {
            "member_invited": self._invited,
            "email_verification_requested": self._verification,
            "idea_status_changed": self._idea_moved,
            "coins_moved": self._coins_moved,
            "campaign_started": self._campaign_wide,
            "campaign_ending_soon": self._campaign_wide,
            "campaign_completed": self._campaign_wide,
            "campaign_changed": self._campaign_changed,
        }

    def wants(self, event: ev.Event) -> bool:
        """Whether `handle` does anything with the event: most coin moves, say, tell nobody."""
        which = event.WhichOneof("payload") or ""
        if which == "coins_moved":
            return event.coins_moved.operation in (ev.COIN_OPERATION_ACCEPT_IDEA, ev.COIN_OPERATION_REJECT_IDEA)
        return which in self._reactions

    async def handle(self, event: ev.Event) -> None:
        """The consumer's handler: events nobody is told of pass through untouched."""
        react = self._reactions.get(event.WhichOneof("payload") or "")
        if react is not None:
            await react(event)

    # ---- account mails: always sent -------------------------------------------------------------------------------

    async def _verification(self, event: ev.Event) -> None:
        request = event.email_verification_requested
        user_id = event.subject.removeprefix("users/")
        mail = QueuedMail(domain.mail_key(event.event_id, MailTemplate.VERIFICATION, request.email), request.email,
                          request.full_name, MailTemplate.VERIFICATION,
                          {"recipient_name": request.full_name, "sealed_link": _sealed(request.sealed_link),
                           "expire_time": _time(request.expire_time)}, user_id=user_id or None)
        await self._write(event, Outcome(mails=[mail]), last=True)

    async def _invited(self, event: ev.Event) -> None:
        invitation = event.member_invited
        campaign = CampaignFacts(event.campaign_id, invitation.campaign_title)
        role = CAMPAIGN_ROLE.from_proto("role", invitation.role)
        invitee, inviter = await asyncio.gather(
            self._accounts.by_email(invitation.email),
            self._accounts.by_ids([event.actor_id] if event.actor_id else []))
        outcome = Outcome(mails=[QueuedMail(
            domain.mail_key(event.event_id, MailTemplate.INVITATION, invitation.email), invitation.email,
            invitee.full_name if invitee else "", MailTemplate.INVITATION,
            {"campaign_title": campaign.title, "role": role.value, "sealed_link": _sealed(invitation.sealed_link),
             "expire_time": _time(invitation.expire_time),
             "inviter_name": inviter[event.actor_id].full_name if event.actor_id in inviter else ""},
            user_id=invitee.id if invitee else None)])
        if invitee is not None and invitee.active:
            # The mail above is the account mail; the app only says one came, and respects preferences.
            notice = domain.invitation_notice(invitee.id, campaign, role, self._links)
            outcome.notices = (await self._delivery(event, [notice], by_mail=False)).notices
        await self._write(event, outcome, last=True)

    # ---- ideas and coins ------------------------------------------------------------------------------------------

    async def _idea_moved(self, event: ev.Event) -> None:
        change = event.idea_status_changed
        kind = domain.status_kind(IDEA_STATUS.from_proto("to_status", change.to_status))
        if kind is None:
            return
        campaign = await self._campaigns.facts(change.idea.campaign_id)
        idea = IdeaFacts(change.idea.id, campaign.id, campaign.title, change.idea.title, change.idea.submitter_id)
        notice = domain.submitter_notice(idea, kind, change.reason, self._links)
        await self._write(event, await self._delivery(event, [notice]), last=True)

    async def _coins_moved(self, event: ev.Event) -> None:
        moved = event.coins_moved
        accepted = moved.operation == ev.COIN_OPERATION_ACCEPT_IDEA
        if not accepted and moved.operation != ev.COIN_OPERATION_REJECT_IDEA:
            return
        wanted = domain.ACCEPTED_ENTRY_KINDS if accepted else domain.REJECTED_ENTRY_KINDS
        coins: dict[str, dict[str, tuple[int, LedgerEntryKind]]] = defaultdict(dict)
        for entry in moved.entries:
            kind = LEDGER_ENTRY_KIND.from_proto("kind", entry.kind)
            if kind in wanted and entry.idea_id:
                amount, _ = coins[entry.idea_id].get(entry.user_id, (0, kind))
                coins[entry.idea_id][entry.user_id] = (amount + entry.amount, kind)
        notices: list[Notice] = []
        for idea_id, by_backer in coins.items():
            idea = await self._ideas.facts(idea_id)
            if idea is None:
                log.warning("coins moved on an unknown idea", extra={"idea_id": idea_id, "event_id": event.event_id})
                continue
            notices += domain.backer_notices(idea, accepted, by_backer, self._links)
        await self._write(event, await self._delivery(event, notices), last=True)

    # ---- campaign-wide --------------------------------------------------------------------------------------------

    async def _campaign_wide(self, event: ev.Event) -> None:
        which = event.WhichOneof("payload")
        kind = {"campaign_started": Kind.CAMPAIGN_STARTED, "campaign_ending_soon": Kind.CAMPAIGN_ENDING,
                "campaign_completed": Kind.CAMPAIGN_COMPLETED}[which or ""]
        payload = getattr(event, which or "")
        end = payload.end_time if kind is Kind.CAMPAIGN_ENDING else payload.campaign.end_time
        campaign = CampaignFacts(event.campaign_id, payload.campaign.title,
                                 end.ToDatetime() if end.seconds else None)
        title, body, link = domain.campaign_notice(kind, campaign, self._links)
        async for page in self._campaigns.member_ids(campaign.id):
            notices = [Notice(user_id, kind, title, body, campaign.id, campaign.title, "", link) for user_id in page]
            await self._write(event, await self._delivery(event, notices), last=False)
        await self._write(event, Outcome(), last=True)

    async def _campaign_changed(self, event: ev.Event) -> None:
        self._campaigns.forget(event.campaign_id)  # its title may have changed

    # ---- delivery -------------------------------------------------------------------------------------------------

    async def _delivery(self, event: ev.Event, notices: Sequence[Notice], *, by_mail: bool = True) -> Outcome:
        """The notices each recipient wants in the app, and (unless `by_mail` is off) the mails they want, now or in
        their digest."""
        if not notices:
            return Outcome()
        async with self._units() as uow:
            preferences = await uow.store.preferences(sorted({n.user_id for n in notices}))
        mailed = [n for n in notices if by_mail and preferences[n.user_id].enabled(n.kind, Channel.EMAIL)]
        recipients = await self._accounts.by_ids(sorted({n.user_id for n in mailed})) if mailed else {}
        mails = []
        for notice in mailed:
            recipient = recipients.get(notice.user_id)
            if recipient is None or not recipient.active:
                continue
            mails.append(QueuedMail(
                domain.mail_key(event.event_id, f"{MailTemplate.NOTIFICATION}:{notice.kind}", notice.user_id),
                recipient.email, recipient.full_name, MailTemplate.NOTIFICATION,
                {"recipient_name": recipient.full_name, "title": notice.title, "body": notice.body,
                 "campaign_title": notice.campaign_title, "link": notice.link},
                user_id=notice.user_id, kind=notice.kind,
                for_digest=preferences[notice.user_id].email_delivery is EmailDelivery.DAILY_DIGEST))
        return Outcome([n for n in notices if preferences[n.user_id].enabled(n.kind, Channel.IN_APP)], mails)

    async def _write(self, event: ev.Event, outcome: Outcome, *, last: bool) -> None:
        async with self._units() as uow:
            if last and not await uow.store.claim_event(event.event_id):
                return  # a concurrent delivery of the same event got there first
            stored = await uow.store.add_notifications(event.event_id, outcome.notices)
            queued = await uow.store.queue_mails(outcome.mails)
        if stored:
            await self._live.publish(stored)
        if queued:
            self._mail_written()

