from datetime import datetime, timedelta, timezone

import pytest

from services.campaign import domain
from services.campaign.domain import Invitation, Standing
from services.common import errors
from services.common.concepts import InvitationState
from services.common.config import Settings
from services.common.context import Caller
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
DAYS_14 = timedelta(days=14)


def invitation(**ends) -> Invitation:
    sent = NOW - timedelta(days=1)
    return Invitation("slug", "bo@example.org", "member", "u1", sent, sent + DAYS_14, **ends)


def test_an_invitation_is_pending_until_used_revoked_or_expired():
    assert invitation().state(NOW) == InvitationState.PENDING
    assert invitation().state(NOW + DAYS_14) == InvitationState.EXPIRED
    assert invitation(accepted_by="u2", accepted_at=NOW).state(NOW + DAYS_14) == InvitationState.ACCEPTED
    assert invitation(revoked_at=NOW).state(NOW) == InvitationState.REVOKED


@pytest.mark.parametrize("ends,at,reason", [
    ({"accepted_by": "u2", "accepted_at": NOW}, NOW, errors.INVITATION_USED),
    ({"revoked_at": NOW}, NOW, errors.INVITATION_REVOKED),
    ({}, NOW + DAYS_14, errors.INVITATION_EXPIRED)])
def test_only_a_pending_invitation_is_taken_up(ends, at, reason):
    with pytest.raises(FailedPrecondition) as refused:
        domain.require_acceptable(invitation(**ends), at)
    assert refused.value.reason == reason
    with pytest.raises(NotFound):
        domain.require_acceptable(None, NOW)
    assert domain.require_acceptable(invitation(), NOW).role == "member"


def test_links_carry_a_random_token_of_which_only_a_digest_is_kept():
    token = domain.new_invitation_token()
    assert token != domain.new_invitation_token() and domain.checked_token(token) == token
    assert domain.token_digest(token) != token and len(domain.token_digest(token)) == 64
    assert domain.invitation_link("https://coins.example", token) == f"https://coins.example/invitations/{token}"
    for bad in ("", "short", "has space in it and is long enough", "x" * 101):
        with pytest.raises(InvalidArgument):
            domain.checked_token(bad)


def test_accepting_never_demotes_and_only_admins_invite_managers():
    assert domain.role_on_accepting(None, "manager") == "manager"
    assert domain.role_on_accepting("member", "manager") == "manager"
    assert domain.role_on_accepting("manager", "member") == "manager"
    assert domain.role_on_accepting(None, "member") == "member"
    manager = Standing(role="manager")
    domain.require_may_invite(manager, Caller("m", "m@x.org"), "member")
    domain.require_may_invite(Standing(), Caller("a", "a@x.org", frozenset({"admin"})), "manager")
    with pytest.raises(PermissionDenied):
        domain.require_may_invite(manager, Caller("m", "m@x.org"), "manager")


def test_emails_go_to_managers_and_admins_only():
    assert domain.can_see_emails(Standing(role="manager"), Caller("m", "m@x.org"))
    assert domain.can_see_emails(Standing(), Caller("a", "a@x.org", frozenset({"admin"})))
    assert not domain.can_see_emails(Standing(role="member"), Caller("u", "u@x.org"))
    assert not domain.can_see_emails(Standing(sponsor=True), Caller("s", "s@x.org", frozenset({"sponsor"})))


def test_invitations_last_14_days_unless_configured():
    assert Settings.from_env("campaign", {}).invitation_ttl_s == 14 * 24 * 3600
    assert Settings.from_env("campaign", {"COINS_INVITATION_TTL_S": "60"}).invitation_ttl_s == 60
