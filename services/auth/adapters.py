"""Adapters of services/auth/ports.py that are neither storage nor credentials."""

from __future__ import annotations

import logging

from services.auth import domain
from services.auth.domain import Account

log = logging.getLogger("coins.auth")


class LoggedVerificationMail:
    """Mail is not sent yet (a later issue): the link goes to the log, where `make dev` shows it."""

    def __init__(self, public_url: str):
        self._public_url = public_url

    def send(self, account: Account, token: str) -> None:
        log.info(domain.VERIFICATION_LINK_MESSAGE, extra={"account_id": account.id, "email": account.email,
                                                   "link": domain.verification_link(self._public_url, token)})
