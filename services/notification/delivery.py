"""The mail queue: senders that take due mails from the database and hand them to the SMTP server, and the digest
gatherer that turns a user's waiting mails into their daily digest.

A mail is taken under a row lock (FOR UPDATE SKIP LOCKED), sent, and marked sent in the same transaction, so replicas
and workers never send one mail side by side. A deferral (the server unreachable or answering 4xx) retries it with
backoff for as long as it takes; a rejection (5xx) is final and logged. The one window left is a crash after the
server accepted a mail and before the mark committed: the mail goes again, with the same Message-ID, which lets
the receiving side recognise it."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from services.common import sealing
from services.common.concepts import NotificationKind
from services.notification import domain
from services.notification.domain import Links, MailTemplate, UnsubscribeTokens
from services.notification.mail import MailDeferred, MailRejected, MailRenderer, build_message, stable_message_id
from services.notification.ports import UnitsOfWork
from services.notification.repository import Mail, QueuedMail

log = logging.getLogger("coins.notification.mail")

class Sender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class DeliverySettings:
    workers: int
    retry_base_s: float
    retry_max_s: float
    digest_interval: timedelta
    poll_s: float


class MailDelivery:
    def __init__(self, units: UnitsOfWork, sender: Sender, renderer: MailRenderer, links: Links,
                 tokens: UnsubscribeTokens, mail_from: str, settings: DeliverySettings):
        self._units = units
        self._sender = sender
        self._renderer = renderer
        self._links = links
        self._tokens = tokens
        self._from = mail_from
        self._settings = settings
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Mails were queued: senders look now rather than at their next poll."""
        self._wake.set()

    # ---- sending --------------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Background task: `workers` senders and the digest gatherer, forever."""
        await asyncio.gather(*(self._sender_loop(n) for n in range(self._settings.workers)), self._digest_loop())

    async def _sender_loop(self, worker: int) -> None:
        while True:
            try:
                while await self.send_one():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("mail sender failed; retrying", extra={"worker": worker})
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_s)
            except TimeoutError:
                pass

    async def send_one(self) -> bool:
        """Sends the next due mail; False when none is due."""
        async with self._units() as uow:
            mail = await uow.store.take_due_mail()
            if mail is None:
                return False
            try:
                message = self.compose(mail)
            except Exception as error:  # never retried: it would fail again, ahead of every other mail
                log.exception("mail cannot be composed; set aside", extra={"mail_id": mail.id})
                await uow.store.reject(mail.id, f"cannot be composed: {type(error).__name__}: {error}")
                return True
            try:
                await self._sender.send(message)
            except MailDeferred as deferred:
                delay = domain.retry_delay(mail.attempts + 1, self._settings.retry_base_s, self._settings.retry_max_s)
                log.warning("mail deferred", extra={"mail_id": mail.id, "attempts": mail.attempts + 1,
                                                    "retry_in_s": delay.total_seconds(), "error": deferred.reason})
                await uow.store.defer(mail.id, deferred.reason, datetime.now(UTC) + delay)
            except MailRejected as rejected:
                log.error("mail rejected by the SMTP server", extra={"mail_id": mail.id, "error": rejected.reason})
                await uow.store.reject(mail.id, rejected.reason)
            else:
                await uow.store.mark_sent(mail.id)
                log.info("mail sent", extra={"mail_id": mail.id, "template": mail.template})
        return True

    def compose(self, mail: Mail) -> EmailMessage:
        context = dict(mail.context)
        if "sealed_link" in context:  # opened only here, for the mail itself
            context["link"] = sealing.open_sealed(base64.b64decode(context.pop("sealed_link")))
        unsubscribe = None
        if mail.template == MailTemplate.NOTIFICATION and mail.user_id and mail.kind:
            unsubscribe = self._unsubscribe_url(mail.user_id, mail.kind)
            context["unsubscribe_url"] = unsubscribe
        if mail.template == MailTemplate.DIGEST and mail.user_id:
            user_id = mail.user_id
            context["items"] = [{**item, "event_label": domain.KIND_NAMES[NotificationKind(item["kind"])],
                                 "unsubscribe_url": self._unsubscribe_url(user_id, NotificationKind(item["kind"]))}
                                for item in context["items"]]
        return build_message(self._renderer.render(mail.template, context), sender=self._from, to_email=mail.to_email,
                             to_name=mail.to_name, message_id=stable_message_id(mail.id, self._from),
                             unsubscribe_url=unsubscribe)

    def _unsubscribe_url(self, user_id: str, kind: NotificationKind) -> str:
        return self._links.unsubscribe(self._tokens.token(user_id, kind))

    # ---- digests --------------------------------------------------------------------------------------------------

    async def _digest_loop(self) -> None:
        while True:
            try:
                await self.gather_digests(datetime.now(UTC))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("digest pass failed; retrying")
            await asyncio.sleep(min(self._settings.poll_s * 5, self._settings.digest_interval.total_seconds()))

    async def gather_digests(self, now: datetime) -> int:
        """Queues one digest for every user whose oldest waiting mail is a digest interval old; returns how many.
        Each digest is one transaction over the user's locked waiting mails, so replicas gather each once."""
        async with self._units() as uow:
            users = await uow.store.digest_users(now - self._settings.digest_interval, limit=500)
        gathered = 0
        for user_id in users:
            async with self._units() as uow:
                items = await uow.store.take_digest_items(user_id)
                if not items:
                    continue  # another replica took them
                first = items[0]
                digest = QueuedMail(
                    f"digest:{user_id}:{first.id}", first.to_email, first.to_name, MailTemplate.DIGEST,
                    {"recipient_name": first.to_name, "period_label": f"since {first.created_at:%d %b %Y %H:%M} UTC",
                     "items": [{"title": m.context["title"], "body": m.context["body"],
                                "campaign_title": m.context["campaign_title"], "link": m.context["link"],
                                "kind": m.kind.value if m.kind else ""} for m in items]},
                    user_id=user_id)
                await uow.store.close_digest(digest.mail_key, items, digest)
                gathered += 1
        if gathered:
            self.kick()
        return gathered
