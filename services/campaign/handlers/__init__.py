"""Use cases of the campaign service, one module per family; one unit of work per call."""

from services.campaign.handlers.campaigns import Access, CampaignUseCases
from services.campaign.handlers.membership import MembershipUseCases
from services.campaign.handlers.tags import REMOVE_TAG, TagUseCases


class CampaignHandlers(CampaignUseCases, MembershipUseCases, TagUseCases):
    """Every use case behind the campaign servicers."""


__all__ = ["REMOVE_TAG", "Access", "CampaignHandlers"]
