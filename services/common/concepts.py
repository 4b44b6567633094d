"""The platform's vocabulary: one StrEnum per concept, shared by every service's domain. The values are what the
databases store; services/common/proto_enums.py maps each concept to and from its proto enum."""

from __future__ import annotations

from enum import StrEnum


class SystemRole(StrEnum):
    ADMIN = "admin"
    SPONSOR = "sponsor"


class CampaignType(StrEnum):
    OPEN = "open"  # anyone signed in joins; ideas compete at once
    MEDIATED = "mediated"  # anyone signed in joins; ideas wait for a manager
    CLOSED = "closed"  # invitation only; ideas wait for a manager


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class CampaignRole(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class InvitationState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class IdeaStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # a moment, not a resting state: approval lands in competing
    REJECTED = "rejected"
    COMPETING = "competing"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


class LedgerEntryKind(StrEnum):
    GRANT = "grant"
    SUBMISSION_REWARD = "submission_reward"
    REWARD_REVOKED = "reward_revoked"
    ALLOCATE = "allocate"
    REALLOCATE = "reallocate"
    WITHDRAW = "withdraw"
    EXPEND = "expend"
    RECYCLE = "recycle"
    BURN = "burn"
    EXPIRE = "expire"


class NotificationKind(StrEnum):
    """What a notification tells (PRODUCT.md "Notifications")."""

    INVITED = "invited"
    IDEA_APPROVED = "idea_approved"
    IDEA_REJECTED = "idea_rejected"
    IDEA_ACCEPTED = "idea_accepted"
    IDEA_STARTED = "idea_started"
    IDEA_COMPLETED = "idea_completed"
    BACKED_IDEA_ACCEPTED = "backed_idea_accepted"
    BACKED_IDEA_REJECTED = "backed_idea_rejected"
    CAMPAIGN_STARTED = "campaign_started"
    CAMPAIGN_ENDING = "campaign_ending"
    CAMPAIGN_COMPLETED = "campaign_completed"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"


class EmailDelivery(StrEnum):
    IMMEDIATE = "immediate"
    DAILY_DIGEST = "daily_digest"
