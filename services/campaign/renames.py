"""Members show their name as it is now. A membership keeps a copy of the member's name (and email), taken at
joining; the campaign service follows the auth family's UserRenamed events into it (services/common/events.py,
consumer group "campaign" on coins:events:auth, batch handler). Sponsors and invitations keep user ids only: their
names are read from the auth service when shown.
The batch rules (newest name per user, versions) are services/common/renames.py's."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.campaign.ports import UnitsOfWork
from services.common.events import Delivery
from services.common.renames import newest_renames

log = logging.getLogger("coins.campaign")


class RenameFollower:
    def __init__(self, units: UnitsOfWork):
        self._units = units

    async def apply(self, deliveries: Sequence[Delivery]) -> None:
        """The consumer's batch handler: one transaction, one conditional UPDATE per renamed user."""
        renames = newest_renames(deliveries)
        if not renames:
            return
        async with self._units() as uow:
            changed = [await uow.campaigns.rename_member(r.user_id, r.full_name, r.version) for r in renames]
        log.info("members renamed", extra={"users": len(renames), "memberships": sum(changed)})
