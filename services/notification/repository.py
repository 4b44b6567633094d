"""The notification service's tables (schema "notification") and every query it makes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.concepts import Channel, EmailDelivery, NotificationKind
from services.common.db import Database
from services.common.events import ProcessedEvents, processed_events_table
from services.notification import domain
from services.notification.domain import Notice, Notification, PreferenceChange, Preferences

METADATA = sa.MetaData(schema="notification")

NOTIFICATIONS = sa.Table(
    "notifications", METADATA,
    sa.Column("id", sa.Uuid, primary_key=True),
    # Order of creation: lists page by it and a reconnecting stream resumes after it.
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("user_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("source_event_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("campaign_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("campaign_title", sa.Text, nullable=False, server_default=""),
    sa.Column("idea_id", sa.String(36), nullable=False, server_default=""),
    sa.Column("link", sa.Text, nullable=False, server_default=""),
    sa.Column("read_at", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    # One event tells one user one thing once, however often the event is delivered.
    sa.UniqueConstraint("source_event_id", "user_id", "kind", name="uq_notifications_once"),
    sa.Index("ix_notifications_by_user", "user_id", "seq"),
    sa.Index("ix_notifications_unread", "user_id", "seq", postgresql_where=sa.text("read_at IS NULL")),
)

PREFERENCES = sa.Table(
    "preferences", METADATA,
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

EMAIL_SETTINGS = sa.Table(
    "email_settings", METADATA,
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("delivery", sa.String(16), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


class MailState:
    QUEUED = "queued"  # to send at next_attempt_at
    WAITING_DIGEST = "waiting_digest"  # a notification mail held for its user's daily digest
    DIGESTED = "digested"  # went out inside the digest mail digest_id
    SENT = "sent"
    REJECTED = "rejected"  # the SMTP server refused it for good (a bad address, say)


MAILS = sa.Table(
    "mails", METADATA,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("mail_key", sa.Text, nullable=False, unique=True),  # domain.mail_key: one mail per event and recipient
    sa.Column("user_id", sa.Uuid),  # empty for an invitee without an account
    sa.Column("to_email", sa.String(320), nullable=False),
    sa.Column("to_name", sa.Text, nullable=False, server_default=""),
    sa.Column("template", sa.String(32), nullable=False),
    # The template's variables; a link that is a bearer secret stays sealed here until the mail is rendered.
    sa.Column("context", JSONB, nullable=False),
    sa.Column("kind", sa.String(32)),  # the notification kind, for the unsubscribe link; empty for account mails
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("digest_id", sa.Uuid),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("ix_mails_due", "next_attempt_at", postgresql_where=sa.text("state = 'queued'")),
    sa.Index("ix_mails_digest", "user_id", "created_at", postgresql_where=sa.text("state = 'waiting_digest'")),
)

PROCESSED_EVENTS = processed_events_table(METADATA)


def notification_of(row: Any) -> Notification:
    return Notification(str(row.id), row.seq, Notice(
        str(row.user_id), NotificationKind(row.kind), row.title, row.body, row.campaign_id, row.campaign_title,
        row.idea_id, row.link), row.read_at is not None, row.created_at)


@dataclass(frozen=True)
class QueuedMail:
    """A mail to put in the queue."""

    mail_key: str
    to_email: str
    to_name: str
    template: str
    context: dict[str, Any]
    user_id: str | None = None
    kind: NotificationKind | None = None
    for_digest: bool = False


@dataclass(frozen=True)
class Mail:
    id: str
    user_id: str | None
    to_email: str
    to_name: str
    template: str
    context: dict[str, Any]
    kind: NotificationKind | None
    attempts: int
    created_at: datetime


def mail_of(row: Any) -> Mail:
    return Mail(str(row.id), str(row.user_id) if row.user_id else None, row.to_email, row.to_name, row.template,
                row.context, NotificationKind(row.kind) if row.kind else None, row.attempts, row.created_at)


class NotificationStore:
    """Every query of the service, within one session."""

    def __init__(self, session: AsyncSession, processed: ProcessedEvents):
        self._session = session
        self._processed = processed

    # ---- events ---------------------------------------------------------------------------------------------------

    async def claim_event(self, event_id: str) -> bool:
        return await self._processed.claim(self._session, event_id)

    async def add_notifications(self, event_id: str, notices: Sequence[Notice]) -> list[Notification]:
        if not notices:
            return []
        rows = [{"id": uuid.uuid4(), "user_id": uuid.UUID(n.user_id), "kind": n.kind.value,
                 "source_event_id": uuid.UUID(event_id), "title": n.title, "body": n.body,
                 "campaign_id": n.campaign_id, "campaign_title": n.campaign_title, "idea_id": n.idea_id,
                 "link": n.link} for n in notices]
        inserted = await self._session.execute(
            insert(NOTIFICATIONS).on_conflict_do_nothing().returning(*NOTIFICATIONS.c), rows)
        return sorted((notification_of(row) for row in inserted), key=lambda n: n.seq)

    async def queue_mails(self, mails: Iterable[QueuedMail]) -> int:
        rows = [{"id": uuid.uuid4(), "mail_key": m.mail_key, "user_id": uuid.UUID(m.user_id) if m.user_id else None,
                 "to_email": m.to_email, "to_name": m.to_name, "template": m.template, "context": m.context,
                 "kind": m.kind.value if m.kind else None,
                 "state": MailState.WAITING_DIGEST if m.for_digest else MailState.QUEUED} for m in mails]
        if not rows:
            return 0
        result = await self._session.execute(
            insert(MAILS).on_conflict_do_nothing(index_elements=["mail_key"]).returning(MAILS.c.id), rows)
        return len(result.all())

    # ---- preferences ----------------------------------------------------------------------------------------------

    async def preferences(self, user_ids: Sequence[str]) -> dict[str, Preferences]:
        """Every given user's preferences (defaults for those who never chose)."""
        ids = [uuid.UUID(u) for u in user_ids]
        overrides: dict[str, dict[tuple[NotificationKind, Channel], bool]] = {u: {} for u in user_ids}
        for row in await self._session.execute(sa.select(PREFERENCES).where(PREFERENCES.c.user_id.in_(ids))):
            overrides[str(row.user_id)][NotificationKind(row.kind), Channel(row.channel)] = row.enabled
        deliveries = {str(row.user_id): EmailDelivery(row.delivery) for row in await self._session.execute(
            sa.select(EMAIL_SETTINGS).where(EMAIL_SETTINGS.c.user_id.in_(ids)))}
        return {u: Preferences(overrides[u], deliveries.get(u, EmailDelivery.IMMEDIATE)) for u in user_ids}

    async def change_preferences(self, user_id: str, change: PreferenceChange) -> None:
        user = uuid.UUID(user_id)
        if change.pairs:
            statement = insert(PREFERENCES)
            await self._session.execute(statement.on_conflict_do_update(
                index_elements=["user_id", "kind", "channel"],
                set_={"enabled": statement.excluded.enabled, "updated_at": sa.func.now()}),
                [{"user_id": user, "kind": kind.value, "channel": channel.value, "enabled": enabled}
                 for (kind, channel), enabled in change.pairs.items()])
        if change.email_delivery is not None:
            statement = insert(EMAIL_SETTINGS).values(user_id=user, delivery=change.email_delivery.value)
            await self._session.execute(statement.on_conflict_do_update(
                index_elements=["user_id"], set_={"delivery": statement.excluded.delivery,
                                                  "updated_at": sa.func.now()}))

    # ---- reading and marking ---------------------------------------------------------------------------------------

    async def notifications(self, user_id: str, unread_only: bool, order: str, offset: int,
                            limit: int) -> list[Notification]:
        query = sa.select(NOTIFICATIONS).where(NOTIFICATIONS.c.user_id == uuid.UUID(user_id))
        if unread_only:
            query = query.where(NOTIFICATIONS.c.read_at.is_(None))
        if order == domain.ORDER_UNREAD_FIRST:
            query = query.order_by(NOTIFICATIONS.c.read_at.is_not(None), NOTIFICATIONS.c.seq.desc())
        else:
            query = query.order_by(NOTIFICATIONS.c.seq.desc())
        rows = await self._session.execute(query.offset(offset).limit(limit))
        return [notification_of(row) for row in rows]

    async def unread_count(self, user_id: str) -> int:
        return await self._session.scalar(sa.select(sa.func.count()).select_from(NOTIFICATIONS).where(
            NOTIFICATIONS.c.user_id == uuid.UUID(user_id), NOTIFICATIONS.c.read_at.is_(None))) or 0

    async def mark_read(self, user_id: str, notification_id: uuid.UUID) -> Notification | None:
        """None when the user has no such notification (someone else's looks the same as none)."""
        condition = sa.and_(NOTIFICATIONS.c.id == notification_id, NOTIFICATIONS.c.user_id == uuid.UUID(user_id))
        await self._session.execute(sa.update(NOTIFICATIONS).where(condition, NOTIFICATIONS.c.read_at.is_(None))
                                    .values(read_at=sa.func.now()))
        row = (await self._session.execute(sa.select(NOTIFICATIONS).where(condition))).first()
        return notification_of(row) if row else None

    async def mark_all_read(self, user_id: str) -> int:
        marked = await self._session.execute(
            sa.update(NOTIFICATIONS).where(NOTIFICATIONS.c.user_id == uuid.UUID(user_id),
                                           NOTIFICATIONS.c.read_at.is_(None))
            .values(read_at=sa.func.now()).returning(NOTIFICATIONS.c.id))
        return len(marked.all())

    async def seq_of(self, user_id: str, notification_id: uuid.UUID) -> int | None:
        return await self._session.scalar(sa.select(NOTIFICATIONS.c.seq).where(
            NOTIFICATIONS.c.id == notification_id, NOTIFICATIONS.c.user_id == uuid.UUID(user_id)))

    async def last_seq(self, user_id: str) -> int:
        return await self._session.scalar(sa.select(sa.func.coalesce(sa.func.max(NOTIFICATIONS.c.seq), 0)).where(
            NOTIFICATIONS.c.user_id == uuid.UUID(user_id))) or 0

    async def notifications_after(self, user_id: str, seq: int, limit: int) -> list[Notification]:
        rows = await self._session.execute(
            sa.select(NOTIFICATIONS).where(NOTIFICATIONS.c.user_id == uuid.UUID(user_id), NOTIFICATIONS.c.seq > seq)
            .order_by(NOTIFICATIONS.c.seq).limit(limit))
        return [notification_of(row) for row in rows]

    # ---- the mail queue -------------------------------------------------------------------------------------------

    async def take_due_mail(self) -> Mail | None:
        """The next mail due, locked for this transaction; other senders skip it."""
        row = (await self._session.execute(
            sa.select(MAILS).where(MAILS.c.state == MailState.QUEUED, MAILS.c.next_attempt_at <= sa.func.now())
            .order_by(MAILS.c.next_attempt_at).limit(1).with_for_update(skip_locked=True))).first()
        return mail_of(row) if row else None

    async def mark_sent(self, mail_id: str) -> None:
        await self._session.execute(sa.update(MAILS).where(MAILS.c.id == uuid.UUID(mail_id)).values(
            state=MailState.SENT, sent_at=sa.func.now(), attempts=MAILS.c.attempts + 1, last_error=None))

    async def defer(self, mail_id: str, error: str, retry_at: datetime) -> None:
        await self._session.execute(sa.update(MAILS).where(MAILS.c.id == uuid.UUID(mail_id)).values(
            attempts=MAILS.c.attempts + 1, last_error=error[:2000], next_attempt_at=retry_at))

    async def reject(self, mail_id: str, error: str) -> None:
        await self._session.execute(sa.update(MAILS).where(MAILS.c.id == uuid.UUID(mail_id)).values(
            state=MailState.REJECTED, attempts=MAILS.c.attempts + 1, last_error=error[:2000]))

    async def digest_users(self, waiting_since: datetime, limit: int) -> list[str]:
        """Users whose oldest mail waiting for the digest is older than `waiting_since`."""
        rows = await self._session.execute(
            sa.select(MAILS.c.user_id).where(MAILS.c.state == MailState.WAITING_DIGEST)
            .group_by(MAILS.c.user_id).having(sa.func.min(MAILS.c.created_at) <= waiting_since).limit(limit))
        return [str(row.user_id) for row in rows]

    async def take_digest_items(self, user_id: str) -> list[Mail]:
        """The user's waiting mails, locked; another replica gathering the same digest finds them taken."""
        rows = await self._session.execute(
            sa.select(MAILS).where(MAILS.c.user_id == uuid.UUID(user_id), MAILS.c.state == MailState.WAITING_DIGEST)
            .order_by(MAILS.c.created_at).with_for_update(skip_locked=True))
        return [mail_of(row) for row in rows]

    async def close_digest(self, digest_key: str, items: Sequence[Mail], digest: QueuedMail) -> None:
        """Queues the digest mail and marks its items as gone out inside it, in one transaction."""
        digest_id = uuid.uuid4()
        await self._session.execute(sa.insert(MAILS).values(
            id=digest_id, mail_key=digest_key, user_id=uuid.UUID(digest.user_id) if digest.user_id else None,
            to_email=digest.to_email, to_name=digest.to_name, template=digest.template, context=digest.context,
            state=MailState.QUEUED))
        await self._session.execute(sa.update(MAILS).where(MAILS.c.id.in_([uuid.UUID(m.id) for m in items]))
                                    .values(state=MailState.DIGESTED, digest_id=digest_id))


class SqlUnitOfWork:
    """One transaction over the service's tables."""

    store: NotificationStore

    def __init__(self, database: Database):
        self._database = database
        self._processed = ProcessedEvents(database, PROCESSED_EVENTS)

    async def __aenter__(self) -> Self:
        self._context = self._database.unit_of_work()
        session = await self._context.__aenter__()
        self.store = NotificationStore(session, self._processed)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self._context.__aexit__(kind, error, trace)
