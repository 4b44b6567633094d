"""The integration tier: one private PostgreSQL cluster for the session, on a free port, migrated to head (the event
stream tests use a private redis-server, `redis_url`; the search tests an OpenSearch node, `opensearch_url`). No
service process, no Envoy."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from tests.support.ledger import Ledger
from tools.devstack import Ports, Stack
from tools.opensearch.node import OpenSearchNode, free_port


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The dev launcher's cluster alone: Stack.stop() stops it and removes it (ephemeral) when nothing else ran.
    database = Stack(Path(tmp_path_factory.mktemp("postgres")), Ports.free(), quiet=True, ephemeral=True)
    try:
        database.database_url = database.start_postgres()
        database.migrate()
        yield database.database_url
    finally:
        database.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server for the event stream tests, started as the dev launcher starts its own."""
    server = Stack(Path(tmp_path_factory.mktemp("redis")), Ports.free(), quiet=True, ephemeral=True)
    try:
        yield server.start_redis()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchNode]:
    """A real OpenSearch node for the search tests (tools/opensearch), started by the first that asks."""
    node = OpenSearchNode()
    node.start(Path(tmp_path_factory.mktemp("opensearch")), free_port())
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def opensearch_url(opensearch_node: OpenSearchNode) -> str:
    return opensearch_node.url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    yield client
    await client.aclose()


async def _decode_json(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4, init=_decode_json)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def ledger(db: asyncpg.Pool) -> Ledger:
    return Ledger(db)
