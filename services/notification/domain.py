"""The notification service's rules: what each event tells whom, the default channels, how preferences read and
change, when a digest is due, and the signed unsubscribe links. Plain functions over plain values."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.common.concepts import (
    CampaignRole,
    Channel,
    EmailDelivery,
    IdeaStatus,
    LedgerEntryKind,
    NotificationKind,
)
from services.common.errors import InvalidArgument

Kind = NotificationKind

# PRODUCT.md: in-app on for every event; email on only for invitations and decisions on one's own idea.
EMAIL_BY_DEFAULT = frozenset({Kind.INVITED, Kind.IDEA_APPROVED, Kind.IDEA_REJECTED, Kind.IDEA_ACCEPTED})

# An idea's move in its workflow (the move asked for: APPROVED, though the idea lands in COMPETING), as its
# submitter hears of it.
_STATUS_KINDS = {
    IdeaStatus.APPROVED: Kind.IDEA_APPROVED,
    IdeaStatus.REJECTED: Kind.IDEA_REJECTED,
    IdeaStatus.ACCEPTED: Kind.IDEA_ACCEPTED,
    IdeaStatus.IN_PROGRESS: Kind.IDEA_STARTED,
    IdeaStatus.COMPLETE: Kind.IDEA_COMPLETED,
}

# How each kind is named to people: in digests (whose unsubscribe links are listed by these names) and when
# unsubscribing.
KIND_NAMES = {
    Kind.INVITED: "Invitations",
    Kind.IDEA_APPROVED: "Your idea approved",
    Kind.IDEA_REJECTED: "Your idea rejected",
    Kind.IDEA_ACCEPTED: "Your idea accepted",
    Kind.IDEA_STARTED: "Work started on your idea",
    Kind.IDEA_COMPLETED: "Your idea completed",
    Kind.BACKED_IDEA_ACCEPTED: "An idea you backed accepted",
    Kind.BACKED_IDEA_REJECTED: "An idea you backed rejected",
    Kind.CAMPAIGN_STARTED: "Campaign started",
    Kind.CAMPAIGN_ENDING: "Campaign ending within a day",
    Kind.CAMPAIGN_COMPLETED: "Campaign completed",
}

ORDER_NEWEST = "create_time desc"
ORDER_UNREAD_FIRST = "read, create_time desc"

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Notice:
    """One notification for one user, as an event produces it."""

    user_id: str
    kind: NotificationKind
    title: str
    body: str
    campaign_id: str = ""
    campaign_title: str = ""
    idea_id: str = ""
    link: str = ""


@dataclass(frozen=True)
class Notification:
    """A stored notification."""

    id: str
    seq: int
    notice: Notice
    read: bool
    created_at: datetime


@dataclass(frozen=True)
class Preferences:
    """A user's choices: only what differs from the defaults is stored."""

    overrides: Mapping[tuple[NotificationKind, Channel], bool] = field(default_factory=dict)
    email_delivery: EmailDelivery = EmailDelivery.IMMEDIATE

    def enabled(self, kind: NotificationKind, channel: Channel) -> bool:
        return self.overrides.get((kind, channel), default_enabled(kind, channel))

    def every_pair(self) -> list[tuple[NotificationKind, Channel, bool]]:
        return [(kind, channel, self.enabled(kind, channel)) for kind in NotificationKind for channel in Channel]


def default_enabled(kind: NotificationKind, channel: Channel) -> bool:
    return channel is Channel.IN_APP or kind in EMAIL_BY_DEFAULT


@dataclass(frozen=True)
class PreferenceChange:
    """What UpdateNotificationPreferences asks for: pairs to set, and the email delivery if it is to change."""

    pairs: dict[tuple[NotificationKind, Channel], bool]
    email_delivery: EmailDelivery | None


UPDATABLE = frozenset({"preferences", "email_delivery"})


def preference_change(mask: Iterable[str], pairs: list[tuple[NotificationKind, Channel, bool]],
                      email_delivery: EmailDelivery | None) -> PreferenceChange:
    """The change a request asks for. An empty mask means every field the request gives."""
    paths = set(mask)
    if unknown := paths - UPDATABLE:
        raise InvalidArgument("update_mask", f"cannot update {', '.join(sorted(unknown))}; "
                                             f"the fields are {', '.join(sorted(UPDATABLE))}")
    if not paths:
        paths = {name for name, given in (("preferences", pairs), ("email_delivery", email_delivery)) if given}
        if not paths:
            raise InvalidArgument("preferences", "give preferences or email_delivery to change")
    if "email_delivery" in paths and email_delivery is None:
        raise InvalidArgument("preferences.email_delivery", "email_delivery is required when the mask names it")
    chosen: dict[tuple[NotificationKind, Channel], bool] = {}
    if "preferences" in paths:
        for kind, channel, enabled in pairs:
            if (kind, channel) in chosen and chosen[kind, channel] != enabled:
                raise InvalidArgument("preferences", f"{kind} on {channel} is given twice with different values")
            chosen[kind, channel] = enabled
    return PreferenceChange(chosen, email_delivery if "email_delivery" in paths else None)


def list_order(order_by: str) -> str:
    normalized = " ".join(order_by.replace(",", ", ").split()).replace(" ,", ",")
    if normalized in ("", ORDER_NEWEST):
        return ORDER_NEWEST
    if normalized == ORDER_UNREAD_FIRST:
        return ORDER_UNREAD_FIRST
    raise InvalidArgument("order_by", f"order_by is {ORDER_NEWEST!r} (the default) or {ORDER_UNREAD_FIRST!r}")


# ---- what each event tells ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Where things are in the web app, served at the public URL."""

    base: str

    def campaign(self, campaign_id: str) -> str:
        return f"{self.base}/c/{campaign_id}"

    def idea(self, campaign_id: str, idea_id: str) -> str:
        return f"{self.base}/c/{campaign_id}/ideas/{idea_id}"

    def result(self, campaign_id: str) -> str:
        return f"{self.base}/c/{campaign_id}/result"

    def unsubscribe(self, token: str) -> str:
        return f"{self.base}/notifications:unsubscribe?token={token}"


@dataclass(frozen=True)
class IdeaFacts:
    id: str
    campaign_id: str
    campaign_title: str
    title: str
    submitter_id: str


def status_kind(to_status: IdeaStatus) -> NotificationKind | None:
    """The notification an idea's move gives its submitter; None for moves nobody is told of."""
    return _STATUS_KINDS.get(to_status)


_STATUS_TEXT = {
    Kind.IDEA_APPROVED: ("Your idea was approved", "“{idea}” is approved and now competing for coins in {campaign}."),
    Kind.IDEA_REJECTED: ("Your idea was rejected", "“{idea}” was rejected in {campaign}."),
    Kind.IDEA_ACCEPTED: ("Your idea was accepted",
                         "“{idea}” was accepted in {campaign}: the coins on it go to making it happen."),
    Kind.IDEA_STARTED: ("Work on your idea started", "Work on “{idea}” started in {campaign}."),
    Kind.IDEA_COMPLETED: ("Your idea is done", "“{idea}” was completed in {campaign}."),
}


def submitter_notice(idea: IdeaFacts, kind: NotificationKind, reason: str, links: Links) -> Notice:
    title, body = _STATUS_TEXT[kind]
    text = body.format(idea=idea.title, campaign=idea.campaign_title)
    if reason:
        text += f" Reason: {reason}"
    return Notice(idea.submitter_id, kind, title, text, idea.campaign_id, idea.campaign_title, idea.id,
                  links.idea(idea.campaign_id, idea.id))


# What happened to a backer's coins when the idea was decided, by ledger entry kind.
_BACKER_FATE = {
    LedgerEntryKind.EXPEND: "spent on it",
    LedgerEntryKind.RECYCLE: "back in your wallet",
    LedgerEntryKind.BURN: "burned",
    LedgerEntryKind.EXPIRE: "expired",
}
ACCEPTED_ENTRY_KINDS = frozenset({LedgerEntryKind.EXPEND})
REJECTED_ENTRY_KINDS = frozenset({LedgerEntryKind.RECYCLE, LedgerEntryKind.BURN, LedgerEntryKind.EXPIRE})


def backer_notices(idea: IdeaFacts, accepted: bool, coins_by_backer: Mapping[str, tuple[int, LedgerEntryKind]],
                   links: Links) -> list[Notice]:
    """One notice per backer of a decided idea; its submitter hears of the decision as the submitter only."""
    kind = Kind.BACKED_IDEA_ACCEPTED if accepted else Kind.BACKED_IDEA_REJECTED
    title = "An idea you backed was accepted" if accepted else "An idea you backed was rejected"
    verb = "accepted" if accepted else "rejected"
    return [Notice(user_id, kind, title,
                   f"“{idea.title}” was {verb} in {idea.campaign_title}: your {amount} "
                   f"coin{'s' if amount != 1 else ''} {'were' if amount != 1 else 'was'} {_BACKER_FATE[entry_kind]}.",
                   idea.campaign_id, idea.campaign_title, idea.id, links.idea(idea.campaign_id, idea.id))
            for user_id, (amount, entry_kind) in sorted(coins_by_backer.items()) if user_id != idea.submitter_id]


@dataclass(frozen=True)
class CampaignFacts:
    id: str
    title: str
    end_time: datetime | None = None


def campaign_notice(kind: NotificationKind, campaign: CampaignFacts, links: Links) -> tuple[str, str, str]:
    """Title, body and link of a campaign-wide notice (the same for every member)."""
    if kind is Kind.CAMPAIGN_STARTED:
        return (f"{campaign.title} has started", "Voting is open: back the ideas you believe in with your coins.",
                links.campaign(campaign.id))
    if kind is Kind.CAMPAIGN_ENDING:
        ends = f" on {campaign.end_time:%d %b %Y at %H:%M} UTC" if campaign.end_time else " soon"
        return (f"{campaign.title} ends within a day",
                f"Voting ends{ends}. Coins you have not placed on an idea by then expire.",
                links.campaign(campaign.id))
    if kind is Kind.CAMPAIGN_COMPLETED:
        return (f"{campaign.title} is complete", "Voting has ended: see which ideas came out on top.",
                links.result(campaign.id))
    raise ValueError(f"{kind} is not a campaign-wide notice")


def invitation_notice(user_id: str, campaign: CampaignFacts, role: CampaignRole, links: Links) -> Notice:
    """The in-app side of an invitation for someone who has an account; the link itself travels by mail only."""
    return Notice(user_id, Kind.INVITED, f"You are invited to {campaign.title}",
                  f"You are invited to join as {role.value}. The invitation link is in your email.",
                  campaign.id, campaign.title, "", links.campaign(campaign.id))


# ---- mail ------------------------------------------------------------------------------------------------------


class MailTemplate:
    NOTIFICATION = "notification"
    VERIFICATION = "verification"
    INVITATION = "invitation"
    DIGEST = "digest"


def mail_key(source_event_id: str, template: str, recipient: str) -> str:
    """What makes one mail one: an event sends a given mail to a given recipient once, however often it is handled."""
    return f"{source_event_id}:{template}:{recipient}"


def retry_delay(attempts: int, base_s: float, max_s: float) -> timedelta:
    """Backoff of a deferred mail after `attempts` tries."""
    return timedelta(seconds=min(max_s, base_s * 2 ** max(attempts - 1, 0)))


# ---- unsubscribe links -----------------------------------------------------------------------------------------


class UnsubscribeTokens:
    """Tokens naming (user, event), signed with a key derived from the service secret: the link in a mail turns
    that event's email off for that user, without signing in, and cannot be forged for anyone else."""

    def __init__(self, secret: str):
        self._key = hashlib.sha256(b"coins unsubscribe links\0" + secret.encode()).digest()

    def _signature(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:16]

    def token(self, user_id: str, kind: NotificationKind) -> str:
        body = f"{user_id}:{kind.value}".encode()
        return base64.urlsafe_b64encode(self._signature(body) + body).decode().rstrip("=")

    def read(self, token: str) -> tuple[str, NotificationKind]:
        refused = InvalidArgument("token", "this unsubscribe link is not valid; change your preferences in the app")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise refused from None
        signature, body = raw[:16], raw[16:]
        if len(signature) < 16 or not hmac.compare_digest(signature, self._signature(body)):
            raise refused
        user_id, _, kind = body.decode().partition(":")
        return user_id, NotificationKind(kind)  # signed by us: the kind is one we wrote
