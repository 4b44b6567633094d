"""Transactional outbox: a service writes the effects other services must see into its own `outbox` table in the
same transaction as its state change; a relay delivers them afterwards, retrying until the receiver accepts.
Receivers are idempotent by the message id, so a delivery repeated after a crash changes nothing."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import metrics
from services.common.db import Database

log = logging.getLogger("coins.outbox")

Deliver = Callable[[str, dict, str], Awaitable[None]]  # topic, payload, message id


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Index("ix_outbox_pending", "id", postgresql_where=sa.text("delivered_at IS NULL")),
    )


class Outbox:
    def __init__(self, database: Database, table: sa.Table, deliver: Deliver, batch: int = 50,
                 idle_poll_s: float = 1.0):
        self._db = database
        self._table = table
        self._deliver = deliver
        self._batch = batch
        self._idle_poll_s = idle_poll_s
        self._wake = asyncio.Event()
        metrics.watch_outbox(f"{table.schema}.{table.name}", self.backlog)

    async def backlog(self) -> metrics.Backlog:
        """Messages not yet delivered: how many, and how long the oldest has waited."""
        async with self._db.unit_of_work() as session:
            return await metrics.table_backlog(session, self._table, "delivered_at")

    async def put(self, session: AsyncSession, topic: str, payload: dict) -> None:
        """Call inside the unit of work that makes the change; call `kick()` after it commits."""
        await session.execute(sa.insert(self._table).values(topic=topic, payload=payload))

    def kick(self) -> None:
        self._wake.set()

    async def relay(self) -> None:
        """Background task: delivers pending messages in order, forever."""
        while True:
            try:
                delivered_all = await self.deliver_pending()
            except Exception:
                log.exception("outbox relay failed; retrying")
                delivered_all = False
            if delivered_all:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll_s)
                except TimeoutError:
                    pass
            else:
                await asyncio.sleep(self._idle_poll_s)

    async def deliver_pending(self) -> bool:
        """True when nothing is left to deliver. Rows are locked while delivered, so replicas share the work."""
        table = self._table
        async with self._db.unit_of_work() as session:
            rows = (await session.execute(
                sa.select(table.c.id, table.c.topic, table.c.payload)
                .where(table.c.delivered_at.is_(None)).order_by(table.c.id).limit(self._batch)
                .with_for_update(skip_locked=True))).all()
            for row in rows:
                try:
                    await self._deliver(row.topic, row.payload, f"outbox:{table.schema}:{row.id}")
                except Exception as error:
                    log.warning("outbox delivery failed", extra={"topic": row.topic, "outbox_id": row.id,
                                                                 "error": str(error)[:500]})
                    await session.execute(sa.update(table).where(table.c.id == row.id).values(
                        attempts=table.c.attempts + 1, last_error=str(error)[:2000]))
                    return False
                await session.execute(sa.update(table).where(table.c.id == row.id)
                                      .values(delivered_at=sa.func.now(), attempts=table.c.attempts + 1))
        return len(rows) < self._batch
