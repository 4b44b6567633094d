"""The auth service's use cases over in-memory ports: every handler, its answers and its refusals."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from coins.v1 import events_pb2 as events
from services.auth import domain
from services.auth.handlers import AuthHandlers, Limiters
from services.common import errors, sealing
from services.common.concepts import SystemRole
from services.common.context import Caller
from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)
from tests.unit.handlers.fakes_auth import (
    FakeClock,
    FakeIssuer,
    FakeLimiter,
    FakePasswords,
    FakeUnitsOfWork,
    call_context,
    token_of,
)

PASSWORD = "correct horse battery"
PUBLIC_URL = "https://coins.example"
ADDRESS = "10.0.0.7"
REGISTER = "/coins.v1.AuthService/Register"


@dataclass
class Auth:
    handlers: AuthHandlers
    uows: FakeUnitsOfWork
    clock: FakeClock
    limiters: Limiters

    async def register(self, email: str, password: str = PASSWORD, name: str = "Ann", address: str = ADDRESS):
        return await self.handlers.register(email, password, name, address)

    async def caller(self, email: str, *roles: SystemRole) -> Caller:
        account = await self.register(email)
        return Caller(account.id, account.email, frozenset(roles))

    async def admin(self, email: str = "root@example.org") -> Caller:
        who = await self.caller(email, SystemRole.ADMIN)
        self.uows.state.users[uuid.UUID(who.user_id)].roles.add(SystemRole.ADMIN)
        return who

    def refresh_token(self, token: str):
        return self.uows.state.refresh_tokens[domain.secret_token_digest(token)]

    def mailed_links(self, email: str | None = None) -> list[str]:
        """The verification links the events ask the notification service to mail (to `email`, or to anyone),
        oldest first, unsealed as it unseals them."""
        return [sealing.open_sealed(e.email_verification_requested.sealed_link) for e in self.uows.state.events
                if e.WhichOneof("payload") == "email_verification_requested"
                and email in (None, e.email_verification_requested.email)]

    def last_token(self, email: str) -> str:
        return token_of(self.mailed_links(email)[-1])


@pytest.fixture
def auth() -> Auth:
    clock = FakeClock()
    uows = FakeUnitsOfWork(clock)
    limiters = Limiters(sign_ins=FakeLimiter(email_and_address=3, address=10), registrations=FakeLimiter(address=4),
                        verification_mails=FakeLimiter(account=domain.VERIFICATION_MAILS_PER_HOUR))
    handlers = AuthHandlers(uows, FakeIssuer(clock), FakePasswords(), limiters, refresh_ttl_s=3600,
                            verification_ttl_s=48 * 3600, public_url=PUBLIC_URL, clock=clock)
    return Auth(handlers, uows, clock, limiters)


# ---- register --------------------------------------------------------------------------------------------------------

async def test_register_stores_the_account_and_mails_a_verification_link(auth):
    account = await auth.register("Ann@Example.org")
    assert (account.email, account.full_name, account.roles, account.active, account.email_verified) == (
        "Ann@Example.org", "Ann", (), True, False)
    stored = auth.uows.state.users[uuid.UUID(account.id)]
    assert stored.password_hash == f"hash:{PASSWORD}"
    [link] = auth.mailed_links("Ann@Example.org")
    assert link.startswith(f"{PUBLIC_URL}/verify-email?token=")
    assert domain.secret_token_digest(auth.last_token("Ann@Example.org")) in auth.uows.state.verifications


async def test_register_refuses_a_taken_email_whatever_its_letter_case(auth):
    await auth.register("ann@example.org")
    with pytest.raises(AlreadyExists) as refused:
        await auth.register("ANN@example.org")
    assert refused.value.reason == errors.ALREADY_EXISTS
    assert len(auth.uows.state.users) == 1 and len(auth.mailed_links()) == 1


@pytest.mark.parametrize("email,password,name,field", [
    ("not-an-email", PASSWORD, "Ann", "email"), ("ann@example.org", "short", "Ann", "password"),
    ("ann@example.org", PASSWORD, "", "full_name"), ("ann@example.org", " " * 12, "Ann", "password")])
async def test_register_refuses_bad_input_and_stores_nothing(auth, email, password, name, field):
    with pytest.raises(InvalidArgument) as refused:
        await auth.register(email, password, name)
    assert refused.value.field == field
    assert auth.uows.state.users == {}


async def test_a_retried_registration_replays_the_first_account_without_a_second_mail(auth):
    with call_context(method=REGISTER, request_id="r-1", body="ann"):
        first = await auth.register("ann@example.org")
        again = await auth.register("ann@example.org")
    assert again == first
    assert len(auth.uows.state.users) == 1 and len(auth.mailed_links()) == 1
    assert auth.limiters.registrations.counted[("address", ADDRESS)] == 1  # a replay is no new registration


async def test_a_request_id_reused_for_another_registration_is_refused(auth):
    with call_context(method=REGISTER, request_id="r-1", body="ann"):
        await auth.register("ann@example.org")
    with call_context(method=REGISTER, request_id="r-1", body="bob"), pytest.raises(InvalidArgument) as refused:
        await auth.register("bob@example.org")
    assert refused.value.reason == errors.REQUEST_ID_REUSED
    assert len(auth.uows.state.users) == 1


async def test_registrations_are_limited_per_address_and_refusals_count(auth):
    for n in range(3):
        await auth.register(f"user{n}@example.org")
    with pytest.raises(AlreadyExists):
        await auth.register("user0@example.org")  # probing for taken emails spends the limit too
    with pytest.raises(ResourceExhausted) as refused:
        await auth.register("late@example.org")
    assert refused.value.reason == errors.RATE_LIMITED
    await auth.register("late@example.org", address="10.0.0.8")  # another address has its own limit


# ---- login -----------------------------------------------------------------------------------------------------------

async def test_login_starts_a_session_with_a_stored_refresh_token(auth):
    account = await auth.register("ann@example.org")
    session = await auth.handlers.login("ANN@example.org ", PASSWORD, ADDRESS)
    assert session.account == account
    assert session.access_token.startswith(f"access:{account.id}")
    assert session.refresh_expires_at == auth.clock.now + timedelta(hours=1)
    assert session.access_expires_at == auth.clock.now + timedelta(minutes=15)
    stored = auth.refresh_token(session.refresh_token)
    assert (str(stored.user_id), stored.used_at, stored.revoked_at) == (account.id, None, None)
    assert stored.expires_at == session.refresh_expires_at


async def test_wrong_password_and_unknown_email_are_refused_alike(auth):
    await auth.register("ann@example.org")
    with pytest.raises(Unauthenticated) as wrong_password:
        await auth.handlers.login("ann@example.org", "not the password", ADDRESS)
    with pytest.raises(Unauthenticated) as unknown:
        await auth.handlers.login("nobody@example.org", PASSWORD, ADDRESS)
    assert wrong_password.value.message == unknown.value.message == domain.bad_credentials().message
    assert auth.uows.state.refresh_tokens == {}


async def test_a_deactivated_account_cannot_sign_in(auth):
    admin = await auth.admin()
    ann = await auth.register("ann@example.org")
    await auth.handlers.set_active(admin, ann.id, active=False)
    with pytest.raises(Unauthenticated) as refused:
        await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    assert refused.value.metadata == {"deactivated": "true"}


async def test_failed_sign_ins_are_throttled_and_the_owners_success_forgets_its_typos(auth):
    await auth.register("ann@example.org")
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await auth.handlers.login("ann@example.org", "wrong password", ADDRESS)
    await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await auth.handlers.login("ann@example.org", "wrong password", ADDRESS)
    with pytest.raises(ResourceExhausted):
        await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    await auth.handlers.login("ann@example.org", PASSWORD, "10.0.0.8")  # a stranger's guesses elsewhere do not lock


async def test_login_rehashes_a_password_hashed_with_old_parameters(auth):
    account = await auth.register("ann@example.org")
    auth.uows.state.users[uuid.UUID(account.id)].password_hash = f"old:{PASSWORD}"
    await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    assert auth.uows.state.users[uuid.UUID(account.id)].password_hash == f"hash:{PASSWORD}"


# ---- refresh and logout ----------------------------------------------------------------------------------------------

async def test_refresh_rotates_the_token_within_its_family(auth):
    await auth.register("ann@example.org")
    first = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    auth.clock.advance(minutes=5)
    second = await auth.handlers.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token and second.account == first.account
    assert auth.refresh_token(first.refresh_token).used_at == auth.clock.now
    assert auth.refresh_token(second.refresh_token).family_id == auth.refresh_token(first.refresh_token).family_id


async def test_a_reused_refresh_token_revokes_its_whole_family(auth):
    await auth.register("ann@example.org")
    first = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    other_device = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    second = await auth.handlers.refresh(first.refresh_token)
    with pytest.raises(Unauthenticated) as refused:
        await auth.handlers.refresh(first.refresh_token)
    assert refused.value.metadata == {"reuse_detected": "true"}
    with pytest.raises(Unauthenticated):
        await auth.handlers.refresh(second.refresh_token)  # the revocation stuck although the call failed
    await auth.handlers.refresh(other_device.refresh_token)  # another sign-in is another family


async def test_refresh_refuses_expired_unknown_and_deactivated(auth):
    admin = await auth.admin()
    ann = await auth.register("ann@example.org")
    expiring = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    auth.clock.advance(hours=2)
    with pytest.raises(Unauthenticated, match="expired or revoked"):
        await auth.handlers.refresh(expiring.refresh_token)
    with pytest.raises(Unauthenticated, match="expired or revoked"):
        await auth.handlers.refresh("never issued")
    live = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    await auth.handlers.set_active(admin, ann.id, active=False)
    with pytest.raises(Unauthenticated, match="expired or revoked"):
        await auth.handlers.refresh(live.refresh_token)


async def test_logout_revokes_the_family_but_ignores_someone_elses_token(auth):
    ann = await auth.caller("ann@example.org")
    bob = await auth.caller("bob@example.org")
    anns = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    await auth.handlers.logout(bob, anns.refresh_token)
    assert auth.refresh_token(anns.refresh_token).revoked_at is None
    await auth.handlers.logout(ann, anns.refresh_token)
    assert auth.refresh_token(anns.refresh_token).revoked_at == auth.clock.now
    with pytest.raises(Unauthenticated):
        await auth.handlers.refresh(anns.refresh_token)
    with pytest.raises(InvalidArgument):
        await auth.handlers.logout(ann, "")


# ---- reading accounts ------------------------------------------------------------------------------------------------

async def test_a_user_reads_its_own_account_and_only_an_admin_reads_others(auth):
    ann = await auth.caller("ann@example.org")
    bob = await auth.caller("bob@example.org")
    admin = await auth.admin()
    assert (await auth.handlers.account(ann, ann.user_id)).email == "ann@example.org"
    with pytest.raises(PermissionDenied):
        await auth.handlers.account(ann, bob.user_id)
    assert (await auth.handlers.account(admin, bob.user_id)).email == "bob@example.org"
    with pytest.raises(NotFound) as missing:
        await auth.handlers.account(admin, str(uuid.uuid4()))
    assert missing.value.reason == errors.NOT_FOUND
    with pytest.raises(InvalidArgument):
        await auth.handlers.account(admin, "not-a-uuid")


async def test_list_accounts_pages_by_email_and_filters(auth):
    for name in ("dora", "Bob", "ann", "carl"):
        await auth.register(f"{name}@example.org", name=name.title())
    page, token = await auth.handlers.list_accounts(2, "", "")
    assert [a.email for a in page] == ["ann@example.org", "Bob@example.org"]
    page, token = await auth.handlers.list_accounts(2, token, "")
    assert [a.email for a in page] == ["carl@example.org", "dora@example.org"] and token == ""
    page, _ = await auth.handlers.list_accounts(0, "", "AR")
    assert [a.full_name for a in page] == ["Carl"]
    with pytest.raises(InvalidArgument):
        await auth.handlers.list_accounts(2, "forged", "")
    with pytest.raises(InvalidArgument):
        await auth.handlers.list_accounts(1000, "", "")


async def test_internal_lookups_by_ids_and_by_email(auth):
    ann = await auth.register("Ann@example.org")
    bob = await auth.register("bob@example.org")
    found = await auth.handlers.accounts([uuid.UUID(ann.id), uuid.uuid4(), uuid.UUID(bob.id)])
    assert {a.id for a in found} == {ann.id, bob.id}
    assert [a.id for a in await auth.handlers.accounts_by_email([" ann@EXAMPLE.org", "x@example.org"])] == [ann.id]


# ---- the caller's own profile ---------------------------------------------------------------------------------------

async def test_a_user_renames_itself_and_reads_the_new_name_back(auth):
    ann = await auth.caller("ann@example.org")
    renamed = await auth.handlers.update_profile(ann, ["full_name"], "  Ann Lee ")
    assert (renamed.id, renamed.email, renamed.full_name) == (ann.user_id, "ann@example.org", "Ann Lee")
    assert (await auth.handlers.account(ann, ann.user_id)).full_name == "Ann Lee"
    assert (await auth.handlers.update_profile(ann, [], "Ann B. Lee")).full_name == "Ann B. Lee"  # no mask: all


@pytest.mark.parametrize("mask,name,field", [
    (["full_name"], "", "user.full_name"), ([], "   ", "user.full_name"), ([], "x" * 256, "user.full_name"),
    ([], "Ann\x00Lee", "user.full_name"), (["email"], "Ann Lee", "update_mask"),
    (["full_name", "roles"], "Ann Lee", "update_mask")])
async def test_a_rename_refuses_what_registration_refuses_and_fields_a_user_cannot_change(auth, mask, name, field):
    ann = await auth.caller("ann@example.org")
    with pytest.raises(InvalidArgument) as refused:
        await auth.handlers.update_profile(ann, mask, name)
    assert refused.value.field == field
    if field == "update_mask":
        assert mask[-1] in refused.value.message and refused.value.metadata["paths"] == mask[-1]
    assert auth.uows.state.users[uuid.UUID(ann.user_id)].full_name == "Ann"


async def test_a_rename_accepts_the_longest_name_registration_accepts(auth):
    ann = await auth.caller("ann@example.org")
    longest = "x" * domain.FULL_NAME_MAX_LENGTH
    assert (await auth.handlers.update_profile(ann, [], longest)).full_name == longest
    with pytest.raises(InvalidArgument):
        await auth.register("bob@example.org", name=longest + "x")


async def test_renaming_an_account_that_is_gone(auth):
    with pytest.raises(NotFound):
        await auth.handlers.update_profile(Caller(str(uuid.uuid4()), "gone@example.org"), [], "Ghost")
    assert auth.uows.state.events == []


# ---- roles and activity ----------------------------------------------------------------------------------------------

async def test_an_admin_grants_and_revokes_system_roles(auth):
    admin = await auth.admin()
    ann = await auth.register("ann@example.org")
    granted = await auth.handlers.change_role(admin, ann.id, SystemRole.SPONSOR, granting=True)
    assert granted.roles == (SystemRole.SPONSOR,)
    again = await auth.handlers.change_role(admin, ann.id, SystemRole.SPONSOR, granting=True)
    assert again.roles == (SystemRole.SPONSOR,)
    assert (await auth.handlers.change_role(admin, ann.id, SystemRole.SPONSOR, granting=False)).roles == ()


async def test_role_changes_refuse_self_demotion_and_unknown_accounts(auth):
    admin = await auth.admin()
    with pytest.raises(FailedPrecondition) as refused:
        await auth.handlers.change_role(admin, admin.user_id, SystemRole.ADMIN, granting=False)
    assert refused.value.reason == errors.INSUFFICIENT_PERMISSIONS
    with pytest.raises(NotFound):
        await auth.handlers.change_role(admin, str(uuid.uuid4()), SystemRole.SPONSOR, granting=True)
    assert SystemRole.ADMIN in auth.uows.state.users[uuid.UUID(admin.user_id)].roles


async def test_deactivation_revokes_every_session_and_reactivation_lets_the_user_back(auth):
    admin = await auth.admin()
    ann = await auth.register("ann@example.org")
    sessions = [await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS) for _ in range(2)]
    deactivated = await auth.handlers.set_active(admin, ann.id, active=False)
    assert deactivated.active is False
    assert all(auth.refresh_token(s.refresh_token).revoked_at for s in sessions)
    assert (await auth.handlers.set_active(admin, ann.id, active=True)).active is True
    await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)


async def test_an_admin_cannot_deactivate_itself_nor_an_unknown_account(auth):
    admin = await auth.admin()
    with pytest.raises(FailedPrecondition):
        await auth.handlers.set_active(admin, admin.user_id, active=False)
    with pytest.raises(NotFound):
        await auth.handlers.set_active(admin, str(uuid.uuid4()), active=True)


# ---- email verification ----------------------------------------------------------------------------------------------

async def test_the_mailed_link_verifies_the_email_once(auth):
    await auth.register("ann@example.org")
    token = auth.last_token("ann@example.org")
    assert (await auth.handlers.verify_email(token)).email_verified is True
    with pytest.raises(InvalidArgument, match="already used"):
        await auth.handlers.verify_email(token)


async def test_an_expired_or_unknown_link_verifies_nothing(auth):
    ann = await auth.register("ann@example.org")
    auth.clock.advance(hours=48)
    with pytest.raises(InvalidArgument, match="expired"):
        await auth.handlers.verify_email(auth.last_token("ann@example.org"))
    with pytest.raises(InvalidArgument, match="not valid"):
        await auth.handlers.verify_email("made up")
    assert auth.uows.state.users[uuid.UUID(ann.id)].email_verified is False


async def test_resend_mails_a_new_link_that_replaces_the_old_one(auth):
    ann = await auth.caller("ann@example.org")
    old = auth.last_token("ann@example.org")
    await auth.handlers.resend_verification(ann)
    new = auth.last_token("ann@example.org")
    with pytest.raises(InvalidArgument, match="not valid"):
        await auth.handlers.verify_email(old)
    await auth.handlers.verify_email(new)
    with pytest.raises(FailedPrecondition) as refused:
        await auth.handlers.resend_verification(ann)
    assert refused.value.reason == errors.EMAIL_ALREADY_VERIFIED


async def test_resending_is_limited_per_account(auth):
    ann = await auth.caller("ann@example.org")
    for _ in range(domain.VERIFICATION_MAILS_PER_HOUR):
        await auth.handlers.resend_verification(ann)
    with pytest.raises(ResourceExhausted):
        await auth.handlers.resend_verification(ann)
    assert len(auth.mailed_links()) == 1 + domain.VERIFICATION_MAILS_PER_HOUR


async def test_resend_for_an_account_that_is_gone(auth):
    with pytest.raises(NotFound):
        await auth.handlers.resend_verification(Caller(str(uuid.uuid4()), "gone@example.org"))


# ---- the first admin -------------------------------------------------------------------------------------------------

async def test_ensure_admin_creates_a_verified_admin_once(auth):
    await auth.handlers.ensure_admin("admin@coins.local", "change-me-admin")
    await auth.handlers.ensure_admin("ADMIN@coins.local", "another password")
    [admin] = auth.uows.state.users.values()
    assert (admin.roles, admin.email_verified, admin.password_hash) == (
        {SystemRole.ADMIN}, True, "hash:change-me-admin")  # an existing admin keeps its password


async def test_ensure_admin_refuses_to_promote_an_existing_account(auth):
    await auth.register("admin@coins.local")
    with pytest.raises(domain.FirstAdminRefused):
        await auth.handlers.ensure_admin("admin@coins.local", "change-me-admin")
    [user] = auth.uows.state.users.values()
    assert user.roles == set() and user.password_hash == f"hash:{PASSWORD}"


# ---- account events --------------------------------------------------------------------------------------------------

def events_of(auth: Auth, user_id: str) -> list[events.Event]:
    return [e for e in auth.uows.state.events if e.subject == f"users/{user_id}"]


def assert_no_secrets(auth: Auth) -> None:
    """No password, token or verification link ever leaves through an event in the clear."""
    secrets = {PASSWORD.encode()} | {token_of(link).encode() for link in auth.mailed_links()}
    for event in auth.uows.state.events:
        serialized = event.SerializeToString()
        assert not any(secret in serialized for secret in secrets), event
        assert b"verify-email" not in serialized and b"hash:" not in serialized


async def test_registration_tells_of_the_new_account_in_its_transaction(auth):
    with call_context(method=REGISTER, request_id="r-1", body="ann"):
        ann = await auth.register("Ann@Example.org", name="Ann Lee")
        await auth.register("Ann@Example.org", name="Ann Lee")  # a replayed retry tells nothing again
    event, _ = auth.uows.state.events
    assert (event.type, event.subject, event.actor_id, event.campaign_id, event.request_id) == (
        "coins.v1.UserRegistered", f"users/{ann.id}", ann.id, "", "test")
    assert event.WhichOneof("payload") == "user_registered"
    assert (event.user_registered.email, event.user_registered.full_name) == ("Ann@Example.org", "Ann Lee")
    assert event.occur_time.ToDatetime(tzinfo=auth.clock.now.tzinfo) == auth.clock.now
    uuid.UUID(event.event_id)
    assert_no_secrets(auth)


def verification_requests(auth: Auth) -> list[tuple[str, str, str, str, datetime]]:
    """The verification mails asked for through events: subject, email, full name, the link they carry (unsealed)
    and when it expires."""
    found = []
    for event in auth.uows.state.events:
        if event.WhichOneof("payload") != "email_verification_requested":
            continue
        assert (event.type, event.actor_id, event.campaign_id) == (
            "coins.v1.EmailVerificationRequested", event.subject.removeprefix("users/"), "")
        requested = event.email_verification_requested
        found.append((event.subject, requested.email, requested.full_name, sealing.open_sealed(requested.sealed_link),
                      requested.expire_time.ToDatetime(tzinfo=UTC)))
    return found


async def test_registration_asks_for_the_verification_mail_with_the_link_sealed(auth):
    with call_context(method=REGISTER, request_id="r-1", body="ann"):
        ann = await auth.register("Ann@Example.org", name="Ann Lee")
        await auth.register("Ann@Example.org", name="Ann Lee")  # a replayed retry asks for no second mail
    registered, requested = auth.uows.state.events
    assert (registered.type, requested.type) == ("coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested")
    assert requested.request_id == "test"
    expires = auth.clock.now + timedelta(hours=48)
    [(subject, email, name, link, expires_at)] = verification_requests(auth)
    assert (subject, email, name, expires_at) == (f"users/{ann.id}", "Ann@Example.org", "Ann Lee", expires)
    assert link.startswith(f"{PUBLIC_URL}/verify-email?token=")
    assert auth.uows.state.verifications[domain.secret_token_digest(token_of(link))].expires_at == expires
    assert_no_secrets(auth)
    assert (await auth.handlers.verify_email(token_of(link))).email_verified  # the sealed link is the one that works


async def test_each_resend_asks_for_a_mail_with_the_link_that_works_now(auth):
    ann = await auth.caller("ann@example.org")
    auth.clock.advance(hours=1)
    await auth.handlers.resend_verification(ann)
    requested = verification_requests(auth)
    assert [(email, expires) for _, email, _, _, expires in requested] == [
        ("ann@example.org", auth.clock.now + timedelta(hours=47)),
        ("ann@example.org", auth.clock.now + timedelta(hours=48))]
    assert requested[0][3] != requested[1][3]
    with pytest.raises(InvalidArgument, match="not valid"):  # the first mail's link no longer works
        await auth.handlers.verify_email(token_of(requested[0][3]))
    await auth.handlers.verify_email(token_of(requested[1][3]))
    assert_no_secrets(auth)


async def test_a_refused_resend_asks_for_no_mail(auth):
    ann = await auth.caller("ann@example.org")
    for _ in range(domain.VERIFICATION_MAILS_PER_HOUR):
        await auth.handlers.resend_verification(ann)
    with pytest.raises(ResourceExhausted):
        await auth.handlers.resend_verification(ann)
    await auth.handlers.verify_email(auth.last_token("ann@example.org"))
    auth.limiters.verification_mails.counted.clear()
    with pytest.raises(FailedPrecondition):
        await auth.handlers.resend_verification(ann)
    with pytest.raises(NotFound):
        await auth.handlers.resend_verification(Caller(str(uuid.uuid4()), "gone@example.org"))
    assert len(verification_requests(auth)) == 1 + domain.VERIFICATION_MAILS_PER_HOUR


async def test_a_refused_registration_tells_nothing(auth):
    await auth.register("ann@example.org")
    with pytest.raises(AlreadyExists):
        await auth.register("ANN@example.org")
    with pytest.raises(InvalidArgument):
        await auth.register("bob@example.org", password="short")
    assert [(e.type, getattr(e, e.WhichOneof("payload")).email) for e in auth.uows.state.events] == [
        ("coins.v1.UserRegistered", "ann@example.org"), ("coins.v1.EmailVerificationRequested", "ann@example.org")]


async def test_events_added_in_a_failed_unit_of_work_roll_back_with_it(auth):
    with pytest.raises(RuntimeError):
        async with auth.uows() as uow:
            await uow.events.add(events.Event(event_id=str(uuid.uuid4())))
            raise RuntimeError("the change failed")
    assert auth.uows.state.events == []


async def test_a_verified_email_is_told_once(auth):
    ann = await auth.register("ann@example.org")
    token = auth.last_token("ann@example.org")
    await auth.handlers.verify_email(token)
    with pytest.raises(InvalidArgument):
        await auth.handlers.verify_email(token)
    [registered, requested, verified] = events_of(auth, ann.id)
    assert (registered.type, requested.type) == ("coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested")
    assert (verified.type, verified.actor_id, verified.user_email_verified.email) == (
        "coins.v1.UserEmailVerified", ann.id, "ann@example.org")
    assert_no_secrets(auth)


async def test_an_expired_link_tells_nothing(auth):
    ann = await auth.register("ann@example.org")
    auth.clock.advance(hours=48)
    with pytest.raises(InvalidArgument):
        await auth.handlers.verify_email(auth.last_token("ann@example.org"))
    assert [e.type for e in events_of(auth, ann.id)] == [
        "coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested"]


async def test_deactivation_and_reactivation_are_told_with_the_admin_as_actor(auth):
    admin = await auth.admin()
    ann = await auth.register("ann@example.org")
    await auth.handlers.set_active(admin, ann.id, active=False)
    await auth.handlers.set_active(admin, ann.id, active=False)  # no change: nothing told
    await auth.handlers.set_active(admin, ann.id, active=True)
    await auth.handlers.set_active(admin, ann.id, active=True)
    told = events_of(auth, ann.id)[2:]
    assert [(e.type, e.WhichOneof("payload"), e.actor_id, e.campaign_id) for e in told] == [
        ("coins.v1.UserDeactivated", "user_deactivated", admin.user_id, ""),
        ("coins.v1.UserReactivated", "user_reactivated", admin.user_id, "")]


async def test_a_refused_deactivation_tells_nothing(auth):
    admin = await auth.admin()
    with pytest.raises(FailedPrecondition):
        await auth.handlers.set_active(admin, admin.user_id, active=False)
    with pytest.raises(NotFound):
        await auth.handlers.set_active(admin, str(uuid.uuid4()), active=False)
    assert [e.type for e in auth.uows.state.events] == [
        "coins.v1.UserRegistered", "coins.v1.EmailVerificationRequested"]


async def test_a_rename_is_told_with_both_names_and_the_user_as_actor(auth):
    ann = await auth.caller("ann@example.org")
    await auth.handlers.update_profile(ann, ["full_name"], "Ann Lee")
    await auth.handlers.update_profile(ann, [], " Ann Lee ")  # the same name again: nothing told
    await auth.handlers.update_profile(ann, [], "Ann Smith")
    told = events_of(auth, ann.user_id)[2:]
    assert [(e.type, e.WhichOneof("payload"), e.actor_id, e.campaign_id, e.request_id) for e in told] == [
        ("coins.v1.UserRenamed", "user_renamed", ann.user_id, "", ""),
        ("coins.v1.UserRenamed", "user_renamed", ann.user_id, "", "")]
    assert [(e.user_renamed.full_name, e.user_renamed.previous_full_name) for e in told] == [
        ("Ann Lee", "Ann"), ("Ann Smith", "Ann Lee")]
    assert told[0].occur_time.ToDatetime(tzinfo=UTC) == auth.clock.now


async def test_a_refused_rename_tells_nothing(auth):
    ann = await auth.caller("ann@example.org")
    before = list(auth.uows.state.events)
    for mask, name in ((["email"], "Ann Lee"), ([], "")):
        with pytest.raises(InvalidArgument):
            await auth.handlers.update_profile(ann, mask, name)
    assert auth.uows.state.events == before


async def test_role_changes_and_sessions_tell_nothing(auth):
    admin = await auth.admin()
    ann = await auth.register("ann@example.org")
    before = list(auth.uows.state.events)
    await auth.handlers.change_role(admin, ann.id, SystemRole.SPONSOR, granting=True)
    session = await auth.handlers.login("ann@example.org", PASSWORD, ADDRESS)
    await auth.handlers.refresh(session.refresh_token)
    assert auth.uows.state.events == before
    assert_no_secrets(auth)


async def test_the_first_admin_is_told_registered_and_verified_once_by_the_system(auth):
    await auth.handlers.ensure_admin("admin@coins.local", "change-me-admin")
    await auth.handlers.ensure_admin("admin@coins.local", "change-me-admin")
    [admin] = auth.uows.state.users.values()
    registered, verified = auth.uows.state.events
    assert (registered.type, registered.subject, registered.actor_id, registered.user_registered.email,
            registered.user_registered.full_name) == (
        "coins.v1.UserRegistered", f"users/{admin.id}", "", "admin@coins.local", "Administrator")
    assert (verified.type, verified.subject, verified.user_email_verified.email) == (
        "coins.v1.UserEmailVerified", f"users/{admin.id}", "admin@coins.local")
    assert b"change-me-admin" not in registered.SerializeToString()
