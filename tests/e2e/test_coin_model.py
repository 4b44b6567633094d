"""A model of PRODUCT.md's coin rules, small enough to be obviously right, against the real services: Hypothesis
draws sequences of allocate / reallocate / withdraw / accept / reject / retry, and after every step each answer
and every balance must be what the model says."""

from __future__ import annotations

import uuid

import grpc
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from coins.v1 import coin_service_pb2 as pb
from coins.v1 import resources_pb2 as res
from tests.support.errors import error_info

GRANT, CAP = 60, 40


class Model:
    """available per member, live allocation per (member, idea), idea state: open / expended / recycled."""

    def __init__(self, members: int, ideas: int):
        self.available = [GRANT] * members
        self.expended = [0] * members
        self.placed: dict[tuple[int, int], int] = {}
        self.state = ["open"] * ideas

    def allocated(self, m: int) -> int:
        return sum(a for (who, idea), a in self.placed.items() if who == m and self.state[idea] == "open")

    def on(self, m: int, idea: int) -> int:
        return self.placed.get((m, idea), 0) if self.state[idea] == "open" else 0

    def taking_out(self, idea: int) -> str | None:
        return {"expended": "COIN_002", "recycled": "IDEA_003"}.get(self.state[idea])

    def allocate(self, m: int, idea: int, amount: int) -> str:
        if self.state[idea] != "open":
            return "IDEA_003"
        if self.available[m] < amount:
            return "COIN_001"
        if self.on(m, idea) + amount > CAP:
            return "MAX_PER_IDEA"
        self.available[m] -= amount
        self.placed[(m, idea)] = self.on(m, idea) + amount
        return "OK"

    def withdraw(self, m: int, idea: int, amount: int) -> str:
        if refusal := self.taking_out(idea):
            return refusal
        if self.on(m, idea) < amount:
            return "NOT_ENOUGH_ON_IDEA"
        self.placed[(m, idea)] -= amount
        self.available[m] += amount
        return "OK"

    def reallocate(self, m: int, source: int, target: int, amount: int) -> str:
        if refusal := self.taking_out(source):
            return refusal
        if self.state[target] != "open":
            return "IDEA_003"
        if self.on(m, source) < amount:
            return "NOT_ENOUGH_ON_IDEA"
        if self.on(m, target) + amount > CAP:
            return "MAX_PER_IDEA"
        self.placed[(m, source)] -= amount
        self.placed[(m, target)] = self.on(m, target) + amount
        return "OK"

    def close(self, idea: int, accept: bool) -> str:
        if self.state[idea] != "open":
            return "FAILED_PRECONDITION"
        for (m, i), amount in list(self.placed.items()):
            if i == idea:
                if accept:
                    self.expended[m] += amount
                else:
                    self.available[m] += amount
                    self.placed[(m, i)] = 0
        self.state[idea] = "expended" if accept else "recycled"
        return "OK"


def test_the_ledger_behaves_like_the_model(admin_user, sign_in):
    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def campaign(self):
            self.members = [sign_in("model") for _ in range(3)]
            self.cid = admin_user.create_campaign("open", coin_policy=res.CoinPolicy(
                initial_allocation=GRANT, max_per_idea=CAP)).campaign_id
            for member in self.members:
                member.join(self.cid)
            for member in self.members:
                assert member.balance(self.cid).available == GRANT
            self.ideas = [self.members[0].submit(self.cid).id for _ in range(3)]
            self.model = Model(len(self.members), len(self.ideas))
            self.last = None

        def call(self, m: int, method: str, **fields) -> str:
            fields.setdefault("request_id", str(uuid.uuid4()))
            request = getattr(pb, method.replace("Coins", "CoinsRequest"))(campaign_id=self.cid, **fields)
            try:
                reply = getattr(self.members[m].coins, method)(request)
            except grpc.RpcError as error:
                return error_info(error).reason
            self.last = (m, method, request, reply)
            return "OK"

        @rule(m=st.integers(0, 2), idea=st.integers(0, 2), amount=st.integers(1, 30))
        def allocate(self, m, idea, amount):
            assert self.call(m, "AllocateCoins", idea_id=self.ideas[idea], amount=amount) == \
                self.model.allocate(m, idea, amount)

        @rule(m=st.integers(0, 2), idea=st.integers(0, 2), amount=st.integers(1, 30))
        def withdraw(self, m, idea, amount):
            assert self.call(m, "WithdrawCoins", idea_id=self.ideas[idea], amount=amount) == \
                self.model.withdraw(m, idea, amount)

        @rule(m=st.integers(0, 2), pair=st.permutations([0, 1, 2]).map(lambda p: p[:2]),
              amount=st.integers(1, 30))
        def reallocate(self, m, pair, amount):
            source, target = pair
            assert self.call(m, "ReallocateCoins", from_idea_id=self.ideas[source], to_idea_id=self.ideas[target],
                             amount=amount) == self.model.reallocate(m, source, target, amount)

        @rule(idea=st.integers(0, 2), accept=st.booleans())
        def decide(self, idea, accept):
            status = res.IDEA_STATUS_ACCEPTED if accept else res.IDEA_STATUS_REJECTED
            try:
                admin_user.set_status(self.ideas[idea], status)
                outcome = "OK"
            except grpc.RpcError as error:
                outcome = error.code().name
            assert outcome == self.model.close(idea, accept)

        @rule()
        def retry_the_last_success(self):
            if self.last is None:
                return
            m, method, request, reply = self.last
            again = getattr(self.members[m].coins, method)(request)
            assert again == reply  # the first answer, and nothing moved (the balances below still match)

        @invariant()
        def balances_match_the_model(self):
            if not hasattr(self, "model"):
                return
            for m, member in enumerate(self.members):
                balance = member.balance(self.cid)
                assert (balance.available, balance.allocated, balance.expended) == \
                    (self.model.available[m], self.model.allocated(m), self.model.expended[m]), m
                assert balance.granted == balance.available + balance.allocated + balance.expended

    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=12, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
