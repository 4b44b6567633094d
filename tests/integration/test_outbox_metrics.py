"""The scrape-time metrics of services/common/metrics.py against the tier's PostgreSQL and Redis: an outbox's backlog
and the age of its oldest row, the connection pool in use. Read as a scraper reads them, from the registry's
Prometheus text after `refresh()` (what /metrics runs)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from coins.v1 import events_pb2 as ev
from services.common import events, metrics
from services.common.config import EventSettings, Settings
from services.common.db import Database

SCHEMA = "metrics_it"


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(Settings.from_env("analytics", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "3"}))
    async with db.engine.begin() as connection:
        await connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        await connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    yield db
    async with db.engine.begin() as connection:
        await connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    await db.close()


async def scraped() -> dict[tuple[str, frozenset], float]:
    await metrics.refresh()
    text = generate_latest(REGISTRY).decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_the_backlog_counts_unpublished_rows_and_ages_with_the_oldest(database: Database, redis: Redis):
    family = f"m{uuid.uuid4().hex[:8]}"
    table = events.event_outbox_table(sa.MetaData(schema=SCHEMA), name=f"outbox_{family}")
    async with database.engine.begin() as connection:
        await connection.run_sync(table.create)
    outbox = events.EventOutbox(table, source=family)
    relay = events.EventRelay(database, table, redis, EventSettings(relay_poll_s=0.05))
    name = f"{SCHEMA}.outbox_{family}"
    backlog, age = (("coins_outbox_backlog", frozenset({("outbox", name)})),
                    ("coins_outbox_oldest_age_seconds", frozenset({("outbox", name)})))

    empty = await scraped()
    assert (empty[backlog], empty[age]) == (0, 0)
    async with database.unit_of_work() as session:
        for _ in range(3):
            renamed = events.new_event(ev.UserRenamed(full_name="Ada"), subject=f"users/{uuid.uuid4()}")
            await outbox.add(session, renamed)
    await asyncio.sleep(0.3)
    waiting = await scraped()
    assert waiting[backlog] == 3 and waiting[age] >= 0.3
    assert await relay.publish_pending()
    done = await scraped()
    assert (done[backlog], done[age]) == (0, 0)


async def test_the_pool_shows_the_connections_lent_out(database: Database):
    labels = frozenset({("pool", "analytics")})
    async with database.unit_of_work() as session:
        await session.execute(sa.text("SELECT 1"))
        busy = await scraped()
    idle = await scraped()
    assert busy["coins_db_pool_connections_in_use", labels] == 1
    assert idle["coins_db_pool_connections_in_use", labels] == 0
    assert idle["coins_db_pool_connections_open", labels] >= 1
    assert idle["coins_db_pool_connections_max", labels] == 6  # pool size 3 plus as many overflow
