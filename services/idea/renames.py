"""Ideas show their submitter's name as it is now. An idea keeps a copy of the name, taken at submission; the
idea service follows the auth family's UserRenamed events into it (services/common/events.py, consumer group
"idea" on coins:events:auth, batch handler).
The batch rules (newest name per user, versions) are services/common/renames.py's."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.common.events import Delivery
from services.common.renames import newest_renames
from services.idea.ports import UnitOfWorkFactory

log = logging.getLogger("coins.idea")


class RenameFollower:
    def __init__(self, unit_of_work: UnitOfWorkFactory):
        self._unit_of_work = unit_of_work

    async def apply(self, deliveries: Sequence[Delivery]) -> None:
        """The consumer's batch handler: one transaction, one conditional UPDATE per renamed user."""
        renames = newest_renames(deliveries)
        if not renames:
            return
        async with self._unit_of_work() as uow:
            changed = [await uow.ideas.rename_submitter(r.user_id, r.full_name, r.version) for r in renames]
        log.info("submitters renamed", extra={"users": len(renames), "ideas": sum(changed)})
