"""PRODUCT.md "Campaigns": completion, and a member's removal, take effect at once. Allocators race the call in
many rounds; once it has answered, the ledger never gains another move of that campaign (or that member).
`make soak` runs more rounds (COINS_RACE_ROUNDS)."""

import asyncio
import os
import threading
import time

import asyncpg
import grpc
import pytest

from coins.v1 import campaign_service_pb2 as campaign_pb
from coins.v1 import resources_pb2 as res

ROUNDS = int(os.environ.get("COINS_RACE_ROUNDS", "4"))
ALLOCATORS = 3
MOVES = ("allocate", "reallocate", "withdraw")


def committed_moves(database_url: str, campaign_id: str, user_id: str | None = None) -> int:
    async def count() -> int:
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return await connection.fetchval(
                "SELECT count(*) FROM coin.ledger WHERE campaign_id = $1 AND kind = ANY($2) "
                "AND ($3::uuid IS NULL OR user_id = $3::uuid)", campaign_id, list(MOVES), user_id)
        finally:
            await connection.close()
    return asyncio.run(count())


class Allocators:
    """Threads allocating one coin at a time, as fast as they can, until stopped."""

    def __init__(self, users, campaign_id: str, idea_id: str):
        self._stop = threading.Event()
        self.refused: list[grpc.StatusCode] = []
        self._threads = [threading.Thread(target=self._run, args=(user, campaign_id, idea_id)) for user in users]

    def _run(self, user, campaign_id: str, idea_id: str) -> None:
        while not self._stop.is_set():
            try:
                user.allocate(campaign_id, idea_id, 1)
            except grpc.RpcError as error:
                self.refused.append(error.code())

    def __enter__(self) -> "Allocators":
        for thread in self._threads:
            thread.start()
        time.sleep(0.3)  # let the moves flow before the call under test
        return self

    def __exit__(self, *_) -> None:
        time.sleep(0.3)  # and keep them coming after its answer
        self._stop.set()
        for thread in self._threads:
            thread.join()


@pytest.fixture
def crowd(sign_in):
    return [sign_in(f"racer{i}") for i in range(ALLOCATORS)]


def arena(admin_user, crowd) -> tuple[str, str]:
    cid = admin_user.create_campaign("open", coin_policy=res.CoinPolicy(initial_allocation=1_000_000)).campaign_id
    for user in crowd:
        user.join(cid)
    return cid, crowd[0].submit(cid).id


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_no_move_lands_after_completion_answers(round_, admin_user, crowd, stack):
    cid, idea = arena(admin_user, crowd)
    with Allocators(crowd, cid, idea) as racing:
        admin_user.move(cid, "completed")
        at_answer = committed_moves(stack.database_url, cid)
    assert at_answer > 0, "the allocators never got going"
    assert committed_moves(stack.database_url, cid) == at_answer
    assert grpc.StatusCode.FAILED_PRECONDITION in racing.refused


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_no_move_of_a_removed_member_lands_after_removal_answers(round_, admin_user, crowd, stack):
    cid, idea = arena(admin_user, crowd)
    leaving = crowd[1]
    with Allocators(crowd, cid, idea) as racing:
        admin_user.campaigns.RemoveMember(campaign_pb.RemoveMemberRequest(campaign_id=cid, user_id=leaving.id))
        at_answer = committed_moves(stack.database_url, cid, leaving.id)
        others_at_answer = committed_moves(stack.database_url, cid)
    assert at_answer > 0, "the allocators never got going"
    assert committed_moves(stack.database_url, cid, leaving.id) == at_answer
    assert committed_moves(stack.database_url, cid) > others_at_answer  # the others kept allocating
    assert grpc.StatusCode.PERMISSION_DENIED in racing.refused
