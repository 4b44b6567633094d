"""Adapters of services/auth/ports.py that are neither storage nor credentials."""

from __future__ import annotations

import logging

from services.auth import domain
from services.auth.domain import Account

log = logging.getLogger("coins.auth")


class LoggedVerificationMail:
    """The link also goes to the log, where `make dev` and the tests read it, until the notification service's mail
    (from the EmailVerificationRequested event) replaces this."""

    def send(self, account: Account, link: str) -> None:
        log.info(domain.VERIFICATION_LINK_MESSAGE, extra={"account_id": account.id, "email": account.email,
                                                          "link": link})
