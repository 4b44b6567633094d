"""The migrations entry point (services/common/migrations.py) against the session's PostgreSQL: every service
upgrades from nothing to head, its models agree with what the migrations built (and a disagreement either way is
reported), the ledger functions loaded from migrations/sql/ are exactly those 0002 left, and the command line's exit
codes. Each test works in a scratch database of its own."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from services.coin import tables as coin_tables
from services.common import migrations

ROOT = Path(__file__).resolve().parents[2]
LEDGER_SQL = ROOT / "services" / "coin" / "migrations" / "sql"
SERVICES_WITH_MIGRATIONS = ["auth", "campaign", "idea", "coin", "search", "notification", "analytics"]


@pytest.fixture
def scratch(database_url: str) -> Iterator[str]:
    with migrations.scratch_database(database_url) as url:
        yield url


def fetch(url: str, query: str) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return await connection.fetch(query)
        finally:
            await connection.close()

    return asyncio.run(run())


def cli(*arguments: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'generated'}"}
    return subprocess.run([sys.executable, "-m", "services.common.migrations", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


# ---- upgrade and check -------------------------------------------------------------------------------------------

def test_the_services_with_migrations_are_found():
    assert migrations.migrated_services() == SERVICES_WITH_MIGRATIONS


def test_every_service_upgrades_from_empty_to_head_and_its_models_agree(scratch: str):
    for service in SERVICES_WITH_MIGRATIONS:
        migrations.upgrade(service, scratch)
        [version] = fetch(scratch, f"SELECT version_num FROM {service}.alembic_version")
        assert version["version_num"] == migrations.head(service)
        assert migrations.differences(service, scratch) == "", service


def test_a_column_the_migrations_add_but_the_model_lacks_fails_the_check(scratch: str):
    migrations.upgrade("coin", scratch)
    fetch(scratch, "ALTER TABLE coin.ideas ADD COLUMN note text")
    found = migrations.differences("coin", scratch)
    assert "op.drop_column('ideas', 'note', schema='coin')" in found


def test_a_column_the_model_has_but_the_migrations_lack_fails_the_check(scratch: str):
    migrations.upgrade("coin", scratch)
    model = sa.MetaData(schema="coin")
    for table in coin_tables.metadata.tables.values():
        table.to_metadata(model)
    model.tables["coin.ideas"].append_column(sa.Column("note", sa.Text))

    def compare(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts=migrations.comparison_options("coin"))
        return compare_metadata(context, model)

    async def run() -> list[Any]:
        engine = create_async_engine(scratch)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    [(operation, schema, table, column)] = asyncio.run(run())
    assert (operation, schema, table, column.name) == ("add_column", "coin", "ideas", "note")


def test_the_check_compares_every_coin_table():
    assert {table.name for table in coin_tables.metadata.tables.values()} == {
        "campaigns", "accounts", "ideas", "allocations", "ledger", "requests", "results", "event_outbox"}


# ---- the ledger's functions, one file each -----------------------------------------------------------------------

FUNCTIONS = """
    SELECT p.proname, pg_get_functiondef(p.oid) AS definition FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'coin' ORDER BY p.proname"""
TRIGGERS = """
    SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger
    WHERE tgrelid = 'coin.ledger'::regclass AND NOT tgisinternal ORDER BY tgname"""


def ledger_objects(url: str) -> dict[str, str]:
    return {row[0]: row[1] for query in (FUNCTIONS, TRIGGERS) for row in fetch(url, query)}


def test_every_ledger_object_at_head_has_its_file(scratch: str):
    migrations.upgrade("coin", scratch, "0002")
    left_by_0002 = ledger_objects(scratch)
    migrations.upgrade("coin", scratch)
    at_head = ledger_objects(scratch)
    assert set(left_by_0002) <= set(at_head)  # files replaced functions, none went missing
    assert {path.stem for path in LEDGER_SQL.glob("*.sql")} == set(at_head)


def test_every_function_file_is_what_the_database_runs(scratch: str):
    migrations.upgrade("coin", scratch)
    bodies = {row["proname"]: row["prosrc"] for row in fetch(scratch, """
        SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'coin'""")}
    for name, body in bodies.items():
        assert (LEDGER_SQL / f"{name}.sql").read_text().split("$$")[1] == body, name


def test_every_file_is_loaded_by_a_revision():
    versions = ROOT / "services" / "coin" / "migrations" / "versions"
    loaded = set()
    for path in sorted(versions.glob("*.py"))[2:]:  # 0001 and 0002 hold their SQL inline
        text = path.read_text()
        loaded |= set(re.findall(r'"([a-z_]+)"', text[text.find("execute_sql_files"):]))
    assert {path.stem for path in LEDGER_SQL.glob("*.sql")} <= loaded


def test_the_reloaded_functions_move_coins_and_the_ledger_stays_append_only(scratch: str):
    migrations.upgrade("coin", scratch)
    member, idea = uuid.uuid4(), uuid.uuid4()
    [opened] = fetch(scratch, f"""SELECT coin.open_campaign('r1', 'smoke', 100, 0, true, true, 0, 3,
                                                          ARRAY['{member}']::uuid[]) AS answer""")
    assert '"granted_members": 1' in opened["answer"]
    fetch(scratch, f"SELECT coin.open_idea('r2', 'smoke', '{idea}', '{uuid.uuid4()}')")
    [placed] = fetch(scratch, f"SELECT coin.allocate('r3', 'smoke', '{member}', '{idea}', 30) AS answer")
    assert '"available": 70' in placed["answer"]
    with pytest.raises(asyncpg.RaiseError, match="LEDGER_APPEND_ONLY"):
        fetch(scratch, "DELETE FROM coin.ledger")
    with pytest.raises(asyncpg.RaiseError, match="LEDGER_APPEND_ONLY"):
        fetch(scratch, "TRUNCATE coin.ledger")


# ---- revision ----------------------------------------------------------------------------------------------------

def test_a_new_revision_is_numbered_after_the_head(scratch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(migrations.migrations_folder("coin"), tmp_path / "coin" / "migrations")
    monkeypatch.setattr(migrations, "SERVICES_ROOT", tmp_path)
    migrations.upgrade("coin", scratch)
    head = max(int(path.name[:4]) for path in (tmp_path / "coin" / "migrations" / "versions").glob("[0-9]*.py"))
    written = migrations.new_revision("coin", scratch, "reload allocate")
    assert written == tmp_path / "coin" / "migrations" / "versions" / f"{head + 1:04d}_reload_allocate.py"
    text = written.read_text()
    assert f"revision = '{head + 1:04d}'" in text and f"down_revision = '{head:04d}'" in text


# ---- the command line --------------------------------------------------------------------------------------------

def test_upgrade_and_check_from_the_command_line(scratch: str):
    upgraded = cli("upgrade", database_url=scratch)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Running upgrade 0002 -> 0003" in upgraded.stderr
    assert upgraded.stdout.splitlines()[-1] == "up to date: auth, campaign, idea, coin, search, notification, analytics"
    again = cli("upgrade", "coin", database_url=scratch)
    assert again.returncode == 0 and "Running upgrade" not in again.stderr
    checked = cli("check", database_url=scratch)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "coin: the models and the migrations agree" in checked.stdout


def test_replicas_migrating_at_once_take_turns(scratch: str):
    """As init containers of replicas rolled out together do: every one succeeds, the schema ends at head."""
    env = {**os.environ, "DATABASE_URL": scratch, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'generated'}"}
    runs = [subprocess.Popen([sys.executable, "-m", "services.common.migrations", "upgrade"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for run in runs:
        out, err = run.communicate(timeout=240)
        assert run.returncode == 0, err
        assert out.splitlines()[-1].startswith("up to date: auth")
    for service in SERVICES_WITH_MIGRATIONS:
        [version] = fetch(scratch, f"SELECT version_num FROM {service}.alembic_version")
        assert version["version_num"] == migrations.head(service)


def test_the_command_line_refuses_clearly(database_url: str):
    unknown = cli("upgrade", "billing", database_url=database_url)
    assert unknown.returncode == 2 and "no migrations for billing" in unknown.stderr
    wrong_scheme = cli("upgrade", "coin", database_url="mysql://coins@127.0.0.1/coins")
    assert wrong_scheme.returncode == 1 and "DATABASE_URL must start with postgresql://" in wrong_scheme.stderr
    closed = database_url.rsplit(":", 1)[0] + ":1/coins"
    unreachable = cli("check", "coin", database_url=closed)
    assert unreachable.returncode == 1 and unreachable.stderr.startswith("error:"), unreachable.stderr
    assert cli("revision", "coin", database_url=database_url).returncode == 2  # -m is required
