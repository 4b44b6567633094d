"""What every campaign use case shares: its ports, the viewing check, and offset paging."""

from __future__ import annotations

from datetime import timedelta

from services.campaign import domain
from services.campaign.coins import CoinAccounts
from services.campaign.repository import CampaignRepository, CampaignRow
from services.campaign.domain import Standing
from services.common import validation
from services.common.context import Caller
from services.common.db import Database
from services.common.directory import UserDirectory
from services.common.idempotency import Requests
from services.common.outbox import Outbox


class HandlerBase:
    def __init__(self, database: Database, outbox: Outbox, directory: UserDirectory, coins: CoinAccounts,
                 requests: Requests, *, public_url: str, invitation_ttl: timedelta):
        self._db = database
        self._outbox = outbox
        self._directory = directory
        self._coins = coins
        self._requests = requests
        self._public_url = public_url  # invitation links start with it
        self._invitation_ttl = invitation_ttl

    async def _viewable(self, repo: CampaignRepository, caller: Caller, slug: str,
                        lock: bool = False) -> tuple[CampaignRow, Standing]:
        validation.slug("campaign_id", slug)
        row = await repo.campaign(slug, lock=lock)
        standing = await repo.standing(row.id, caller.user_id) if row else Standing()
        domain.require_view(row.campaign() if row else None, standing, caller, slug)
        return row, standing
