"""PRODUCT.md "Coins": accepting (or rejecting) an idea is one outcome. The idea service is killed with SIGKILL
right after the coin side committed and before the idea's status changed; on restart it finishes the decision
by itself: the idea is accepted (rejected) and its coins expended (returned) exactly once, with no client retry."""

import asyncio
import signal
import time
import uuid

import asyncpg
import grpc
import pytest

from coins.v1 import idea_service_pb2 as idea_pb
from coins.v1 import resources_pb2 as res
from tests.support.coin_invariants import violations

CRASH_POINT = "idea.decision.after_coin_side"
CONVERGE_S = 10


def ledger_kinds(database_url: str, idea_id: str) -> list[str]:
    async def fetch() -> list[str]:
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            rows = await connection.fetch("SELECT kind FROM coin.ledger WHERE idea_id = $1::uuid AND kind <> "
                                          "'allocate' ORDER BY id", idea_id)
            return [row["kind"] for row in rows]
        finally:
            await connection.close()
    return asyncio.run(fetch())


def restart_idea_service(stack, crash_at: str | None = None) -> None:
    stack.stop_process("idea")
    stack.start_service("idea", extra_env={"COINS_CRASH_AT": crash_at} if crash_at else None)
    stack.wait_serving("idea")


@pytest.fixture
def crashing_idea_service(stack):
    restart_idea_service(stack, CRASH_POINT)
    yield
    restart_idea_service(stack)


@pytest.mark.parametrize("target, settled_kind, status", [
    (res.IDEA_STATUS_ACCEPTED, "expend", res.IDEA_STATUS_ACCEPTED),
    (res.IDEA_STATUS_REJECTED, "recycle", res.IDEA_STATUS_REJECTED),
])
def test_a_decision_cut_by_a_crash_finishes_by_itself(target, settled_kind, status, admin_user, sign_in, stack,
                                                      crashing_idea_service):
    alice, bob = sign_in("alice"), sign_in("bob")
    cid = admin_user.create_campaign("open").campaign_id
    for who in (alice, bob):
        who.join(cid)
    idea = alice.submit(cid).id
    alice.allocate(cid, idea, 10)
    bob.allocate(cid, idea, 15)

    request_id = str(uuid.uuid4())
    with pytest.raises(grpc.RpcError) as cut:
        admin_user.ideas.UpdateIdeaStatus(idea_pb.UpdateIdeaStatusRequest(idea_id=idea, status=target,
                                                                          request_id=request_id))
    assert cut.value.code() is grpc.StatusCode.UNAVAILABLE
    assert stack._processes["idea"].wait(5) == -signal.SIGKILL
    assert ledger_kinds(stack.database_url, idea) == [settled_kind, settled_kind]  # the coin side committed

    stack.start_service("idea")  # a normal start: no crash point
    stack.wait_serving("idea")
    deadline = time.monotonic() + CONVERGE_S
    while (seen := alice.ideas.GetIdea(idea_pb.GetIdeaRequest(idea_id=idea))).status != status:
        assert time.monotonic() < deadline, "the decision did not finish by itself"
        time.sleep(0.2)
    assert [h.to_status for h in seen.status_history].count(status) == 1
    assert ledger_kinds(stack.database_url, idea) == [settled_kind, settled_kind]  # exactly once
    # The client's retry, whenever it comes, gets the same answer and changes nothing.
    again = admin_user.ideas.UpdateIdeaStatus(idea_pb.UpdateIdeaStatusRequest(idea_id=idea, status=target,
                                                                              request_id=request_id))
    assert (again.status, again.coin_total) == (seen.status, seen.coin_total)
    assert ledger_kinds(stack.database_url, idea) == [settled_kind, settled_kind]
    assert violations(stack.database_url, [cid]) == []

