"""The analytics read model (services/analytics/repository.py, projection.py) against PostgreSQL: a batch delivered
twice counts once, an older state never overwrites a newer one, and a rebuild replaces everything in one step while
the consumer waits for it."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from coins.v1 import events_pb2 as ev
from coins.v1 import resources_pb2 as res
from services.analytics import domain
from services.analytics.projection import Changes, Projector
from services.analytics.repository import ReadModel
from services.common.concepts import IdeaStatus
from services.common.config import Settings
from services.common.db import Database
from services.common.events import Delivery

_positions = itertools.count(1)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
_entry_ids = itertools.count(int(datetime.now(UTC).timestamp() * 1000))


@pytest.fixture(scope="module")
async def read_model(database_url: str) -> AsyncIterator[ReadModel]:
    database = Database(Settings.from_env("analytics", {"DATABASE_URL": database_url, "COINS_DB_POOL_SIZE": "4"}))
    yield ReadModel(database)
    await database.close()


def delivery(event: ev.Event, position: int | None = None) -> Delivery:
    return Delivery("coins:events:test", f"{1_700_000_000_000 + (position or next(_positions))}-0", event)


def campaign(campaign_id: str, kind: int = res.CAMPAIGN_TYPE_OPEN) -> ev.Event:
    return ev.Event(event_id=str(uuid.uuid4()), campaign_id=campaign_id, campaign_started=ev.CampaignStarted(
        campaign=res.Campaign(campaign_id=campaign_id, title="T", type=kind, status=res.CAMPAIGN_STATUS_ACTIVE)))


def idea(campaign_id: str, idea_id: str, title: str, status: int = res.IDEA_STATUS_COMPETING,
         approved_after: timedelta | None = None) -> ev.Event:
    submitted = res.Idea(id=idea_id, campaign_id=campaign_id, submitter_id=str(uuid.uuid4()), title=title,
                         status=status)
    submitted.submit_time.FromDatetime(T0)
    if approved_after is not None:
        submitted.approve_time.FromDatetime(T0 + approved_after)
    return ev.Event(event_id=str(uuid.uuid4()), campaign_id=campaign_id,
                    idea_submitted=ev.IdeaSubmitted(idea=submitted))


def moved(campaign_id: str, idea_id: str, *amounts: int, coins: int = 0) -> ev.Event:
    entries = []
    for amount in amounts:
        entry = res.LedgerEntry(id=str(next(_entry_ids)), campaign_id=campaign_id, user_id=str(uuid.uuid4()),
                                kind=res.LEDGER_ENTRY_KIND_ALLOCATE, amount=amount, idea_id=idea_id)
        entry.create_time.FromDatetime(datetime.now(UTC))
        entries.append(entry)
    return ev.Event(event_id=str(uuid.uuid4()), campaign_id=campaign_id, coins_moved=ev.CoinsMoved(
        operation=ev.COIN_OPERATION_ALLOCATE, entries=entries,
        idea_totals=[ev.IdeaCoinTotal(idea_id=idea_id, coin_total=coins, backer_count=len(amounts))]))


async def allocated(read_model: ReadModel, campaign_id: str) -> int:
    async with read_model.reading() as reader:
        return domain.coin_totals(await reader.coin_sums(campaign_id)).allocated


async def test_a_batch_delivered_twice_counts_once_and_an_older_state_loses(read_model: ReadModel) -> None:
    cid, idea_id = f"twice-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    projector = Projector(read_model)
    batch = [delivery(campaign(cid)), delivery(idea(cid, idea_id, "Newer title")),
             delivery(moved(cid, idea_id, 5, 7, coins=12))]
    await projector.apply(batch)
    await projector.apply(batch)  # redelivered after a crash before the acknowledgement
    await projector.apply([delivery(idea(cid, idea_id, "Older title"), position=1)])  # a late replay
    assert await allocated(read_model, cid) == 12
    async with read_model.reading() as reader:
        assert (await reader.participation(cid)).active_backers == 2
        [top] = await reader.top_ideas(cid, 10)
        assert sum(n for _, n in await reader.allocations(cid, domain.TimeBucket.HOUR)) == 12
    assert (top.title, top.coins, top.backers) == ("Newer title", 12, 2)


async def test_a_rebuild_replaces_everything_at_once_while_the_consumer_waits(read_model: ReadModel) -> None:
    cid, idea_id = f"rebuilt-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    projector = Projector(read_model)
    first = moved(cid, idea_id, 3, coins=3)
    await projector.apply([delivery(campaign(cid)), delivery(idea(cid, idea_id, "Kept")), delivery(first)])
    later = moved(cid, idea_id, 4, coins=7)

    async with read_model.replacing() as writer:
        consumer = asyncio.create_task(projector.apply([delivery(first), delivery(later)]))
        await asyncio.sleep(0.3)
        assert not consumer.done(), "the consumer waits for the rebuild"
        assert await allocated(read_model, cid) == 3, "reports read the old figures meanwhile"
        owners = Changes()  # what the owners say: the campaign, the idea and the first entry
        owners.add(campaign(cid), 1)
        owners.add(idea(cid, idea_id, "Kept"), 2)
        owners.add(first, 3)
        await owners.write(writer)
    await consumer
    assert await allocated(read_model, cid) == 7  # the first entry once, the later one added by the consumer
    async with read_model.reading() as reader:
        assert [i.title for i in await reader.top_ideas(cid, 10)] == ["Kept"]


async def test_the_funnel_takes_the_median_time_of_the_ideas_that_moved_on(read_model: ReadModel) -> None:
    cid = f"funnel-{uuid.uuid4().hex[:8]}"
    batch = [delivery(campaign(cid, res.CAMPAIGN_TYPE_MEDIATED))]
    batch += [delivery(idea(cid, str(uuid.uuid4()), f"Approved after {m} min", approved_after=timedelta(minutes=m)))
              for m in (10, 20, 60, 90)]
    batch.append(delivery(idea(cid, str(uuid.uuid4()), "Still waiting", status=res.IDEA_STATUS_PENDING)))
    await Projector(read_model).apply(batch)
    async with read_model.reading() as reader:
        steps = {step.status: step for step in await reader.funnel(cid)}
    waiting, competing = steps[IdeaStatus.PENDING], steps[IdeaStatus.COMPETING]
    assert (waiting.ideas, waiting.moved_on, waiting.median_time) == (1, 4, timedelta(minutes=40))
    assert (competing.ideas, competing.moved_on, competing.median_time) == (4, 0, None)


async def test_the_ledger_csv_is_written_by_postgresql_with_typed_text_defused(read_model: ReadModel) -> None:
    cid, idea_id = f"csv-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
    event = moved(cid, idea_id, *range(1, 301), coins=45150)
    event.coins_moved.entries[0].request_id = "=HYPERLINK(\"http://evil\")"
    event.coins_moved.entries[1].request_id = "plain, with a comma"
    await Projector(read_model).apply([delivery(campaign(cid)), delivery(event)])
    columns = ("entry_id", "created_at", "user_id", "kind", "amount", "idea_id", "from_idea_id", "actor_id",
               "request_id")
    chunks = [chunk async for chunk in read_model.ledger_csv(cid, columns, chunk_bytes=4096)]
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    assert [int(r["amount"]) for r in rows] == list(range(1, 301))
    assert rows[0]["request_id"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[1]["request_id"] == "plain, with a comma"
    assert rows[0]["created_at"].endswith("Z") and rows[0]["idea_id"] == idea_id and rows[0]["actor_id"] == ""
