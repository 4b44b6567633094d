"""PRODUCT.md "Coins" over gRPC through the gateway, checked against the ledger: moves, refusals as the client sees
them, history, verify, membership. The ledger functions' rules one by one (policy, replays, decisions, completion,
the append-only ledger and its CHECK constraints) are in tests/integration/test_coin_ledger.py."""

import subprocess
import time
import uuid

import grpc
import pytest

from coins.v1 import coin_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tests.support.coin_invariants import violations
from tests.support.errors import error_info
from tests.support.world import refused


@pytest.fixture
def arena(admin_user, sign_in):
    """An open campaign (max 50 per idea) with two members holding 100 coins and three competing ideas."""
    alice, bob = sign_in("alice"), sign_in("bob")
    cid = admin_user.create_campaign("open", coin_policy=res.CoinPolicy(max_per_idea=50)).campaign_id
    for who in (alice, bob):
        who.join(cid)
        assert who.balance(cid).available == 100
    ideas = [alice.submit(cid).id for _ in range(3)]
    return cid, alice, bob, ideas


def move(user, method, **fields):
    fields.setdefault("request_id", str(uuid.uuid4()))
    request = {"AllocateCoins": pb.AllocateCoinsRequest, "ReallocateCoins": pb.ReallocateCoinsRequest,
               "WithdrawCoins": pb.WithdrawCoinsRequest}[method](**fields)
    return getattr(user.coins, method)(request)


def test_allocate_reallocate_withdraw_move_coins_and_write_the_ledger(arena, stack):
    cid, alice, bob, (a, b, _) = arena
    placed = move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=30)
    assert (placed.balance.available, placed.balance.allocated, placed.allocation.amount) == (70, 30, 30)
    shifted = move(bob, "ReallocateCoins", campaign_id=cid, from_idea_id=a, to_idea_id=b, amount=10)
    assert (shifted.from_allocation.amount, shifted.to_allocation.amount) == (20, 10)
    assert (shifted.balance.available, shifted.balance.allocated) == (70, 30)
    back = move(bob, "WithdrawCoins", campaign_id=cid, idea_id=a, amount=5)
    assert (back.balance.available, back.allocation.amount) == (75, 15)
    own = move(alice, "AllocateCoins", campaign_id=cid, idea_id=a, amount=1)  # backing one's own idea is fine
    assert own.allocation.amount == 1
    entries = bob.coins.ListLedgerEntries(pb.ListLedgerEntriesRequest(campaign_id=cid)).entries
    assert [(e.kind, e.amount) for e in entries] == [
        (res.LEDGER_ENTRY_KIND_WITHDRAW, 5), (res.LEDGER_ENTRY_KIND_REALLOCATE, 10),
        (res.LEDGER_ENTRY_KIND_ALLOCATE, 30), (res.LEDGER_ENTRY_KIND_GRANT, 100)]
    assert entries[1].from_idea_id == a and entries[1].idea_id == b
    coins = bob.coins.GetIdeaCoins(pb.GetIdeaCoinsRequest(idea_id=a))
    assert coins.total == 16 and {(x.user_id, x.amount) for x in coins.backers} == {(bob.id, 15), (alice.id, 1)}
    mine = bob.coins.ListAllocations(pb.ListAllocationsRequest(campaign_id=cid)).allocations
    assert sorted((x.idea_id, x.amount) for x in mine) == sorted([(a, 15), (b, 10)])
    assert violations(stack.database_url, [cid]) == []


def test_refusals_name_the_design_codes(arena, sign_in, admin_user):
    cid, alice, bob, (a, b, _) = arena
    move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=50)
    too_many = refused(grpc.StatusCode.FAILED_PRECONDITION, move, bob, "AllocateCoins", campaign_id=cid,
                       idea_id=b, amount=51)
    assert error_info(too_many).reason == "COIN_001"
    capped = refused(grpc.StatusCode.FAILED_PRECONDITION, move, bob, "AllocateCoins", campaign_id=cid,
                     idea_id=a, amount=1)
    assert error_info(capped).reason == "MAX_PER_IDEA"
    more_than_placed = refused(grpc.StatusCode.FAILED_PRECONDITION, move, bob, "WithdrawCoins", campaign_id=cid,
                               idea_id=b, amount=1)
    assert error_info(more_than_placed).reason == "NOT_ENOUGH_ON_IDEA"
    unknown = refused(grpc.StatusCode.NOT_FOUND, move, bob, "AllocateCoins", campaign_id=cid,
                      idea_id=str(uuid.uuid4()), amount=1)
    assert error_info(unknown).reason == "IDEA_001"
    stranger = sign_in("stranger")
    refused(grpc.StatusCode.PERMISSION_DENIED, move, stranger, "AllocateCoins", campaign_id=cid, idea_id=a, amount=1)
    for amount in (0, -3):
        bad = refused(grpc.StatusCode.INVALID_ARGUMENT, move, bob, "AllocateCoins", campaign_id=cid, idea_id=a,
                      amount=amount)
        assert error_info(bad).metadata["field"] == "amount"
    no_id = refused(grpc.StatusCode.INVALID_ARGUMENT, move, bob, "AllocateCoins", campaign_id=cid, idea_id=a,
                    amount=1, request_id="")
    assert error_info(no_id).metadata["field"] == "request_id"
    same_idea = refused(grpc.StatusCode.INVALID_ARGUMENT, move, bob, "ReallocateCoins", campaign_id=cid,
                        from_idea_id=a, to_idea_id=a, amount=1)
    assert error_info(same_idea).metadata["field"] == "to_idea_id"
    draft = admin_user.create_campaign("open", active=False).campaign_id
    inactive = refused(grpc.StatusCode.FAILED_PRECONDITION, move, bob, "AllocateCoins", campaign_id=draft,
                       idea_id=a, amount=1)
    assert error_info(inactive).reason == "CAMPAIGN_002"


def test_ledger_history_is_the_members_own_unless_a_manager_asks(arena, admin_user, sign_in):
    cid, alice, bob, (a, _, _) = arena
    for _ in range(3):
        move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=1)
    first = bob.coins.ListLedgerEntries(pb.ListLedgerEntriesRequest(campaign_id=cid, page_size=2))
    rest = bob.coins.ListLedgerEntries(pb.ListLedgerEntriesRequest(campaign_id=cid, page_size=2,
                                                                   page_token=first.next_page_token))
    assert len(first.entries) == 2 and len(rest.entries) == 2 and rest.next_page_token == ""
    refused(grpc.StatusCode.PERMISSION_DENIED, alice.coins.ListLedgerEntries,
            pb.ListLedgerEntriesRequest(campaign_id=cid, user_id=bob.id))
    assert len(admin_user.coins.ListLedgerEntries(pb.ListLedgerEntriesRequest(campaign_id=cid, user_id=bob.id)
                                                  ).entries) == 4
    refused(grpc.StatusCode.NOT_FOUND, sign_in("nosy").coins.GetIdeaCoins, pb.GetIdeaCoinsRequest(idea_id=a))


def test_verify_finds_a_balance_changed_behind_the_ledgers_back(arena, admin_user, stack):
    cid, _, bob, (a, _, _) = arena
    move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=10)
    clean = admin_user.coins.VerifyLedger(pb.VerifyLedgerRequest(campaign_id=cid))
    assert clean.balances_checked == 2 and not clean.mismatches and not clean.idea_mismatches
    refused(grpc.StatusCode.PERMISSION_DENIED, bob.coins.VerifyLedger, pb.VerifyLedgerRequest(campaign_id=cid))
    psql = ["psql", stack.database_url, "-v", "ON_ERROR_STOP=1", "-c"]
    # Conservation still holds, so only the ledger can tell: 5 coins appeared from nowhere.
    subprocess.run(psql + [f"UPDATE coin.accounts SET granted = granted + 5, available = available + 5 "
                           f"WHERE campaign_id = '{cid}' AND user_id = '{bob.id}'"], check=True, capture_output=True)
    found = admin_user.coins.VerifyLedger(pb.VerifyLedgerRequest(campaign_id=cid))
    assert [(m.stored.available, m.from_ledger.available) for m in found.mismatches] == [(95, 90)]
    command = subprocess.run([".venv/bin/python", "-m", "services.coin.verify", "--campaign", cid],
                             env={**stack.service_env()}, capture_output=True, text=True)
    assert command.returncode == 1 and "MISMATCH" in command.stdout
    subprocess.run(psql + [f"UPDATE coin.accounts SET granted = granted - 5, available = available - 5 "
                           f"WHERE campaign_id = '{cid}' AND user_id = '{bob.id}'"], check=True, capture_output=True)
    assert subprocess.run([".venv/bin/python", "-m", "services.coin.verify", "--campaign", cid],
                          env={**stack.service_env()}, capture_output=True).returncode == 0


def test_a_removed_member_moves_no_coin_until_it_joins_again(arena, admin_user, stack):
    from coins.v1 import campaign_service_pb2 as campaign_pb

    cid, _, bob, (a, _, _) = arena
    move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=10)
    admin_user.campaigns.RemoveMember(campaign_pb.RemoveMemberRequest(campaign_id=cid, user_id=bob.id))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=1)
            time.sleep(0.1)  # the removal is still on its way through the outbox
        except grpc.RpcError as error:
            assert error.code() is grpc.StatusCode.PERMISSION_DENIED
            break
    else:
        pytest.fail("a removed member could still allocate")
    refused(grpc.StatusCode.PERMISSION_DENIED, move, bob, "WithdrawCoins", campaign_id=cid, idea_id=a, amount=1)
    placed = bob.balance(cid).allocated  # what it placed stays placed
    bob.join(cid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            move(bob, "AllocateCoins", campaign_id=cid, idea_id=a, amount=1)
            break
        except grpc.RpcError:
            time.sleep(0.1)
    assert bob.balance(cid).granted == 100 and bob.balance(cid).allocated == placed + 1  # no second grant
    assert violations(stack.database_url, [cid]) == []
