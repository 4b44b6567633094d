"""Alembic, one history per service: each service keeps its tables (and its version table) in its own schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.common.config import asyncpg_url


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / service / "migrations"))
    config.set_main_option("sqlalchemy.url", asyncpg_url(database_url))
    config.attributes["schema"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def has_migrations(service: str) -> bool:
    return (Path(__file__).resolve().parent.parent / service / "migrations" / "versions").is_dir()


def run_env(target_metadata) -> None:
    """Body of every service's migrations/env.py."""
    config = context.config
    schema = config.attributes["schema"]

    def migrate(connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(connection=connection, target_metadata=target_metadata,
                          version_table_schema=schema, include_schemas=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


def execute_script(sql: str) -> None:
    """Runs a multi-statement SQL script (functions, triggers) inside the migration's transaction. SQLAlchemy's
    asyncpg dialect prepares every statement, and a prepared statement holds one command; asyncpg's own
    execute() without arguments uses the simple query protocol, which takes a script."""
    from alembic import op
    from sqlalchemy.util import await_only

    await_only(op.get_bind().connection.driver_connection.execute(sql))


def replace_requests_table(schema: str) -> None:
    """Swaps a service's global request-id table for the one scoped to caller and method (idempotency.py)."""
    import sqlalchemy as sa
    from alembic import op

    from services.common.idempotency import requests_table

    op.drop_table("requests", schema=schema)
    requests_table(sa.MetaData(schema=schema)).create(op.get_bind())
