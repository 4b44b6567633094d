"""Async SQLAlchemy 2 over asyncpg: one engine per process, one session (unit of work) per call."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from services.common import metrics
from services.common.config import Settings


class Base(DeclarativeBase):
    """Each service declares its tables on its own subclass with its own schema."""


class Database:
    def __init__(self, settings: Settings):
        self.engine: AsyncEngine = create_async_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_size,
            pool_pre_ping=True,  # a restarted PostgreSQL leaves dead connections in the pool
            connect_args={"server_settings": {"application_name": f"coins-{settings.service}"}},
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._pool_name = settings.service
        pool, most = self.engine.pool, settings.db_pool_size * 2  # pool_size + max_overflow
        metrics.watch_pool(self._pool_name, lambda: metrics.PoolUse(
            pool.checkedout(), pool.checkedin() + pool.checkedout(), most))  # type: ignore[attr-defined]

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """Commits when the block ends normally, rolls back otherwise: nothing half-applies."""
        async with self._sessions() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def alone(self, name: str) -> AsyncIterator[bool]:
        """Whether this block is the only one named `name` running on any replica: a session advisory lock on a
        connection of its own, held for the block. Autocommit: a transaction left open here would hold a snapshot
        that others (REINDEX CONCURRENTLY) wait out."""
        key = {"name": name}
        async with self.engine.connect() as opened:
            connection = await opened.execution_options(isolation_level="AUTOCOMMIT")
            got = bool((await connection.execute(sa.text("SELECT pg_try_advisory_lock(hashtext(:name))"),
                                                 key)).scalar_one())
            try:
                yield got
            finally:
                if got:
                    await connection.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:name))"), key)

    async def close(self) -> None:
        metrics.forget_pool(self._pool_name)
        await self.engine.dispose()
